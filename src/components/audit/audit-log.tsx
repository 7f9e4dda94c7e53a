"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITY_TYPES,
  auditExportHref,
  auditFiltersFrom,
  auditHref,
  auditQueryOf,
  fromUtcInput,
  hasAuditFilters,
  utcInputValue,
  type AuditFilters,
} from "@/lib/audit-url";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { useTRPC } from "@/trpc/react";
import { AuditEventTable } from "./audit-events";

function go(filters: AuditFilters) {
  // Shallow: Next's router follows pushState (useSearchParams) without a server round trip.
  window.history.pushState(null, "", auditHref(auditFiltersFrom(filters)));
}

export function AuditLog() {
  const trpc = useTRPC();
  const filters = auditFiltersFrom(useSearchParams());
  // The same input as the server's prefetch (src/app/(admin)/audit/page.tsx), so its pages are used.
  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(auditQueryOf(filters), {
      getNextPageParam: (page) => page.nextCursor,
      placeholderData: keepPreviousData,
    }),
  );
  const events = query.data?.pages.flatMap((page) => page.events) ?? [];
  const filtered = hasAuditFilters(filters);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change to the catalog, users and tokens, and every sign-in, with who made it and what it changed. Newest first."
        actions={
          <>
            <a href={auditExportHref(filters, "jsonl")} download className={buttonClasses()}>
              Export JSONL
            </a>
            <a href={auditExportHref(filters, "csv")} download className={buttonClasses()}>
              Export CSV
            </a>
          </>
        }
      />

      {/* Remount on a URL change (back button, Clear) so the inputs show the filters in force. */}
      <FilterForm key={auditHref(filters)} filters={filters} onApply={go} />

      <div className="mb-2 flex items-center justify-between text-sm text-slate-600">
        <p aria-live="polite" aria-atomic>
          {query.isPending
            ? "Loading events…"
            : query.isSuccess
              ? `${events.length}${query.hasNextPage ? "+" : ""} event${events.length === 1 ? "" : "s"}${filtered ? " match" : ""}`
              : ""}
        </p>
        {filtered && <p className="text-xs text-slate-500">The export links export every matching event, not just the ones shown.</p>}
      </div>

      {query.isError ? (
        <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
          Could not load the audit log: {domainErrorOf(query.error).message}
        </p>
      ) : query.isSuccess && events.length === 0 ? (
        <div className="rounded-lg bg-white px-6 py-12 text-center shadow-xs ring-1 ring-slate-200">
          <p className="text-sm font-medium text-slate-900">{filtered ? "No events match these filters." : "No events yet."}</p>
          {filtered && (
            <Button className="mt-4" onClick={() => go(auditFiltersFrom({}))}>
              Clear filters
            </Button>
          )}
        </div>
      ) : events.length > 0 ? (
        <div className={cn(query.isPlaceholderData && "opacity-60 transition-opacity")}>
          <AuditEventTable events={events} caption="Audit events, newest first" />
          <div className="mt-3 flex justify-center">
            {query.hasNextPage ? (
              <Button onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                {query.isFetchingNextPage ? "Loading…" : "Load more"}
              </Button>
            ) : (
              <p className="text-xs text-slate-500">The end of the log{filtered ? " for these filters" : ""}.</p>
            )}
          </div>
        </div>
      ) : null}
    </>
  );
}

const HOUR = 3_600_000;
const RANGES = [
  { label: "Last hour", ms: HOUR },
  { label: "Last 24 hours", ms: 24 * HOUR },
  { label: "Last 7 days", ms: 7 * 24 * HOUR },
] as const;

/** One filter of the audit log: its small label above the control `id`. */
function FilterField({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">
        {label}
      </label>
      {children}
    </div>
  );
}

function FilterForm({ filters, onApply }: { filters: AuditFilters; onApply: (filters: AuditFilters) => void }) {
  const [draft, setDraft] = useState(filters);
  const set = (key: keyof AuditFilters) => (event: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [key]: event.target.value });

  const text = (key: "actor" | "action" | "entityType" | "entityId", label: string, placeholder: string, list?: string) => (
    <FilterField id={`audit-${key}`} label={label}>
      <input
        id={`audit-${key}`}
        value={draft[key]}
        onChange={set(key)}
        placeholder={placeholder}
        list={list}
        autoComplete="off"
        spellCheck={false}
        className={cn(inputClasses, "py-1")}
      />
    </FilterField>
  );

  const time = (key: "since" | "until", label: string) => (
    <FilterField id={`audit-${key}`} label={label}>
      <input
        id={`audit-${key}`}
        type="datetime-local"
        value={utcInputValue(draft[key])}
        onChange={(event) => setDraft({ ...draft, [key]: fromUtcInput(event.target.value) })}
        className={cn(inputClasses, "py-1")}
      />
    </FilterField>
  );

  return (
    <form
      role="search"
      aria-label="Filter the audit log"
      onSubmit={(event) => {
        event.preventDefault();
        onApply({ ...draft, actor: draft.actor.trim(), action: draft.action.trim(), entityType: draft.entityType.trim(), entityId: draft.entityId.trim() });
      }}
      className="mb-4 space-y-3 rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200"
    >
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {text("actor", "Actor", "e-mail, bootstrap-token, system")}
        {text("action", "Action", "e.g. mcp_server.publish", "audit-actions")}
        {text("entityType", "Entity type", "mcp_server, user, api_token", "audit-entity-types")}
        {text("entityId", "Entity ID", "e.g. a server name")}
      </div>
      <datalist id="audit-actions">
        {AUDIT_ACTIONS.map((action) => (
          <option key={action} value={action} />
        ))}
      </datalist>
      <datalist id="audit-entity-types">
        {AUDIT_ENTITY_TYPES.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      <div className="flex flex-wrap items-end gap-3">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          {time("since", "Since (UTC)")}
          {time("until", "Until (UTC)")}
        </div>
        <div className="flex flex-wrap gap-1.5 pb-0.5" role="group" aria-label="Quick time ranges">
          {RANGES.map((range) => (
            <Button
              key={range.label}
              size="sm"
              variant="ghost"
              onClick={() => onApply({ ...draft, since: new Date(Date.now() - range.ms).toISOString(), until: "" })}
            >
              {range.label}
            </Button>
          ))}
        </div>
        <div className="ml-auto flex gap-2">
          {hasAuditFilters(filters) && (
            <Button variant="ghost" onClick={() => onApply(auditFiltersFrom({}))}>
              Clear filters
            </Button>
          )}
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
        </div>
      </div>
    </form>
  );
}
