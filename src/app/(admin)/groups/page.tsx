import type { Metadata } from "next";
import { connection } from "next/server";
import { GroupsPage } from "@/components/policy/groups-page";
import { GROUPS_LIST } from "@/lib/list-specs";
import { listViewFrom, pageQueryOf } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Groups" };

export default async function GroupsRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const view = listViewFrom(GROUPS_LIST, await searchParams);
  await getQueryClient().prefetchQuery(trpc.groups.page.queryOptions(pageQueryOf(view)));
  return (
    <HydrateClient>
      <GroupsPage />
    </HydrateClient>
  );
}
