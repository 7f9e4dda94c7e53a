import type { Metadata } from "next";
import { connection } from "next/server";
import { GrantsPage } from "@/components/policy/grants-page";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Rules" };

export default async function GrantsRoute() {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.grants.list.queryOptions({}));
  return (
    <HydrateClient>
      <GrantsPage />
    </HydrateClient>
  );
}
