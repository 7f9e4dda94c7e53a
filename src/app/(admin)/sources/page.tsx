import type { Metadata } from "next";
import { connection } from "next/server";
import { SourceList } from "@/components/sources/source-list";
import { SOURCES_LIST, sourcesQueryOf } from "@/lib/list-specs";
import { listViewFrom } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Sources" };

export default async function SourcesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const view = listViewFrom(SOURCES_LIST, await searchParams);
  await getQueryClient().prefetchQuery(trpc.sources.page.queryOptions(sourcesQueryOf(view)));
  return (
    <HydrateClient>
      <SourceList />
    </HydrateClient>
  );
}
