import type { Metadata } from "next";
import { connection } from "next/server";
import { TenantsPage } from "@/components/policy/tenants-page";
import { TENANTS_LIST } from "@/lib/list-specs";
import { listViewFrom, pageQueryOf } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Tenants" };

export default async function TenantsRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const view = listViewFrom(TENANTS_LIST, await searchParams);
  await getQueryClient().prefetchQuery(trpc.tenants.page.queryOptions(pageQueryOf(view)));
  return (
    <HydrateClient>
      <TenantsPage />
    </HydrateClient>
  );
}
