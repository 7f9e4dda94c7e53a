/** Reading the audit log: filters, keyset pages (newest first) and exports. */
import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import { DomainError } from "../errors";
import { auditQuery, type AuditQuery } from "./model";

export { auditQuery, type AuditQuery };

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  actorKind: string;
  actorVia: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  sourceIp: string | null;
  /** The state apply this event is part of, if any. */
  changeSet: string | null;
}

type Row = typeof auditEvents.$inferSelect;

function toEvent(row: Row): AuditEvent {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    actorKind: row.actorKind,
    actorVia: row.actorVia,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: row.requestId,
    sourceIp: row.sourceIp,
    changeSet: row.changeSet,
  };
}

function conditions(query: z.output<typeof auditQuery>): SQL[] {
  const where: SQL[] = [];
  if (query.actor) where.push(eq(auditEvents.actor, query.actor));
  if (query.action) where.push(eq(auditEvents.action, query.action));
  if (query.entityType) where.push(eq(auditEvents.entityType, query.entityType));
  if (query.entityId) where.push(eq(auditEvents.entityId, query.entityId));
  if (query.changeSet) where.push(eq(auditEvents.changeSet, query.changeSet));
  if (query.since) where.push(gte(auditEvents.at, query.since));
  if (query.until) where.push(lte(auditEvents.at, query.until));
  if (query.since && query.until && query.since > query.until) {
    throw new DomainError("VALIDATION_FAILED", "since must be before until", { fieldErrors: { since: ["must be before until"] } });
  }
  return where;
}

export type AuditFilter = z.output<typeof auditQuery>;

export async function listAuditEvents(db: Db, query: AuditFilter): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  const where = conditions(query);
  if (query.cursor) where.push(lt(auditEvents.id, Number(query.cursor)));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(query.limit + 1);
  const events = rows.slice(0, query.limit).map(toEvent);
  return { events, nextCursor: rows.length > query.limit ? String(events.at(-1)!.id) : null };
}

/** Every matching event, newest first, in pages, for exports of any size. */
export async function* allAuditEvents(db: Db, filter: Omit<AuditFilter, "cursor" | "limit">): AsyncGenerator<AuditEvent> {
  let cursor: string | undefined;
  do {
    const page = await listAuditEvents(db, { ...filter, cursor, limit: 500 });
    yield* page.events;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

const CSV_COLUMNS = ["id", "at", "actor", "actorKind", "actorVia", "action", "entityType", "entityId", "requestId", "sourceIp", "before", "after"] as const;

/**
 * A spreadsheet evaluates a cell that starts with = + - @ (or a tab or CR before one) as a formula:
 * an anonymous failed sign-in with the e-mail `=HYPERLINK(…)` would run in the admin's spreadsheet.
 * Such cells are prefixed with a single quote, which spreadsheets show as text (OWASP CSV injection);
 * the full-width forms are included because some spreadsheets normalize them to the ASCII ones.
 */
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

export function csvField(value: unknown): string {
  const raw = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function auditCsvLine(event: AuditEvent): string {
  return `${CSV_COLUMNS.map((c) => csvField(event[c])).join(",")}\r\n`;
}

export function auditJsonLine(event: AuditEvent): string {
  return `${JSON.stringify(event)}\n`;
}
