/**
 * One ingestion run: fetch → scan → validate → register → entitle. Register commits in short
 * batches, each journaling what it replaced; entitle commits with the run's result. A run that
 * does not reach that commit is undone from its journal when it is failed, so a crash leaves
 * nothing half-registered once the run is recovered.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import picomatch from "picomatch";
import { bumpCatalogRevision, recordAudit, type ChangeContext } from "../audit/audit";
import { candidateFor } from "../formats/import";
import { sanitizeObotName, type McpServer, type ServerSpec } from "../catalog/model";
import { changedUpstream, fieldsOfDiff, mergeUpstream, type FieldChange, type UpstreamField } from "../catalog/ownership";
import { ENTITY, insertServer, specOf, toServer, writeServerChange } from "../catalog/servers";
import type { Db } from "../db/client";
import { grants, ingestionRunItems, ingestionRuns, mcpServers, sourceItems, thirdPartySources } from "../db/schema";
import { isPlainObject } from "../formats/keys";
import { grantableScopes, scopeRefusal } from "../policy/compile";
import { describeSubject } from "../policy/model";
import type { AllowList } from "./fetch";
import { assertStillRunning, dropJournal, RegisterBatches, runItemRow, SLICE_MS, yieldToEventLoop } from "./batches";
import { awaitingApproval, emptyCounts, failRun, lockSourceOfRun, markProgress, startHeartbeat, type Counts, type RunItem } from "./runs";
import { isQuarantined, scanSubject, subjectOf, type Finding } from "./scan";
import { toSource, type Source } from "./sources";
import { digestOf, readGit, readRegistry, readUpload, type UpstreamDocument } from "./upstream";

export interface AnalyzedItem {
  position: number;
  upstreamId: string;
  doc: unknown;
  digest: string;
  version?: string;
  format: "obot-entry" | "server.json" | null;
  name: string | null;
  findings: Finding[];
  errors: string[];
  warnings: string[];
  candidate: { name: string; spec: ServerSpec; provenance: NonNullable<ReturnType<typeof toServer>["provenance"]> } | null;
}

export interface AnalyzeContext {
  sourceName: string;
  include: readonly string[];
  exclude: readonly string[];
  existing: readonly { name: string; publisher: string }[];
  denylist: readonly string[];
}

const matcher = (globs: readonly string[]) => {
  const tests = globs.map((g) => picomatch(g, { nobrace: true, noextglob: true, dot: true }));
  return (value: string) => tests.some((t) => t(value));
};

function publisherOf(doc: unknown, format: AnalyzedItem["format"], sourceName: string): string {
  if (format === "server.json" && isPlainObject(doc) && typeof doc.name === "string" && doc.name.includes("/")) return doc.name.split("/")[0]!;
  return `source:${sourceName}`;
}

/** Scan and validate: pure over the documents and what the catalog already holds. */
export function analyzeDocuments(documents: readonly UpstreamDocument[], context: AnalyzeContext): { items: AnalyzedItem[]; excluded: number } {
  const analysis = analyzing(documents, context);
  for (let step = analysis.next(); ; step = analysis.next()) if (step.done) return step.value;
}

/** The same, letting the event loop in every SLICE_MS: thousands of documents take seconds of CPU. */
export async function analyzeDocumentsYielding(documents: readonly UpstreamDocument[], context: AnalyzeContext) {
  const analysis = analyzing(documents, context);
  let sliceStart = performance.now();
  for (let step = analysis.next(); ; step = analysis.next()) {
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}

function* analyzing(documents: readonly UpstreamDocument[], context: AnalyzeContext): Generator<void, { items: AnalyzedItem[]; excluded: number }> {
  const included = matcher(context.include);
  const excluded = matcher(context.exclude);
  const items: AnalyzedItem[] = [];
  const seen = new Map<string, number>();
  const namesTaken = new Map<string, string>();
  let excludedCount = 0;
  for (const upstream of documents) {
    yield;
    const outcome = candidateFor(upstream.doc, items.length);
    const format = outcome.format;
    const name = outcome.ok ? outcome.candidate.name : outcome.name;
    const names = [upstream.upstreamId, ...(name ? [name] : [])];
    if ((context.include.length > 0 && !names.some(included)) || names.some(excluded)) {
      excludedCount += 1;
      continue;
    }
    const errors = outcome.ok ? [] : [...outcome.errors];
    const earlier = seen.get(upstream.upstreamId);
    if (earlier !== undefined) errors.push(`${upstream.upstreamId} appears twice (first as item ${earlier}); only the first is taken`);
    if (outcome.ok && earlier === undefined) {
      const holder = namesTaken.get(outcome.candidate.name);
      if (holder) errors.push(`catalog name '${outcome.candidate.name}' is already used by ${holder} in this run`);
      else namesTaken.set(outcome.candidate.name, upstream.upstreamId);
    }
    seen.set(upstream.upstreamId, seen.get(upstream.upstreamId) ?? items.length);
    const findings = scanSubject(
      subjectOf(upstream.doc, format === "obot-entry" ? "obot-entry" : "server.json", name ?? upstream.upstreamId, publisherOf(upstream.doc, format, context.sourceName)),
      { existing: context.existing, denylist: context.denylist },
    );
    items.push({
      position: items.length,
      upstreamId: upstream.upstreamId,
      doc: upstream.doc,
      digest: digestOf(upstream.doc),
      version: upstream.version,
      format,
      name,
      findings,
      errors,
      warnings: outcome.ok ? outcome.warnings : [],
      candidate: outcome.ok && errors.length === 0 ? { name: outcome.candidate.name, spec: outcome.candidate.spec, provenance: outcome.candidate.provenance } : null,
    });
  }
  return { items, excluded: excludedCount };
}

export type Outcome = "registered" | "updated" | "pending-update" | "unchanged" | "quarantined" | "rejected" | "removed-upstream";

type ItemRow = typeof sourceItems.$inferSelect;
type ServerRow = typeof mcpServers.$inferSelect;

export interface RegisterState {
  serversById: Map<string, ServerRow>;
  serversByName: Map<string, ServerRow>;
  displayKeys: Map<string, string>;
  newServers: ServerRow[];
  changed: boolean;
}

export async function loadRegisterState(tx: Db): Promise<RegisterState> {
  const rows = await tx.select().from(mcpServers);
  return {
    serversById: new Map(rows.map((r) => [r.id, r])),
    serversByName: new Map(rows.map((r) => [r.name, r])),
    displayKeys: new Map(rows.map((r) => [r.displayNameKey, r.name])),
    newServers: [],
    changed: false,
  };
}

/**
 * What upstream's document said before this one, when it was a valid document the server was kept
 * in step with (a quarantined or rejected one never was: its changes count as unseen).
 */
export function previousUpstreamSpec(prior: Pick<ItemRow, "document" | "state"> | undefined): ServerSpec | null {
  if (!prior || !["registered", "pending-update", "removed-upstream"].includes(prior.state)) return null;
  const outcome = candidateFor(prior.document, 0);
  return outcome.ok ? outcome.candidate.spec : null;
}

export interface UpstreamDecision {
  /** The server's spec with upstream's changes to the fields it owns and the admin did not override. */
  spec: ServerSpec;
  /** What to write now: only a draft takes upstream's changes without review. */
  apply: boolean;
  /** What waits for an admin: every change of a server that is not a draft, and any conflict with an override. */
  review: FieldChange[];
}

/**
 * The per-item decision of what upstream may write (DESIGN §7): only the fields it owns and the
 * admin did not override; a draft takes them at once, any other server after review; a change to
 * an overridden field is a conflict for an admin to resolve. Pure.
 */
export function decideUpstream(
  current: Pick<McpServer, "status" | "overrides"> & ServerSpec,
  upstream: ServerSpec,
  previous: ServerSpec | null,
  /** Fields an update still waiting for review changes: they stay changed until it is decided. */
  staged: readonly UpstreamField[] = [],
): UpstreamDecision {
  const spec = specOf(current as McpServer);
  const changed = [...new Set([...changedUpstream(spec, upstream, previous, current.overrides), ...staged])];
  const merge = mergeUpstream(spec, upstream, current.overrides, changed);
  if (current.status === "draft") return { spec: merge.spec, apply: merge.changes.length > 0, review: merge.conflicts };
  return { spec: merge.spec, apply: false, review: [...merge.changes, ...merge.conflicts] };
}

export interface Pending {
  /** Upstream's spec as the document states it; the review applies it through the ownership rules. */
  spec: ServerSpec;
  diff: FieldChange[];
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
  const candidate = item.candidate!;
  const server = prior?.serverId ? state.serversById.get(prior.serverId) : undefined;
  const current = server ? toServer(server) : null;
  const decision = current
    ? decideUpstream(current, candidate.spec, previousUpstreamSpec(prior), prior?.state === "pending-update" ? fieldsOfDiff(prior.pendingDiff) : [])
    : null;
  const key = sanitizeObotName((decision?.spec ?? candidate.spec).displayName);
  const keyHolder = state.displayKeys.get(key);
  if (keyHolder && keyHolder !== (server?.name ?? candidate.name)) {
    return { outcome: "rejected", serverId: server?.id ?? null, error: `display name '${candidate.spec.displayName}' is taken by server '${keyHolder}'; Obot keys entries by it` };
  }
  if (!server || !current || !decision) {
    const clash = state.serversByName.get(candidate.name);
    if (clash) return { outcome: "rejected", serverId: null, error: `catalog name '${candidate.name}' is taken by a server this source did not register` };
    const created = await insertServer(tx, ctx, candidate.name, candidate.spec, { provenance: candidate.provenance, sourceId: source.id });
    const [row] = await tx.select().from(mcpServers).where(eq(mcpServers.id, created.id));
    state.serversById.set(row!.id, row!);
    state.serversByName.set(row!.name, row!);
    state.displayKeys.set(key, row!.name);
    state.newServers.push(row!);
    state.changed = true;
    await recordAudit(tx, ctx, { action: "mcp_server.import", entityType: ENTITY, entityId: created.name, after: created });
    return { outcome: "registered", serverId: created.id };
  }
  const pending = decision.review.length > 0 ? { spec: candidate.spec, diff: decision.review } : undefined;
  if (!decision.apply) return { outcome: pending ? "pending-update" : "unchanged", serverId: server.id, pending };
  const updated = await writeServerChange(tx, ctx, current, { spec: decision.spec, provenance: candidate.provenance, action: "mcp_server.import" });
  const [row] = await tx.select().from(mcpServers).where(eq(mcpServers.id, updated.id));
  state.serversById.set(row!.id, row!);
  state.displayKeys.delete(server.displayNameKey);
  state.displayKeys.set(key, row!.name);
  state.changed = true;
  return { outcome: pending ? "pending-update" : "updated", serverId: server.id, pending };
}

/** Default entitlements for a newly registered server, where its scope allows them. */
async function entitle(tx: Db, ctx: ChangeContext, source: Source, server: ServerRow): Promise<string[]> {
  const skipped: string[] = [];
  for (const entitlement of source.defaultEntitlements) {
    const refusal = grantableScopes(entitlement.subject.type).includes(server.scope as never) ? null : scopeRefusal(entitlement.subject.type, server.scope as never);
    if (refusal) {
      skipped.push(`default entitlement for ${describeSubject(entitlement.subject)} skipped: ${refusal}`);
      continue;
    }
    const [grant] = await tx
      .insert(grants)
      .values({
        subject: entitlement.subject,
        subjectType: entitlement.subject.type,
        subjectName: entitlement.subject.type === "group" || entitlement.subject.type === "tenant" ? entitlement.subject.name : null,
        servers: server.name,
        access: "allow",
        note: entitlement.note || `default entitlement of source ${source.name}`,
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning();
    await recordAudit(tx, ctx, { action: "grant.create", entityType: "grant", entityId: grant!.id, after: grant });
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
    const counts: Counts = { ...emptyCounts(), fetched: items.length, excluded };
    const runItems: RunResult["items"] = [];
    const register = new RegisterBatches(db, runId, progress, runItems);
    registering = register;
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
      let outcome: Outcome;
      const errors = [...item.errors];
      let serverId: string | null = before?.serverId ?? null;
      let pending: Pending | undefined;
      const sameDocument = before?.digest === item.digest;
      // An admin's release or rejection holds for this exact document; a changed one is judged afresh.
      const decision = sameDocument ? before?.reviewDecision ?? null : null;
      if (decision === "rejected") {
        outcome = "rejected";
        errors.push(...before!.errors.filter((e) => !errors.includes(e)));
      } else if (isQuarantined(item.findings) && decision !== "released") outcome = "quarantined";
      else if (!item.candidate) outcome = "rejected";
      else if (sameDocument && ["registered", "pending-update", "removed-upstream"].includes(before!.state) && before!.serverId && state.serversById.has(before!.serverId)) {
        outcome = before!.state === "pending-update" ? "pending-update" : "unchanged";
      } else {
        if (before?.serverId && state.serversById.has(before.serverId)) await register.journalBefore("mcp_servers", before.serverId);
        const createdBefore = state.newServers.length;
        const registered = await registerItem(tx, ctx, source, item, before, state);
        for (const created of state.newServers.slice(createdBefore)) register.journalCreated("mcp_servers", created.id);
        outcome = registered.outcome;
        serverId = registered.serverId;
        pending = registered.pending;
        if (registered.error) errors.push(registered.error);
        if (outcome === "registered") newlyRegistered.set(item.upstreamId, runItems.length);
      }
      runItems.push({ position: item.position, upstreamId: item.upstreamId, name: item.name, outcome, findings: item.findings, errors, warnings: item.warnings });
      counts[outcome === "pending-update" ? "updated" : outcome === "removed-upstream" ? "removedUpstream" : outcome] += 1;
      if (duplicate) continue;
      const values = {
        sourceId: source.id,
        upstreamId: item.upstreamId,
        name: item.name,
        upstreamVersion: item.version ?? null,
        format: item.format,
        digest: item.digest,
        // A JSON null document is rejected like any non-object, but SQL NULL would break the row.
        document: item.doc === null || item.doc === undefined ? sql`'null'::jsonb` : item.doc,
        findings: item.findings,
        errors,
        state: outcome === "unchanged" || outcome === "updated" ? "registered" : outcome === "registered" ? "registered" : outcome,
        serverId,
        pendingSpec: pending?.spec ?? (outcome === "pending-update" ? before?.pendingSpec ?? null : null),
        pendingDiff: pending?.diff ?? (outcome === "pending-update" ? before?.pendingDiff ?? null : null),
        reviewDecision: decision,
        reviewedBy: decision ? before!.reviewedBy : null,
        reviewedAt: decision ? before!.reviewedAt : null,
        lastSeenAt: now,
        updatedAt: now,
      };
      // Journaled unless only its sighting changes (same document, same state, same server).
      if (before && !(sameDocument && before.state === values.state && before.serverId === serverId)) await register.journalBefore("source_items", before.id);
      const [upserted] = await tx
        .insert(sourceItems)
        .values(values)
        .onConflictDoUpdate({ target: [sourceItems.sourceId, sourceItems.upstreamId], set: values })
        .returning({ id: sourceItems.id });
      if (!before) register.journalCreated("source_items", upserted!.id);
      if (outcome === "pending-update" && pending) {
        await recordAudit(tx, ctx, { action: "source.pending_update", entityType: ENTITY, entityId: item.name ?? item.upstreamId, after: { source: source.name, diff: pending.diff } });
      }
    }
    await register.commit();

    const result = await db.transaction(async (tx) => {
      await assertStillRunning(tx, runId);
      if (source.kind !== "manual-upload") {
        const fetched = new Set(items.map((i) => i.upstreamId));
        const gone = priorRows.filter((r) => !fetched.has(r.upstreamId) && r.state !== "removed-upstream");
        if (gone.length > 0) {
          await tx
            .update(sourceItems)
            .set({ state: "removed-upstream", updatedAt: now })
            .where(inArray(sourceItems.id, gone.map((r) => r.id)));
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
          if (index < register.committedItems) {
            await tx
              .update(ingestionRunItems)
              .set({ errors: runItems[index]!.errors })
              .where(and(eq(ingestionRunItems.runId, runId), eq(ingestionRunItems.position, index)));
          }
        }
      }
      if (state.changed || state.newServers.length > 0) await bumpCatalogRevision(tx);

      const rest = runItems.slice(register.committedItems);
      for (let i = 0; i < rest.length; i += 500) {
        await tx.insert(ingestionRunItems).values(rest.slice(i, i + 500).map((item, j) => runItemRow(runId, item, register.committedItems + i + j)));
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
    return result;
  } catch (error) {
    await registering?.abandon().catch(() => undefined);
    // Ends the run and undoes whatever of it was committed.
    await failRun(db, runId, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    return null;
  } finally {
    stopHeartbeat();
  }
}
