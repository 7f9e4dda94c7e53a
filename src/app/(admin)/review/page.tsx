import type { Metadata } from "next";
import { connection } from "next/server";
import { ReviewQueue } from "@/components/sources/review-queue";
import { driftQueryOf, REVIEW_LIST, reviewQueryOf } from "@/lib/list-specs";
import { listViewFrom } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Review queue" };

export default async function ReviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const view = listViewFrom(REVIEW_LIST, await searchParams);
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.sources.reviewPage.queryOptions(reviewQueryOf(view, "quarantined"))),
    queryClient.prefetchQuery(trpc.sources.reviewPage.queryOptions(reviewQueryOf(view, "pending-update"))),
    queryClient.prefetchQuery(trpc.tools.driftPage.queryOptions(driftQueryOf(view))),
  ]);
  return (
    <HydrateClient>
      <ReviewQueue />
    </HydrateClient>
  );
}
