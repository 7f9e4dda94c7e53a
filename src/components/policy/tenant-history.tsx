"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AuditEventTable } from "@/components/audit/audit-events";
import { Button } from "@/components/ui/button";
import { Panel } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/states";
import { auditFiltersFrom, auditHref, auditQueryOf } from "@/lib/audit-url";
import { useTRPC } from "@/trpc/react";

/** A tenant's audit events, newest first. */
export function TenantHistory({ name }: { name: string }) {
  const trpc = useTRPC();
  const filters = { ...auditFiltersFrom({}), entityType: "tenant", entityId: name };
  const query = useInfiniteQuery(trpc.audit.list.infiniteQueryOptions(auditQueryOf(filters, 25), { getNextPageParam: (page) => page.nextCursor }));
  const events = query.data?.pages.flatMap((page) => page.events) ?? [];

  if (query.isPending) return <Loading what="the history" />;
  if (query.isError) return <LoadError what="the history" error={query.error} />;
  if (events.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">No recorded changes to this tenant yet.</p>
      </Panel>
    );
  }
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
        <p>Every change to this tenant, newest first. Rules and groups that name it have their own history in the audit log.</p>
        <Link href={auditHref(filters)} className="font-medium text-indigo-700 underline">
          Open in the audit log
        </Link>
      </div>
      <AuditEventTable events={events} showEntity={false} caption={`Changes to ${name}, newest first`} />
      {query.hasNextPage && (
        <div className="flex justify-center">
          <Button onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      )}
    </div>
  );
}
