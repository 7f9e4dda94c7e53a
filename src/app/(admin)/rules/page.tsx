import type { Metadata } from "next";
import { connection } from "next/server";
import { GrantsPage } from "@/components/policy/grants-page";
import { RULES_LIST, rulesQueryOf } from "@/lib/list-specs";
import { listViewFrom } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Rules" };

export default async function RulesRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const view = listViewFrom(RULES_LIST, await searchParams);
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.grants.page.queryOptions(rulesQueryOf(view))),
    queryClient.prefetchQuery(trpc.policy.warnings.queryOptions({})),
  ]);
  return (
    <HydrateClient>
      <GrantsPage />
    </HydrateClient>
  );
}
