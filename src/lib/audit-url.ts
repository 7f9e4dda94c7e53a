/**
 * The audit log keeps its filters in the query string (shareable, survives a reload), and the
 * export links carry the same filters. Times are shown and typed in UTC, like every time in the
 * console, so the page renders the same on the server and in every browser.
 */
import type { AuditQuery } from "@/server/audit/model";

export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_FILTER_KEYS = ["actor", "action", "entityType", "entityId", "since", "until", "changeSet"] as const;
export type AuditFilterKey = (typeof AUDIT_FILTER_KEYS)[number];
export type AuditFilters = Record<AuditFilterKey, string>;

/** The entity types the audit log's filter offers (labels: src/lib/audit-actions.ts). */
export const AUDIT_ENTITY_TYPES: readonly string[] = [
  "mcp_server",
  "tenant",
  "group",
  "grant",
  "source",
  "source_item",
  "user",
  "api_token",
  "tenant_token",
  "obot_catalog",
  "obot_deployment",
];

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: Params, key: string): string {
  const value = params instanceof URLSearchParams ? params.get(key) : params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

/** "2026-11-23T10:00Z": minutes are enough for a filter, and the URL stays readable. */
export function normalizeTime(value: string): string {
  if (!value) return "";
  const time = Date.parse(value);
  if (Number.isNaN(time)) return "";
  return `${new Date(time).toISOString().slice(0, 16)}Z`;
}

export function auditFiltersFrom(params: Params): AuditFilters {
  return {
    actor: read(params, "actor").slice(0, 320),
    action: read(params, "action").slice(0, 100),
    entityType: read(params, "entityType").slice(0, 100),
    entityId: read(params, "entityId").slice(0, 320),
    since: normalizeTime(read(params, "since")),
    until: normalizeTime(read(params, "until")),
    changeSet: read(params, "changeSet").slice(0, 100),
  };
}

export function hasAuditFilters(filters: AuditFilters): boolean {
  return AUDIT_FILTER_KEYS.some((key) => filters[key] !== "");
}

function searchOf(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  for (const key of AUDIT_FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  return params.toString();
}

export function auditHref(filters: AuditFilters): string {
  const search = searchOf(filters);
  return search ? `/audit?${search}` : "/audit";
}

export function auditExportHref(filters: AuditFilters, format: "jsonl" | "csv"): string {
  return `/api/v1/audit/export?${searchOf(filters, { format })}`;
}

/** The audit.list input for these filters (without the cursor, which the infinite query adds). */
export function auditQueryOf(filters: AuditFilters, limit = AUDIT_PAGE_SIZE): Omit<AuditQuery, "cursor"> {
  const query: Omit<AuditQuery, "cursor"> = { limit };
  for (const key of AUDIT_FILTER_KEYS) if (filters[key]) query[key] = filters[key];
  return query;
}

/** The value of a datetime-local input showing this time in UTC. */
export function utcInputValue(iso: string): string {
  return iso ? normalizeTime(iso).slice(0, 16) : "";
}

/** A datetime-local input's value ("2026-11-23T10:00"), read as UTC. */
export function fromUtcInput(value: string): string {
  return value ? normalizeTime(`${value}Z`) : "";
}

/** What people call an event's entity when its id is not it: a rule's name (rules are audited by id). */
export function entityNameOf(event: { entityType: string; before?: unknown; after?: unknown }): string | null {
  if (event.entityType !== "grant") return null;
  const name = (value: unknown) => (value && typeof value === "object" && "name" in value && typeof value.name === "string" ? value.name : null);
  return name(event.after) ?? name(event.before);
}
