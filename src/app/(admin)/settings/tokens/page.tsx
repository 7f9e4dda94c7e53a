import type { Metadata } from "next";
import { connection } from "next/server";
import { TokensPage } from "@/components/tokens/tokens-page";
import { TOKENS_LIST, tokensQueryOf } from "@/lib/list-specs";
import { listViewFrom } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.tokens.page.queryOptions(tokensQueryOf(listViewFrom(TOKENS_LIST, await searchParams))));
  return (
    <HydrateClient>
      <TokensPage />
    </HydrateClient>
  );
}
