import type { Metadata } from "next";
import { connection } from "next/server";
import { TenantsPage } from "@/components/policy/tenants-page";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Tenants" };

export default async function TenantsRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const { q } = await searchParams;
  await getQueryClient().prefetchQuery(trpc.tenants.list.queryOptions({}));
  return (
    <HydrateClient>
      <TenantsPage initialSearch={typeof q === "string" ? q : ""} />
    </HydrateClient>
  );
}
