import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditEvents, catalogState } from "../db/schema";

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
  });
}

export const CATALOG_CHANNEL = "opencrane_catalog";

/**
 * Bumped in the same transaction as any change that can alter a published feed. The NOTIFY is
 * delivered on commit, so other replicas rebuild their snapshot only once the change is visible.
 */
export async function bumpCatalogRevision(tx: Db): Promise<number> {
  const [row] = await tx
    .insert(catalogState)
    .values({ id: 1, revision: 1 })
    .onConflictDoUpdate({
      target: catalogState.id,
      set: { revision: sql`${catalogState.revision} + 1`, updatedAt: sql`now()` },
    })
    .returning({ revision: catalogState.revision });
  const revision = row!.revision;
  await tx.execute(sql`select pg_notify(${CATALOG_CHANNEL}, ${String(revision)})`);
  return revision;
}

export async function currentCatalogRevision(db: Db): Promise<number> {
  const [row] = await db.select({ revision: catalogState.revision }).from(catalogState).limit(1);
  return row?.revision ?? 0;
}
