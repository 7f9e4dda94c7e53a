"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Panel } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/states";
import { auditFiltersFrom, auditHref, auditQueryOf } from "@/lib/audit-url";
import { useTRPC } from "@/trpc/react";
import { AuditEventTable } from "./audit-events";

/**
 * One entity's audit events, newest first, each with its before/after diff: the History tab of a
 * server or tenant page. `noun` names the entity in the texts ("this server").
 */
export function EntityHistory({ entityType, name, noun, intro }: { entityType: string; name: string; noun: string; intro: string }) {
  const trpc = useTRPC();
  const filters = { ...auditFiltersFrom({}), entityType, entityId: name };
  const query = useInfiniteQuery(trpc.audit.list.infiniteQueryOptions(auditQueryOf(filters, 25), { getNextPageParam: (page) => page.nextCursor }));
  const events = query.data?.pages.flatMap((page) => page.events) ?? [];

  if (query.isPending) return <Loading what="the history" />;
  if (query.isError) return <LoadError what="the history" error={query.error} />;
  if (events.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">No recorded changes to {noun} yet.</p>
      </Panel>
    );
  }
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
        <p>{intro}</p>
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

/** A server's history tab. */
export function ServerHistory({ name }: { name: string }) {
  return (
    <EntityHistory entityType="mcp_server" name={name} noun="this server" intro="Every change to this server, newest first. Open one to see what it changed." />
  );
}

/** A tenant's history tab. */
export function TenantHistory({ name }: { name: string }) {
  return (
    <EntityHistory
      entityType="tenant"
      name={name}
      noun="this tenant"
      intro="Every change to this tenant, newest first. Rules and groups that name it have their own history in the audit log."
    />
  );
}
