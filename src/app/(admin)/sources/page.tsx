import type { Metadata } from "next";
import { connection } from "next/server";
import { SourceList } from "@/components/sources/source-list";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Sources" };

export default async function SourcesPage() {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.sources.list.queryOptions({}));
  return (
    <HydrateClient>
      <SourceList />
    </HydrateClient>
  );
}
