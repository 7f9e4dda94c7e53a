"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import {
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
import { auditActionGroups, auditEntityLabel } from "@/lib/audit-actions";
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
  { label: "Last 30 days", ms: 30 * 24 * HOUR },
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

  const text = (key: "actor" | "entityId", label: string, placeholder: string) => (
    <FilterField id={`audit-${key}`} label={label}>
      <input
        id={`audit-${key}`}
        value={draft[key]}
        onChange={set(key)}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        className={cn(inputClasses, "py-1")}
      />
    </FilterField>
  );

  // Chosen, not typed: every recorded action and entity type by its readable name. A value from a shared link that is not listed stays selectable.
  const actionGroups = auditActionGroups();
  const unlistedAction = draft.action && !actionGroups.some((g) => g.actions.some((a) => a.value === draft.action));
  const unlistedType = draft.entityType && !AUDIT_ENTITY_TYPES.includes(draft.entityType);
  const choose = (key: "action" | "entityType") => (event: React.ChangeEvent<HTMLSelectElement>) => setDraft({ ...draft, [key]: event.target.value });

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
        <FilterField id="audit-action" label="Action">
          <select id="audit-action" value={draft.action} onChange={choose("action")} className={cn(inputClasses, "py-1")}>
            <option value="">Any action</option>
            {unlistedAction && <option value={draft.action}>{draft.action}</option>}
            {actionGroups.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.actions.map((action) => (
                  <option key={action.value} value={action.value}>
                    {action.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </FilterField>
        <FilterField id="audit-entityType" label="Entity type">
          <select id="audit-entityType" value={draft.entityType} onChange={choose("entityType")} className={cn(inputClasses, "py-1")}>
            <option value="">Any entity</option>
            {unlistedType && <option value={draft.entityType}>{draft.entityType}</option>}
            {AUDIT_ENTITY_TYPES.map((type) => (
              <option key={type} value={type}>
                {auditEntityLabel(type)}
              </option>
            ))}
          </select>
        </FilterField>
        {text("entityId", "Entity ID", "e.g. a server name")}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          {time("since", "From (UTC)")}
          {time("until", "To (UTC)")}
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
