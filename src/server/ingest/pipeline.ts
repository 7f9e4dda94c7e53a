/**
 * One ingestion run: fetch → scan → validate → register → entitle. Register commits in short
 * batches, each journaling what it replaced; entitle commits with the run's result. A run that
 * does not reach that commit is undone from its journal when it is failed, so a crash leaves
 * nothing half-registered once the run is recovered.
 *
 * Scanning and validating (analyze.ts) and what becomes of each item (decide.ts) are pure; this
 * module persists the decisions. The catalog and the policy store write their own tables
 * (insertServer, writeServerChange, insertGrant); this module writes only the source's items and
 * its runs.
 */
import { and, eq, sql } from "drizzle-orm";
import { inList } from "../db/in-list";
import { bumpCatalogRevision, recordAudit, type ChangeContext } from "../audit/audit";
import { sanitizeObotName, type McpServer } from "../catalog/model";
import { ENTITY, insertServer, mapUniqueViolationOf, toServer, writeServerChange } from "../catalog/servers";
import type { Db } from "../db/client";
import { ingestionRunItems, ingestionRuns, mcpServers, sourceItems, thirdPartySources } from "../db/schema";
import { DomainError } from "../errors";
import { isPlainObject } from "../formats/keys";
import { insertGrant } from "../policy/store";
import { analyzeDocumentsYielding, type AnalyzedItem } from "./analyze";
import { assertStillRunning, dropJournal, RegisterBatches, runItemRow } from "./batches";
import {
  countOf,
  decideItem,
  entitlementFor,
  planRegistration,
  registerStateOf,
  skippedEntitlement,
  sourceItemValues,
  type ItemDecision,
  type ItemRow,
  type Outcome,
  type Pending,
  type RegisterState,
  type Registration,
} from "./decide";
import type { AllowList } from "./fetch";
import { awaitingApproval, emptyCounts, failRun, lockSourceOfRun, markProgress, startHeartbeat, type Counts, type RunItem } from "./runs";
import { toSource, type Source } from "./sources";
import { readGit, readRegistry, readUpload, type UpstreamDocument } from "./upstream";

export async function loadRegisterState(tx: Db): Promise<RegisterState> {
  const rows = await tx.select().from(mcpServers);
  return registerStateOf(
    rows.map(toServer),
    rows.map((r) => r.displayNameKey),
  );
}

/**
 * Makes a registration's write through the catalog's write path (its invariants, audit and
 * version guard) and keeps the run's view of the catalog current. The server's id.
 */
export async function persistRegistration(
  tx: Db,
  ctx: ChangeContext,
  source: Pick<Source, "id">,
  registration: Registration,
  state: RegisterState,
): Promise<string | null> {
  const write = registration.write;
  if (!write) return registration.serverId;
  try {
    if (write.kind === "create") {
      const created = await insertServer(tx, ctx, write.name, write.spec, { provenance: write.provenance, sourceId: source.id, action: "mcp_server.import" });
      state.serversById.set(created.id, created);
      state.serversByName.set(created.name, created);
      state.displayKeys.set(write.key, created.name);
      state.newServers.push(created);
      state.changed = true;
      return created.id;
    }
    const updated = await writeServerChange(tx, ctx, write.current, { spec: write.spec, provenance: write.provenance, action: "mcp_server.import" });
    state.serversById.set(updated.id, updated);
    state.serversByName.set(updated.name, updated);
    state.displayKeys.delete(sanitizeObotName(write.current.displayName));
    state.displayKeys.set(write.key, updated.name);
    state.changed = true;
    return updated.id;
  } catch (error) {
    return mapUniqueViolationOf(write.kind === "create" ? write.name : write.current.name)(error);
  }
}

/** Registers one valid item: a new draft, upstream's changes to a draft, or an update staged for review. */
export async function registerItem(
  tx: Db,
  ctx: ChangeContext,
  source: Source,
  item: Pick<AnalyzedItem, "upstreamId" | "candidate">,
  prior: ItemRow | undefined,
  state: RegisterState,
): Promise<{ outcome: Outcome; error?: string; serverId: string | null; pending?: Pending }> {
  const registration = planRegistration(item.candidate!, prior, state);
  const serverId = await persistRegistration(tx, ctx, source, registration, state);
  if (registration.outcome === "rejected") return { outcome: "rejected", serverId, error: registration.error };
  return { outcome: registration.outcome, serverId, pending: registration.pending };
}

/** Default entitlements for a newly registered server, saved by the policy store; those it refuses are skipped, with why. */
async function entitle(tx: Db, ctx: ChangeContext, source: Source, server: McpServer): Promise<string[]> {
  const skipped: string[] = [];
  for (const entitlement of source.defaultEntitlements) {
    const decision = entitlementFor(source, entitlement, server);
    if ("skipped" in decision) {
      skipped.push(decision.skipped);
      continue;
    }
    try {
      await insertGrant(tx, ctx, decision.rule);
    } catch (error) {
      // Its subject (a group, a tenant) was deleted since the source was set up.
      if (!(error instanceof DomainError) || error.code !== "VALIDATION_FAILED") throw error;
      skipped.push(skippedEntitlement(entitlement.subject, error.message));
    }
  }
  return skipped;
}

export interface PipelineDeps {
  allow: AllowList;
  denylist: readonly string[];
  /** Failpoint for crash tests: runs after the register batches, inside the transaction that ends the run. */
  insideRegister?: () => Promise<void>;
}

async function existingPublishers(db: Db, sourceId: string): Promise<{ name: string; publisher: string }[]> {
  const rows = await db
    .select({ name: mcpServers.name, provenance: mcpServers.provenance, sourceId: mcpServers.sourceId, sourceName: thirdPartySources.name })
    .from(mcpServers)
    .leftJoin(thirdPartySources, eq(thirdPartySources.id, mcpServers.sourceId));
  return rows
    .filter((r) => r.sourceId !== sourceId)
    .map((r) => ({
      name: r.name,
      publisher:
        r.provenance?.format.startsWith("server.json") && r.provenance.upstreamName.includes("/")
          ? r.provenance.upstreamName.split("/")[0]!
          : r.sourceName
            ? `source:${r.sourceName}`
            : "manual",
    }));
}

async function fetchDocuments(source: Source, payload: unknown, deps: PipelineDeps, onProgress: (n: number) => void): Promise<UpstreamDocument[]> {
  switch (source.kind) {
    case "mcp-registry":
      return readRegistry(source.url, deps.allow, onProgress);
    case "git":
      return (await readGit(source, deps.allow)).documents;
    case "manual-upload": {
      const documents = isPlainObject(payload) && Array.isArray(payload.documents) ? payload.documents : [];
      return readUpload(documents);
    }
  }
}

export interface RunResult {
  counts: Counts;
  /** As recorded, plus the parser's warnings (not stored). */
  items: (RunItem & { position: number; warnings?: string[] })[];
}

/** Executes a claimed run to the end: succeeded with its items, or failed with the reason. */
export async function executeRun(db: Db, runId: string, deps: PipelineDeps): Promise<RunResult | null> {
  const [run] = await db.select().from(ingestionRuns).where(eq(ingestionRuns.id, runId));
  if (!run) return null;
  const [sourceRowFound] = await db.select().from(thirdPartySources).where(eq(thirdPartySources.id, run.sourceId));
  const source = toSource(sourceRowFound!);
  if (source.status === "pending-approval") {
    // Queued while approved, then moved (a new URL, ref or path) before it ran: nobody approved this location.
    await failRun(db, runId, `source '${source.name}' is waiting for an admin's approval of its new location: the run did not fetch it`);
    return null;
  }
  const ctx: ChangeContext = { actor: { kind: "system", id: `source:${source.name}` }, requestId: `run:${runId}` };
  const progress: Record<string, { done: number; total: number }> = {};
  const stopHeartbeat = startHeartbeat(db, runId);
  let registering: RegisterBatches | null = null;
  try {
    await markProgress(db, runId, "fetch", progress);
    const documents = await fetchDocuments(source, run.payload, deps, (n) => {
      progress.fetch = { done: n, total: n };
    });
    progress.fetch = { done: documents.length, total: documents.length };
    await markProgress(db, runId, "scan", progress);

    const { items, excluded } = await analyzeDocumentsYielding(documents, {
      sourceName: source.name,
      include: source.include,
      exclude: source.exclude,
      existing: await existingPublishers(db, source.id),
      denylist: deps.denylist,
    });
    progress.scan = { done: items.length, total: items.length };
    progress.validate = { done: items.length, total: items.length };
    await markProgress(db, runId, "validate", progress);
    progress.register = { done: 0, total: items.length };
    await markProgress(db, runId, "register", progress);

    // Registration commits in short batches (see batches.ts); the run's own row is the lock that
    // orders them against a janitor, and the undo journal makes a run that does not finish leave
    // nothing behind.
    const runItems: RunResult["items"] = [];
    const register = new RegisterBatches(db, runId, progress, runItems);
    registering = register;
    const registered = await registerItems(db, ctx, source, items, excluded, register, runItems);
    await register.commit();
    return await finishRun(db, ctx, runId, source, items, registered, register.committedItems, deps);
  } catch (error) {
    await registering?.abandon().catch(() => undefined);
    // Ends the run and undoes whatever of it was committed.
    await failRun(db, runId, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    return null;
  } finally {
    stopHeartbeat();
  }
}

interface Registered extends RunResult {
  priorRows: ItemRow[];
  state: RegisterState;
  /** Upstream id → index in `items` of the items this run registered as new drafts. */
  newlyRegistered: Map<string, number>;
  now: Date;
}

/** The register stage: each item decided, then written in the current batch with its undo journal. */
async function registerItems(
  db: Db,
  ctx: ChangeContext,
  source: Source,
  items: readonly AnalyzedItem[],
  excluded: number,
  register: RegisterBatches,
  /** Shared with `register`, which records them with each batch. */
  runItems: RunResult["items"],
): Promise<Registered> {
  const counts: Counts = { ...emptyCounts(), fetched: items.length, excluded };
  const priorRows = await db.select().from(sourceItems).where(eq(sourceItems.sourceId, source.id));
  const prior = new Map(priorRows.map((r) => [r.upstreamId, r]));
  const state = await loadRegisterState(db);
  const now = new Date();
  const newlyRegistered = new Map<string, number>();
  const taken = new Set<string>();
  for (const item of items) {
    const tx = await register.next();
    const before = prior.get(item.upstreamId);
    const duplicate = taken.has(item.upstreamId);
    taken.add(item.upstreamId);
    const decision = decideItem(item, before, state);
    await persistItem(tx, ctx, source, item, before, decision, duplicate, state, register, now);
    if (decision.outcome === "registered") newlyRegistered.set(item.upstreamId, runItems.length);
    runItems.push({
      position: item.position,
      upstreamId: item.upstreamId,
      name: item.name,
      outcome: decision.outcome,
      findings: item.findings,
      errors: decision.errors,
      warnings: item.warnings,
    });
    counts[countOf(decision.outcome)] += 1;
  }
  return { counts, items: runItems, priorRows, state, newlyRegistered, now };
}

/** One item's writes: its registration in the catalog, then the source's record of it, each journaled first. */
async function persistItem(
  tx: Db,
  ctx: ChangeContext,
  source: Source,
  item: AnalyzedItem,
  before: ItemRow | undefined,
  decision: ItemDecision,
  duplicate: boolean,
  state: RegisterState,
  register: RegisterBatches,
  now: Date,
): Promise<void> {
  let serverId = decision.serverId;
  if (decision.registration) {
    if (before?.serverId && state.serversById.has(before.serverId)) await register.journalBefore("mcp_servers", before.serverId);
    serverId = await persistRegistration(tx, ctx, source, decision.registration, state);
    if (decision.registration.write?.kind === "create") register.journalCreated("mcp_servers", serverId!);
  }
  if (duplicate) return;
  const values = {
    ...sourceItemValues(source.id, item, before, decision, serverId, now),
    // A JSON null document is rejected like any non-object, but SQL NULL would break the row.
    document: item.doc === null || item.doc === undefined ? sql`'null'::jsonb` : item.doc,
  };
  // Journaled unless only its sighting changes (same document, same state, same server).
  if (before && !(before.digest === item.digest && before.state === values.state && before.serverId === serverId))
    await register.journalBefore("source_items", before.id);
  const [upserted] = await tx
    .insert(sourceItems)
    .values(values)
    .onConflictDoUpdate({ target: [sourceItems.sourceId, sourceItems.upstreamId], set: values })
    .returning({ id: sourceItems.id });
  if (!before) register.journalCreated("source_items", upserted!.id);
  if (decision.outcome === "pending-update" && decision.pending) {
    await recordAudit(tx, ctx, {
      action: "source.pending_update",
      entityType: ENTITY,
      entityId: item.name ?? item.upstreamId,
      after: { source: source.name, diff: decision.pending.diff },
    });
  }
}

/**
 * Entitle and finish, in one transaction with the run's end: items upstream no longer lists, the
 * new servers' default entitlements, the run items not yet recorded, the run's result.
 */
async function finishRun(
  db: Db,
  ctx: ChangeContext,
  runId: string,
  source: Source,
  items: readonly AnalyzedItem[],
  { counts, items: runItems, priorRows, state, newlyRegistered, now }: Registered,
  committedItems: number,
  deps: PipelineDeps,
): Promise<RunResult> {
  return db.transaction(async (tx) => {
    await assertStillRunning(tx, runId);
    if (source.kind !== "manual-upload") {
      const fetched = new Set(items.map((i) => i.upstreamId));
      const gone = priorRows.filter((r) => !fetched.has(r.upstreamId) && r.state !== "removed-upstream");
      if (gone.length > 0) {
        await tx
          .update(sourceItems)
          .set({ state: "removed-upstream", updatedAt: now })
          .where(
            inList(
              sourceItems.id,
              gone.map((r) => r.id),
              "uuid",
            ),
          );
        for (const r of gone) {
          runItems.push({ position: runItems.length, upstreamId: r.upstreamId, name: r.name, outcome: "removed-upstream", findings: [], errors: [] });
          counts.removedUpstream += 1;
        }
      }
    }
    await deps.insideRegister?.();

    // The source's row before the run's (the lock order of queueRun): the run leaves the
    // one-active index below, and a sync queued meanwhile must not wait on it while holding the source.
    await lockSourceOfRun(tx, runId);
    await tx.update(ingestionRuns).set({ stage: "entitle" }).where(eq(ingestionRuns.id, runId));
    for (const server of state.newServers) {
      const skipped = await entitle(tx, ctx, source, server);
      const index = [...newlyRegistered.entries()].find(([, i]) => runItems[i]?.name === server.name)?.[1];
      if (skipped.length > 0 && index !== undefined) {
        runItems[index]!.errors.push(...skipped);
        if (index < committedItems) {
          await tx
            .update(ingestionRunItems)
            .set({ errors: runItems[index]!.errors })
            .where(and(eq(ingestionRunItems.runId, runId), eq(ingestionRunItems.position, index)));
        }
      }
    }
    if (state.changed || state.newServers.length > 0) await bumpCatalogRevision(tx);

    const rest = runItems.slice(committedItems);
    for (let i = 0; i < rest.length; i += 500) {
      await tx.insert(ingestionRunItems).values(rest.slice(i, i + 500).map((item, j) => runItemRow(runId, item, committedItems + i + j)));
    }
    await dropJournal(tx, runId);
    const done = Object.fromEntries(["fetch", "scan", "validate", "register", "entitle"].map((s) => [s, { done: items.length, total: items.length }]));
    await tx
      .update(ingestionRuns)
      .set({ status: "succeeded", stage: "done", counts, progress: done, finishedAt: sql`now()` })
      .where(eq(ingestionRuns.id, runId));
    await tx
      .update(thirdPartySources)
      .set({ status: sql`case when ${awaitingApproval} then ${thirdPartySources.status} else 'healthy' end`, lastError: null, lastSyncedAt: sql`now()` })
      .where(eq(thirdPartySources.id, source.id));
    await recordAudit(tx, ctx, { action: "source.sync_done", entityType: "source", entityId: source.name, after: { runId, counts } });
    return { counts, items: runItems };
  });
}
