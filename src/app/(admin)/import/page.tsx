import type { Metadata } from "next";
import { connection } from "next/server";
import { ImportForm } from "@/components/import/import-form";
import { NeedsRole } from "@/components/shell/needs-role";
import { atLeast } from "@/server/auth/roles";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Import" };

export default async function ImportPage() {
  await connection();
  const user = await requireUser();
  if (!atLeast(user.role, "editor")) return <NeedsRole title="Import" role="editor" user={user} action="Importing servers" />;
  return <ImportForm />;
}
