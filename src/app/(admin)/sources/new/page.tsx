import type { Metadata } from "next";
import { connection } from "next/server";
import { NeedsRole } from "@/components/shell/needs-role";
import { SourceForm } from "@/components/sources/source-form";
import { PageHeader } from "@/components/ui/panel";
import { atLeast } from "@/server/auth/roles";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Add source" };

export default async function NewSourcePage() {
  await connection();
  const user = await requireUser();
  const back = { href: "/sources", label: "Back to the sources" };
  if (!atLeast(user.role, "editor")) return <NeedsRole title="Add source" role="editor" user={user} action="Adding sources" back={back} />;
  return (
    <>
      <PageHeader title="Add source" description="A new source waits for an administrator's approval before it fetches anything." />
      <SourceForm mode={{ kind: "create" }} />
    </>
  );
}
