import type { Metadata } from "next";
import { connection } from "next/server";
import { ReviewQueue } from "@/components/sources/review-queue";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Review queue" };

export default async function ReviewPage() {
  await connection();
  await requireUser();
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.sources.quarantined.queryOptions({})),
    queryClient.prefetchQuery(trpc.sources.pendingUpdates.queryOptions({})),
    queryClient.prefetchQuery(trpc.tools.drift.queryOptions({})),
  ]);
  return (
    <HydrateClient>
      <ReviewQueue />
    </HydrateClient>
  );
}
