import type { Metadata } from "next";
import { connection } from "next/server";
import { Catalog } from "@/components/servers/catalog";
import { catalogViewFrom, listQueryOf } from "@/lib/catalog-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Catalog" };

export default async function CatalogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const view = catalogViewFrom(await searchParams);
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.catalog.list.queryOptions(listQueryOf(view))),
    queryClient.prefetchQuery(trpc.catalog.stats.queryOptions({})),
  ]);
  return (
    <HydrateClient>
      <Catalog />
    </HydrateClient>
  );
}
