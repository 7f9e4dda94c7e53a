import type { Metadata } from "next";
import { connection } from "next/server";
import { TokensPage } from "@/components/tokens/tokens-page";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensRoute() {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.tokens.list.queryOptions({ all: false }));
  return (
    <HydrateClient>
      <TokensPage />
    </HydrateClient>
  );
}
