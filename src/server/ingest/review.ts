/** The review queues: quarantined items an admin releases or rejects, and staged updates of servers. */
import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { inList } from "../db/in-list";
import { z } from "zod";
import { bumpCatalogRevision, recordAudit, type ChangeContext } from "../audit/audit";
import { candidateFor } from "../formats/import";
import { serverSpecSchema, toServerSpec, type McpServer, type ServerSpec } from "../catalog/model";
import { fieldsOfDiff, mergeUpstream, UPSTREAM_FIELDS, upstreamFieldOf, type FieldChange, type UpstreamField } from "../catalog/ownership";
import { ENTITY, mapUniqueViolation, mapUniqueViolationOf, specOf, staleVersion, toServer, writeServerChange } from "../catalog/servers";
import { allOrNothing } from "../db/all-or-nothing";
import type { Db } from "../db/client";
import { mcpServers, sourceItems, thirdPartySources } from "../db/schema";
import { DomainError, notFound, validationError } from "../errors";
import type { Outcome } from "./decide";
import type { ReviewPageInput } from "./source-model";
import { loadRegisterState, registerItem } from "./pipeline";
import { toSource } from "./sources";
import { likeContaining, type Page } from "../util/paging";
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
  /**
   * For a pending update: what approving it changes now, field by field, against the server as it
   * is; entries marked `conflict` are fields the admin overrode, kept unless taken from upstream.
   */
  pendingDiff: unknown;
  server: { name: string; status: string; version: number; displayName: string } | null;
  updatedAt: string;
}

type ItemRow = typeof sourceItems.$inferSelect;

/** A staged update, applied to the server as it is now (it may have changed since it was staged). */
function pendingMerge(item: Pick<ItemRow, "pendingSpec" | "pendingDiff">, server: McpServer, takeUpstream: readonly UpstreamField[] = []) {
  const upstream = item.pendingSpec as ServerSpec;
  return mergeUpstream(specOf(server), upstream, server.overrides, fieldsOfDiff(item.pendingDiff), takeUpstream);
}

function liveDiff(item: ItemRow, server: McpServer | null): unknown {
  if (item.state !== "pending-update" || !server || !item.pendingSpec) return item.pendingDiff;
  const merge = pendingMerge(item, server);
  return [...merge.changes, ...merge.conflicts] satisfies FieldChange[];
}

export async function reviewQueue(db: Db, state: "quarantined" | "pending-update", source?: string): Promise<ReviewItem[]> {
  const rows = await db
    .select({ item: sourceItems, source: thirdPartySources.name, server: mcpServers })
    .from(sourceItems)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, sourceItems.sourceId))
    .leftJoin(mcpServers, eq(mcpServers.id, sourceItems.serverId))
    .where(and(eq(sourceItems.state, state), source ? eq(thirdPartySources.name, source) : undefined))
    .orderBy(asc(sourceItems.updatedAt));
  return rows.map((r) => reviewItemOf(r.item, r.source, r.server ? toServer(r.server) : null));
}

/** One review queue a page at a time: `q` in the name or upstream id, one source, sorted by time, name or source. */
export async function pageReviewQueue(db: Db, query: ReviewPageInput): Promise<Page<ReviewItem> & { all: number }> {
  const inState = eq(sourceItems.state, query.state);
  const where: SQL[] = [inState];
  if (query.source) where.push(eq(thirdPartySources.name, query.source));
  if (query.q) where.push(or(ilike(sourceItems.name, likeContaining(query.q)), ilike(sourceItems.upstreamId, likeContaining(query.q)))!);
  const filter = and(...where);
  const direction = query.order === "desc" ? desc : asc;
  const sortColumns = {
    updated: [direction(sourceItems.updatedAt)],
    name: [direction(sql`coalesce(${sourceItems.name}, ${sourceItems.upstreamId})`)],
    source: [direction(thirdPartySources.name), desc(sourceItems.updatedAt)],
  }[query.sort];
  const rows = await db
    .select({ item: sourceItems, source: thirdPartySources.name, server: mcpServers })
    .from(sourceItems)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, sourceItems.sourceId))
    .leftJoin(mcpServers, eq(mcpServers.id, sourceItems.serverId))
    .where(filter)
    .orderBy(...sortColumns, asc(sourceItems.id))
    .limit(query.limit)
    .offset(query.offset);
  const [[total], [all]] = await Promise.all([
    db.select({ n: count() }).from(sourceItems).innerJoin(thirdPartySources, eq(thirdPartySources.id, sourceItems.sourceId)).where(filter),
    db.select({ n: count() }).from(sourceItems).where(inState),
  ]);
  return {
    items: rows.map((r) => reviewItemOf(r.item, r.source, r.server ? toServer(r.server) : null)),
    total: Number(total?.n ?? 0),
    all: Number(all?.n ?? 0),
    offset: query.offset,
    limit: query.limit,
  };
}

function reviewItemOf(item: ItemRow, source: string, server: McpServer | null): ReviewItem {
  return {
    id: item.id,
    source,
    upstreamId: item.upstreamId,
    name: item.name,
    upstreamVersion: item.upstreamVersion,
    state: item.state,
    findings: item.findings,
    errors: item.errors,
    pendingDiff: liveDiff(item, server),
    server: server ? { name: server.name, status: server.status, version: server.version, displayName: server.displayName } : null,
    updatedAt: item.updatedAt.toISOString(),
  };
}

/** Where a server comes from and what upstream has for it: the server page's upstream panel. */
export interface UpstreamState {
  source: { id: string; name: string; kind: string };
  item: ReviewItem;
}

export async function upstreamStateOf(db: Db, server: McpServer): Promise<UpstreamState | null> {
  if (!server.sourceId) return null;
  const [row] = await db
    .select({ item: sourceItems, source: thirdPartySources })
    .from(sourceItems)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, sourceItems.sourceId))
    .where(and(eq(sourceItems.serverId, server.id), eq(sourceItems.sourceId, server.sourceId)))
    .orderBy(desc(sourceItems.updatedAt))
    .limit(1);
  if (!row) return null;
  return { source: { id: row.source.id, name: row.source.name, kind: row.source.kind }, item: reviewItemOf(row.item, row.source.name, server) };
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

/** Releases a quarantined item: validated again, then registered like a run would. The reason for overriding its finding goes into the audit event. */
export async function releaseItem(db: Db, ctx: ChangeContext, id: string, { reason }: ReviewReason = { reason: "" }) {
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
      await recordAudit(tx, ctx, {
        action: "source.release_rejected",
        entityType: "source_item",
        entityId: id,
        after: { upstreamId: item.upstreamId, errors: outcome.errors },
      });
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
      after: { upstreamId: item.upstreamId, source: source.name, outcome: registered.outcome, findings: item.findings, reason },
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

export type ReviewReason = z.output<typeof reviewReasonInput>;

export async function rejectItem(db: Db, ctx: ChangeContext, id: string, { reason }: ReviewReason) {
  return db.transaction(async (tx) => {
    const { item } = await itemFor(tx, id, "quarantined");
    const errors = [`rejected by ${ctx.actor.id}${reason ? `: ${reason}` : ""}`];
    await tx
      .update(sourceItems)
      .set({ state: "rejected", errors, ...decided(ctx, "rejected") })
      .where(eq(sourceItems.id, id));
    await recordAudit(tx, ctx, { action: "source.reject", entityType: "source_item", entityId: id, after: { upstreamId: item.upstreamId, reason } });
    return { outcome: "rejected" as const };
  });
}

/** Releases or rejects several quarantined items at once. */
export const reviewBatchInput = z.object({
  action: z.enum(["release", "reject"], { error: "action must be release or reject" }),
  ids: z
    .array(z.string().min(1, "an item id cannot be empty"), { error: "ids must be a list of item ids" })
    .min(1, "select at least one item")
    .max(200, "at most 200 items at once")
    .refine((ids) => new Set(ids).size === ids.length, "each item may appear only once"),
  /** Recorded with a rejection. */
  reason: z.string().trim().max(500).default(""),
});

/** Each item through its one-item path, in one transaction: if one refuses, none is decided. */
export async function decideItems(db: Db, ctx: ChangeContext, batch: z.output<typeof reviewBatchInput>) {
  const decide = (tx: Db, id: string): Promise<{ outcome: Outcome; server?: string | null }> =>
    batch.action === "release" ? releaseItem(tx, ctx, id) : rejectItem(tx, ctx, id, { reason: batch.reason });
  const ids = batch.ids.filter(isUuid).sort();
  const lockInIdOrder = (tx: Db) =>
    tx
      .select({ id: sourceItems.id })
      .from(sourceItems)
      .where(inList(sourceItems.id, ids, "uuid"))
      .orderBy(asc(sourceItems.id))
      .for("update");
  const outcomes = await allOrNothing(db, batch.ids, "ids", decide, ids.length > 0 ? lockInIdOrder : undefined);
  return { action: batch.action, items: batch.ids.map((id, i) => ({ id, ...outcomes[i]! })) };
}

export const approveUpdateInput = z.object({
  version: z.number({ error: "version is required: send the version of the server you reviewed, so nobody's change is overwritten" }).int().min(1),
  /** Required when the update changes the Obot name (the sanitized display name) of a published server. */
  confirmRename: z.boolean().optional(),
  /** Conflicting fields (overridden by an admin, changed upstream) to take from upstream; the others keep the admin's value. */
  takeUpstream: z
    .array(z.enum(UPSTREAM_FIELDS, { error: `must be one of ${UPSTREAM_FIELDS.join(", ")}` }))
    .max(UPSTREAM_FIELDS.length)
    .default([]),
});
export type ApproveUpdateInput = z.input<typeof approveUpdateInput>;

/**
 * Applies a staged update to its server, whatever its status (an admin reviewed it): an ordinary
 * change of the server, through the same write path as an edit — version check, rename
 * confirmation, the published-server invariant, audit — that also records upstream's version.
 */
export async function approveUpdate(db: Db, ctx: ChangeContext, id: string, input: z.output<typeof approveUpdateInput>) {
  try {
    return await db.transaction(async (tx) => {
      const { item } = await itemFor(tx, id, "pending-update");
      const [server] = item.serverId ? await tx.select().from(mcpServers).where(eq(mcpServers.id, item.serverId)).for("update") : [];
      if (!server || !item.pendingSpec) throw new DomainError("CONFLICT", "the server this update was for no longer exists");
      const current = toServer(server);
      if (input.version !== current.version) throw staleVersion(current, input.version);
      const conflicting = new Set(pendingMerge(item, current).conflicts.map((c) => upstreamFieldOf(c.field)));
      const stray = input.takeUpstream.filter((field) => !conflicting.has(field));
      if (stray.length > 0) {
        throw new DomainError("VALIDATION_FAILED", `takeUpstream names fields that are not in conflict: ${stray.join(", ")}`, {
          fieldErrors: { takeUpstream: [`not in conflict: ${stray.join(", ")}`] },
        });
      }
      const merge = pendingMerge(item, current, input.takeUpstream);
      const parsed = serverSpecSchema.safeParse({ ...merge.spec, endpoint: merge.spec.endpoint ?? undefined });
      if (!parsed.success) throw validationError(parsed.error, `cannot apply the update to server '${current.name}'`);
      const upstream = candidateFor(item.document, 0);
      const provenance = upstream.ok ? upstream.candidate.provenance : current.provenance;
      const updated = await writeServerChange(tx, ctx, current, {
        spec: toServerSpec(parsed.data),
        confirmRename: input.confirmRename,
        provenance,
        overrides: current.overrides.filter((field) => !input.takeUpstream.includes(field as UpstreamField)),
      }).catch(mapUniqueViolationOf(current.name));
      await tx.update(sourceItems).set({ state: "registered", pendingSpec: null, pendingDiff: null, updatedAt: new Date() }).where(eq(sourceItems.id, id));
      return updated;
    });
  } catch (error) {
    mapUniqueViolation(error);
  }
}

export async function rejectUpdate(db: Db, ctx: ChangeContext, id: string, { reason }: ReviewReason) {
  return db.transaction(async (tx) => {
    const { item } = await itemFor(tx, id, "pending-update");
    // The digest stays: the same upstream document will not be staged again, a newer one will.
    await tx.update(sourceItems).set({ state: "registered", pendingSpec: null, pendingDiff: null, updatedAt: new Date() }).where(eq(sourceItems.id, id));
    await recordAudit(tx, ctx, {
      action: "source.reject_update",
      entityType: ENTITY,
      entityId: item.name ?? item.upstreamId,
      after: { diff: item.pendingDiff, reason },
    });
    return { outcome: "rejected" as const };
  });
}
