import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import { together } from "../db/together";
import { auditEvents, catalogRevisions, catalogState } from "../db/schema";

export type ActorKind = "user" | "token" | "bootstrap-token" | "system" | "anonymous";

export interface Actor {
  kind: ActorKind;
  /** Stable identifier recorded in the audit log and in created/updated-by columns. */
  id: string;
  /** How a non-browser actor authenticated, e.g. "token ci-deploy". */
  via?: string;
}

/** Who is making a change and from where; every domain mutation takes one. */
export interface ChangeContext {
  actor: Actor;
  requestId?: string;
  sourceIp?: string;
  /** Set for every change of one state apply: its audit events share it. */
  changeSet?: string;
}

export const SYSTEM: ChangeContext = { actor: { kind: "system", id: "system" } };

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** Written inside the caller's transaction, so the change and its record commit together. */
export async function recordAudit(tx: Db, ctx: ChangeContext, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    actor: ctx.actor.id,
    actorKind: ctx.actor.kind,
    actorVia: ctx.actor.via ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    requestId: ctx.requestId ?? null,
    sourceIp: ctx.sourceIp ?? null,
    changeSet: ctx.changeSet ?? null,
  });
}

/**
 * A change's audit entry and the catalog revision's bump, as most writes end. The two statements
 * go out together and come back in one round trip (the driver pipelines statements on the
 * transaction's connection) instead of one after the other: a write is a handful of round trips,
 * and each costs the event loop a wake-up and the socket a system call on both ends (db/together.ts).
 */
export async function recordChange(tx: Db, ctx: ChangeContext, entry: AuditEntry): Promise<number> {
  const [, revision] = await together([recordAudit(tx, ctx, entry), bumpCatalogRevision(tx)]);
  return revision;
}

export const CATALOG_CHANNEL = "opencrane_catalog";

/**
 * Bumped in the same transaction as any change that can alter a published feed (or the state
 * document). The NOTIFY is delivered on commit, so other replicas rebuild their snapshot only once
 * the change is visible. A transaction bumps once however many writers it runs (a state apply runs
 * many): a second bump in the same transaction answers the same revision.
 */
export async function bumpCatalogRevision(tx: Db): Promise<number> {
  // One statement, one round trip: every write runs it, and the database is a network hop away.
  const [row] = rowsOf<{ revision: string }>(
    await tx.execute(sql`
      with bumped as (
        insert into ${catalogState} (id, revision, tx) values (1, 1, txid_current())
        on conflict (id) do update set
          revision = case when ${catalogState}.tx = txid_current() then ${catalogState}.revision else ${catalogState}.revision + 1 end,
          tx = txid_current(),
          updated_at = now()
        returning revision, tx
      ), recorded as (
        insert into ${catalogRevisions} (revision, tx) select revision, tx from bumped on conflict do nothing
      )
      select revision::text as revision, pg_notify(${CATALOG_CHANNEL}, revision::text) from bumped`),
  );
  return Number(row!.revision);
}

export async function currentCatalogRevision(db: Db): Promise<number> {
  const [row] = await db.select({ revision: catalogState.revision }).from(catalogState).limit(1);
  return row?.revision ?? 0;
}
