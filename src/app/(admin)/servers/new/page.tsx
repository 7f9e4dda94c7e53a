import type { Metadata } from "next";
import { connection } from "next/server";
import { NewServer } from "@/components/servers/server-pages";
import { NeedsRole } from "@/components/shell/needs-role";
import { atLeast } from "@/server/auth/roles";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Create server" };

export default async function NewServerPage() {
  await connection();
  const user = await requireUser();
  if (!atLeast(user.role, "editor")) return <NeedsRole title="Create server" role="editor" user={user} action="Creating servers" />;
  await getQueryClient().prefetchQuery(trpc.catalog.stats.queryOptions({}));
  return (
    <HydrateClient>
      <NewServer />
    </HydrateClient>
  );
}
