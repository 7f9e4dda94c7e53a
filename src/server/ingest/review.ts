/** The review queues: quarantined items an admin releases or rejects, and staged updates of servers. */
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { bumpCatalogRevision, recordAudit, type ChangeContext } from "../audit/audit";
import { candidateFor } from "../catalog/import";
import type { ServerSpec } from "../catalog/model";
import { ENTITY, specColumns, toServer } from "../catalog/servers";
import type { Db } from "../db/client";
import { mcpServers, sourceItems, thirdPartySources } from "../db/schema";
import { DomainError, notFound, parseInput } from "../errors";
import { loadRegisterState, registerItem, type Outcome } from "./pipeline";
import { toSource } from "./sources";
import { isUuid } from "../util/uuid";

export interface ReviewItem {
  id: string;
  source: string;
  upstreamId: string;
  name: string | null;
  upstreamVersion: string | null;
  state: string;
  findings: unknown[];
  errors: string[];
  pendingDiff: unknown;
  server: { name: string; status: string } | null;
  updatedAt: string;
}

export async function reviewQueue(db: Db, state: "quarantined" | "pending-update", source?: string): Promise<ReviewItem[]> {
  const rows = await db
    .select({ item: sourceItems, source: thirdPartySources.name, serverName: mcpServers.name, serverStatus: mcpServers.status })
    .from(sourceItems)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, sourceItems.sourceId))
    .leftJoin(mcpServers, eq(mcpServers.id, sourceItems.serverId))
    .where(and(eq(sourceItems.state, state), source ? eq(thirdPartySources.name, source) : undefined))
    .orderBy(asc(sourceItems.updatedAt));
  return rows.map((r) => ({
    id: r.item.id,
    source: r.source,
    upstreamId: r.item.upstreamId,
    name: r.item.name,
    upstreamVersion: r.item.upstreamVersion,
    state: r.item.state,
    findings: r.item.findings,
    errors: r.item.errors,
    pendingDiff: r.item.pendingDiff,
    server: r.serverName ? { name: r.serverName, status: r.serverStatus! } : null,
    updatedAt: r.item.updatedAt.toISOString(),
  }));
}

async function itemFor(tx: Db, id: string, state: string) {
  if (!isUuid(id)) throw notFound("item", id);
  const [row] = await tx
    .select({ item: sourceItems, source: thirdPartySources })
    .from(sourceItems)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, sourceItems.sourceId))
    .where(eq(sourceItems.id, id))
    .limit(1)
    .for("update");
  if (!row) throw notFound("item", id);
  if (row.item.state !== state) throw new DomainError("CONFLICT", `item ${row.item.upstreamId} is ${row.item.state}, not ${state}`);
  return row;
}

/** The columns that make an admin's decision on a quarantined document stand at later runs. */
function decided(ctx: ChangeContext, decision: "released" | "rejected") {
  const now = new Date();
  return { reviewDecision: decision, reviewedBy: ctx.actor.id, reviewedAt: now, updatedAt: now };
}

export const reviewReasonInput = z.object({ reason: z.string().trim().max(500).default("") });

/** Releases a quarantined item: validated again, then registered like a run would. */
export async function releaseItem(db: Db, ctx: ChangeContext, id: string) {
  type Released = { outcome: Outcome; server: string | null } | { invalid: { upstreamId: string; errors: string[] } };
  const result = await db.transaction(async (tx): Promise<Released> => {
    const { item, source } = await itemFor(tx, id, "quarantined");
    const outcome = candidateFor(item.document, 0);
    if (!outcome.ok) {
      // The rejection must commit: the error is answered after the transaction, not thrown inside it.
      await tx
        .update(sourceItems)
        .set({ state: "rejected", errors: outcome.errors, ...decided(ctx, "rejected") })
        .where(eq(sourceItems.id, id));
      await recordAudit(tx, ctx, { action: "source.release_rejected", entityType: "source_item", entityId: id, after: { upstreamId: item.upstreamId, errors: outcome.errors } });
      return { invalid: { upstreamId: item.upstreamId, errors: outcome.errors } };
    }
    const state = await loadRegisterState(tx);
    const candidate = { name: outcome.candidate.name, spec: outcome.candidate.spec, provenance: outcome.candidate.provenance };
    const registered = await registerItem(tx, ctx, toSource(source), { upstreamId: item.upstreamId, candidate }, item, state);
    if (registered.outcome === "rejected") throw new DomainError("CONFLICT", registered.error ?? "cannot register this item");
    await tx
      .update(sourceItems)
      .set({
        state: registered.outcome === "pending-update" ? "pending-update" : "registered",
        serverId: registered.serverId,
        pendingSpec: registered.pending?.spec ?? null,
        pendingDiff: registered.pending?.diff ?? null,
        ...decided(ctx, "released"),
      })
      .where(eq(sourceItems.id, id));
    await recordAudit(tx, ctx, {
      action: "source.release",
      entityType: "source_item",
      entityId: id,
      after: { upstreamId: item.upstreamId, source: source.name, outcome: registered.outcome, findings: item.findings },
    });
    if (state.changed) await bumpCatalogRevision(tx);
    return { outcome: registered.outcome, server: item.name };
  });
  if ("invalid" in result) {
    const { upstreamId, errors } = result.invalid;
    throw new DomainError("VALIDATION_FAILED", `released, but ${upstreamId} is not valid: ${errors.join("; ")}`, { formErrors: errors });
  }
  return result;
}

export async function rejectItem(db: Db, ctx: ChangeContext, id: string, rawInput: unknown) {
  const { reason } = parseInput(reviewReasonInput, rawInput ?? {});
  return db.transaction(async (tx) => {
    const { item } = await itemFor(tx, id, "quarantined");
    const errors = [`rejected by ${ctx.actor.id}${reason ? `: ${reason}` : ""}`];
    await tx.update(sourceItems).set({ state: "rejected", errors, ...decided(ctx, "rejected") }).where(eq(sourceItems.id, id));
    await recordAudit(tx, ctx, { action: "source.reject", entityType: "source_item", entityId: id, after: { upstreamId: item.upstreamId, reason } });
    return { outcome: "rejected" as const };
  });
}

/** Applies a staged update to its server, whatever the server's status (an admin reviewed it). */
export async function approveUpdate(db: Db, ctx: ChangeContext, id: string) {
  return db.transaction(async (tx) => {
    const { item } = await itemFor(tx, id, "pending-update");
    const [server] = item.serverId ? await tx.select().from(mcpServers).where(eq(mcpServers.id, item.serverId)).for("update") : [];
    if (!server || !item.pendingSpec) throw new DomainError("CONFLICT", "the server this update was for no longer exists");
    const spec = item.pendingSpec as ServerSpec;
    const before = toServer(server);
    const [row] = await tx
      .update(mcpServers)
      .set({ ...specColumns(spec), version: server.version + 1, updatedAt: new Date(), updatedBy: ctx.actor.id })
      .where(eq(mcpServers.id, server.id))
      .returning()
      .catch((error: unknown) => {
        throw new DomainError("CONFLICT", `cannot apply the update: ${(error as Error).message}`);
      });
    await tx.update(sourceItems).set({ state: "registered", pendingSpec: null, pendingDiff: null, updatedAt: new Date() }).where(eq(sourceItems.id, id));
    const after = toServer(row!);
    await recordAudit(tx, ctx, { action: "source.approve_update", entityType: ENTITY, entityId: server.name, before, after });
    await bumpCatalogRevision(tx);
    return after;
  });
}

export async function rejectUpdate(db: Db, ctx: ChangeContext, id: string, rawInput: unknown) {
  const { reason } = parseInput(reviewReasonInput, rawInput ?? {});
  return db.transaction(async (tx) => {
    const { item } = await itemFor(tx, id, "pending-update");
    // The digest stays: the same upstream document will not be staged again, a newer one will.
    await tx.update(sourceItems).set({ state: "registered", pendingSpec: null, pendingDiff: null, updatedAt: new Date() }).where(eq(sourceItems.id, id));
    await recordAudit(tx, ctx, { action: "source.reject_update", entityType: ENTITY, entityId: item.name ?? item.upstreamId, after: { diff: item.pendingDiff, reason } });
    return { outcome: "rejected" as const };
  });
}
