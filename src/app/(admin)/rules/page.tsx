import type { Metadata } from "next";
import { connection } from "next/server";
import { GrantsPage } from "@/components/policy/grants-page";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Rules" };

export default async function RulesRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const { server, group, tenant } = await searchParams;
  const one = (value: string | string[] | undefined) => (typeof value === "string" ? value : "");
  await getQueryClient().prefetchQuery(trpc.grants.list.queryOptions({}));
  return (
    <HydrateClient>
      <GrantsPage initial={{ server: one(server), group: one(group), tenant: one(tenant) }} />
    </HydrateClient>
  );
}
