import type { Metadata } from "next";
import { connection } from "next/server";
import { AccessMatrixPage } from "@/components/policy/access-matrix";
import { matrixFiltersOf } from "@/lib/policy-view";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Access matrix" };

export default async function AccessMatrixRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  // Filters in the URL (a link from another page, or a shared one) narrow the query; the prefetch covers the unfiltered one.
  const initial = matrixFiltersOf(await searchParams);
  if (!initial.group && !initial.label && !initial.tenant) await getQueryClient().prefetchQuery(trpc.policy.matrix.queryOptions({}));
  return (
    <HydrateClient>
      <AccessMatrixPage initial={initial} />
    </HydrateClient>
  );
}
