import type { Metadata } from "next";
import { connection } from "next/server";
import { GroupsPage } from "@/components/policy/groups-page";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Groups" };

export default async function GroupsRoute() {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.groups.list.queryOptions());
  return (
    <HydrateClient>
      <GroupsPage />
    </HydrateClient>
  );
}
