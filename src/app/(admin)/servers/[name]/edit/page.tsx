import type { Metadata } from "next";
import { connection } from "next/server";
import { EditServer } from "@/components/servers/server-pages";
import { NeedsRole } from "@/components/shell/needs-role";
import { atLeast } from "@/server/auth/roles";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";
import { loadServerOr404 } from "../load";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Edit ${(await params).name}` };
}

export default async function EditServerPage({ params }: Props) {
  await connection();
  const { name } = await params;
  const user = await requireUser();
  if (!atLeast(user.role, "editor")) {
    return (
      <NeedsRole title={`Edit ${name}`} role="editor" user={user} action="Editing servers" back={{ href: `/servers/${name}`, label: "Back to the server" }} />
    );
  }
  await Promise.all([loadServerOr404(name), getQueryClient().prefetchQuery(trpc.catalog.stats.queryOptions({}))]);
  return (
    <HydrateClient>
      <EditServer name={name} />
    </HydrateClient>
  );
}
