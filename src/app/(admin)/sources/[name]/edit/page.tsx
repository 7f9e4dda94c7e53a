import type { Metadata } from "next";
import { connection } from "next/server";
import { NeedsRole } from "@/components/shell/needs-role";
import { SourceForm } from "@/components/sources/source-form";
import { PageHeader } from "@/components/ui/panel";
import { atLeast } from "@/server/auth/roles";
import { requireUser } from "@/trpc/session";
import { loadSourceOr404 } from "../load";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Edit source ${(await params).name}` };
}

export default async function EditSourcePage({ params }: Props) {
  await connection();
  const { name } = await params;
  const user = await requireUser();
  const back = { href: `/sources/${name}`, label: "Back to the source" };
  if (!atLeast(user.role, "editor")) return <NeedsRole title={`Edit ${name}`} role="editor" user={user} action="Editing sources" back={back} />;
  const source = await loadSourceOr404(name);
  return (
    <>
      <PageHeader
        title={
          <>
            Edit <span className="font-mono">{name}</span>
          </>
        }
      />
      <SourceForm mode={{ kind: "edit", source }} />
    </>
  );
}
