import type { Metadata } from "next";
import { connection } from "next/server";
import { AccessMatrixPage } from "@/components/policy/access-matrix";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Access matrix" };

export default async function AccessMatrixRoute() {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.policy.matrix.queryOptions({}));
  return (
    <HydrateClient>
      <AccessMatrixPage />
    </HydrateClient>
  );
}
