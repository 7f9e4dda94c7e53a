import type { Metadata } from "next";
import { connection } from "next/server";
import { AuditLog } from "@/components/audit/audit-log";
import { auditFiltersFrom, auditQueryOf } from "@/lib/audit-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const filters = auditFiltersFrom(await searchParams);
  await getQueryClient().prefetchInfiniteQuery(trpc.audit.list.infiniteQueryOptions(auditQueryOf(filters), { getNextPageParam: (page) => page.nextCursor }));
  return (
    <HydrateClient>
      <AuditLog />
    </HydrateClient>
  );
}
