"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Panel } from "@/components/ui/panel";
import { Loading } from "@/components/ui/states";
import { auditFiltersFrom, auditHref, auditQueryOf } from "@/lib/audit-url";
import { domainErrorOf } from "@/lib/domain-error";
import { useTRPC } from "@/trpc/react";
import { AuditEventTable } from "./audit-events";

/** A server's audit events, newest first, each with its before/after diff. */
export function ServerHistory({ name }: { name: string }) {
  const trpc = useTRPC();
  const filters = { ...auditFiltersFrom({}), entityType: "mcp_server", entityId: name };
  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(auditQueryOf(filters, 25), { getNextPageParam: (page) => page.nextCursor }),
  );
  const events = query.data?.pages.flatMap((page) => page.events) ?? [];

  if (query.isPending) return <Loading what="the history" />;
  if (query.isError) {
    return (
      <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
        Could not load the history: {domainErrorOf(query.error).message}
      </p>
    );
  }
  if (events.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">No recorded changes to this server yet.</p>
      </Panel>
    );
  }
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
        <p>Every change to this server, newest first. Open one to see what it changed.</p>
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
