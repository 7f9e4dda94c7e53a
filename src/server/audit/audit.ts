import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
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

export const CATALOG_CHANNEL = "opencrane_catalog";

/**
 * Bumped in the same transaction as any change that can alter a published feed (or the state
 * document). The NOTIFY is delivered on commit, so other replicas rebuild their snapshot only once
 * the change is visible. A transaction bumps once however many writers it runs (a state apply runs
 * many): a second bump in the same transaction answers the same revision.
 */
export async function bumpCatalogRevision(tx: Db): Promise<number> {
  const [row] = await tx
    .insert(catalogState)
    .values({ id: 1, revision: 1, tx: sql`txid_current()` })
    .onConflictDoUpdate({
      target: catalogState.id,
      set: {
        revision: sql`case when ${catalogState.tx} = txid_current() then ${catalogState.revision} else ${catalogState.revision} + 1 end`,
        tx: sql`txid_current()`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ revision: catalogState.revision, tx: catalogState.tx });
  const { revision, tx: txid } = row!;
  await tx.insert(catalogRevisions).values({ revision, tx: txid! }).onConflictDoNothing();
  await tx.execute(sql`select pg_notify(${CATALOG_CHANNEL}, ${String(revision)})`);
  return revision;
}

export async function currentCatalogRevision(db: Db): Promise<number> {
  const [row] = await db.select({ revision: catalogState.revision }).from(catalogState).limit(1);
  return row?.revision ?? 0;
}
