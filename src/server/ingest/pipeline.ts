/**
 * One ingestion run: fetch → scan → validate → register → entitle. Register commits in short
 * batches, each journaling what it replaced; entitle commits with the run's result. A run that
 * does not reach that commit is undone from its journal when it is failed, so a crash leaves
 * nothing half-registered once the run is recovered.
 *
 * What happens to each item is decided by pure functions (decideItem, planRegistration,
 * entitlementFor); the catalog and the policy store write their own tables (insertServer,
 * writeServerChange, insertGrant), and this module writes only the source's items and its runs.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import picomatch from "picomatch";
import { bumpCatalogRevision, recordAudit, type ChangeContext } from "../audit/audit";
import { candidateFor } from "../formats/import";
import { sanitizeObotName, type McpServer, type ServerSpec } from "../catalog/model";
import { changedUpstream, fieldsOfDiff, mergeUpstream, type FieldChange, type UpstreamField } from "../catalog/ownership";
import { ENTITY, insertServer, mapUniqueViolationOf, specOf, toServer, writeServerChange } from "../catalog/servers";
import type { Db } from "../db/client";
import { ingestionRunItems, ingestionRuns, mcpServers, sourceItems, thirdPartySources } from "../db/schema";
import { DomainError } from "../errors";
import { isPlainObject } from "../formats/keys";
import { grantRefusal } from "../policy/compile";
import { describeSubject, type Subject } from "../policy/model";
import { insertGrant, type GrantRule } from "../policy/store";
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

/** The catalog as a run sees it, kept current as the run writes: what its per-item decisions read. */
export interface RegisterState {
  serversById: Map<string, McpServer>;
  serversByName: Map<string, McpServer>;
  /** Obot key (the sanitized display name) → the name of the server that holds it. */
  displayKeys: Map<string, string>;
  newServers: McpServer[];
  changed: boolean;
}

export async function loadRegisterState(tx: Db): Promise<RegisterState> {
  const rows = await tx.select().from(mcpServers);
  return registerStateOf(rows.map(toServer), rows.map((r) => r.displayNameKey));
}

/** The state of a catalog holding `servers`; `keys` are their stored Obot keys, when known. */
export function registerStateOf(servers: readonly McpServer[], keys: readonly string[] = servers.map((s) => sanitizeObotName(s.displayName))): RegisterState {
  return {
    serversById: new Map(servers.map((s) => [s.id, s])),
    serversByName: new Map(servers.map((s) => [s.name, s])),
    displayKeys: new Map(servers.map((s, i) => [keys[i]!, s.name])),
    newServers: [],
    changed: false,
  };
}

/**
 * What upstream's document said before this one, when it was a valid document the server was kept
 * in step with (a quarantined or rejected one never was: its changes count as unseen).
 */
export function previousUpstreamSpec(prior: Pick<ItemRow, "document" | "state"> | undefined): ServerSpec | null {
  if (!prior || !REGISTERED_STATES.includes(prior.state)) return null;
  const outcome = candidateFor(prior.document, 0);
  return outcome.ok ? outcome.candidate.spec : null;
}

/** The states of an item whose server the source keeps in step with upstream. */
const REGISTERED_STATES: readonly string[] = ["registered", "pending-update", "removed-upstream"];

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

type Candidate = NonNullable<AnalyzedItem["candidate"]>;

/** A write of the catalog that registering an item makes, through the catalog's own write path. */
export type CatalogWrite =
  | { kind: "create"; name: string; spec: ServerSpec; provenance: Candidate["provenance"]; key: string }
  | { kind: "update"; current: McpServer; spec: ServerSpec; provenance: Candidate["provenance"]; key: string };

/** What registering one valid item comes to: a new draft, upstream's changes to a draft, an update staged for review, or a refusal. */
export type Registration =
  | { outcome: "rejected"; serverId: string | null; error: string; pending?: undefined; write: null }
  | { outcome: "registered"; serverId: null; pending?: undefined; write: Extract<CatalogWrite, { kind: "create" }> }
  | {
      outcome: "updated" | "pending-update" | "unchanged";
      serverId: string;
      pending: Pending | undefined;
      write: Extract<CatalogWrite, { kind: "update" }> | null;
    };

/** Decides how one valid item registers against the catalog as the run sees it. Pure. */
export function planRegistration(candidate: Candidate, prior: ItemRow | undefined, state: RegisterState): Registration {
  const current = prior?.serverId ? state.serversById.get(prior.serverId) : undefined;
  const decision = current
    ? decideUpstream(current, candidate.spec, previousUpstreamSpec(prior), prior?.state === "pending-update" ? fieldsOfDiff(prior.pendingDiff) : [])
    : null;
  const key = sanitizeObotName((decision?.spec ?? candidate.spec).displayName);
  const keyHolder = state.displayKeys.get(key);
  if (keyHolder && keyHolder !== (current?.name ?? candidate.name)) {
    return {
      outcome: "rejected",
      serverId: current?.id ?? null,
      error: `display name '${candidate.spec.displayName}' is taken by server '${keyHolder}'; Obot keys entries by it`,
      write: null,
    };
  }
  if (!current || !decision) {
    if (state.serversByName.has(candidate.name)) {
      return { outcome: "rejected", serverId: null, error: `catalog name '${candidate.name}' is taken by a server this source did not register`, write: null };
    }
    return { outcome: "registered", serverId: null, write: { kind: "create", name: candidate.name, spec: candidate.spec, provenance: candidate.provenance, key } };
  }
  const pending = decision.review.length > 0 ? { spec: candidate.spec, diff: decision.review } : undefined;
  if (!decision.apply) return { outcome: pending ? "pending-update" : "unchanged", serverId: current.id, pending, write: null };
  return {
    outcome: pending ? "pending-update" : "updated",
    serverId: current.id,
    pending,
    write: { kind: "update", current, spec: decision.spec, provenance: candidate.provenance, key },
  };
}

/**
 * Makes a registration's write through the catalog's write path (its invariants, audit and
 * version guard) and keeps the run's view of the catalog current. The server's id.
 */
export async function persistRegistration(tx: Db, ctx: ChangeContext, source: Pick<Source, "id">, registration: Registration, state: RegisterState): Promise<string | null> {
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

/** What a run does with one item. */
export interface ItemDecision {
  outcome: Outcome;
  errors: string[];
  /** The item's server as known before writing; a new draft's id comes from its insert. */
  serverId: string | null;
  pending: Pending | undefined;
  /** An admin's release or rejection that holds for this exact document. */
  reviewDecision: string | null;
  /** Null when the item is not registered (quarantined, rejected, or the document is the one already registered). */
  registration: Registration | null;
}

/**
 * The per-item decision of a run: keep an admin's rejection, quarantine, reject an invalid
 * document, leave an already registered one as it is, or register it (see planRegistration). Pure
 * over the item, what the source recorded for it before, and the catalog as the run sees it.
 */
export function decideItem(item: AnalyzedItem, before: ItemRow | undefined, state: RegisterState): ItemDecision {
  const sameDocument = before?.digest === item.digest;
  // An admin's release or rejection holds for this exact document; a changed one is judged afresh.
  const reviewDecision = sameDocument ? (before?.reviewDecision ?? null) : null;
  const stays = (outcome: Outcome, errors = item.errors): ItemDecision => ({
    outcome,
    errors: [...errors],
    serverId: before?.serverId ?? null,
    pending: undefined,
    reviewDecision,
    registration: null,
  });
  if (reviewDecision === "rejected") return stays("rejected", [...item.errors, ...before!.errors.filter((e) => !item.errors.includes(e))]);
  if (isQuarantined(item.findings) && reviewDecision !== "released") return stays("quarantined");
  if (!item.candidate) return stays("rejected");
  if (sameDocument && REGISTERED_STATES.includes(before!.state) && before!.serverId && state.serversById.has(before!.serverId)) {
    return stays(before!.state === "pending-update" ? "pending-update" : "unchanged");
  }
  const registration = planRegistration(item.candidate, before, state);
  return {
    outcome: registration.outcome,
    errors: registration.outcome === "rejected" ? [...item.errors, registration.error] : [...item.errors],
    serverId: registration.serverId,
    pending: registration.pending,
    reviewDecision,
    registration,
  };
}

/** The source's record of an item after this run. Pure. */
export function sourceItemValues(sourceId: string, item: AnalyzedItem, before: ItemRow | undefined, decision: ItemDecision, serverId: string | null, now: Date) {
  const { outcome, pending, reviewDecision } = decision;
  return {
    sourceId,
    upstreamId: item.upstreamId,
    name: item.name,
    upstreamVersion: item.version ?? null,
    format: item.format,
    digest: item.digest,
    // A JSON null document is rejected like any non-object, but SQL NULL would break the row.
    document: item.doc === null || item.doc === undefined ? sql`'null'::jsonb` : item.doc,
    findings: item.findings,
    errors: decision.errors,
    state: outcome === "unchanged" || outcome === "updated" || outcome === "registered" ? "registered" : outcome,
    serverId,
    pendingSpec: pending?.spec ?? (outcome === "pending-update" ? (before?.pendingSpec ?? null) : null),
    pendingDiff: pending?.diff ?? (outcome === "pending-update" ? (before?.pendingDiff ?? null) : null),
    reviewDecision,
    reviewedBy: reviewDecision ? before!.reviewedBy : null,
    reviewedAt: reviewDecision ? before!.reviewedAt : null,
    lastSeenAt: now,
    updatedAt: now,
  };
}

/** Which count of the run an outcome adds to. */
export function countOf(outcome: Outcome) {
  return outcome === "pending-update" ? "updated" : outcome === "removed-upstream" ? "removedUpstream" : outcome;
}

/** Whether a source's default entitlement applies to a new server: the rule to save, or why it is skipped. Pure. */
export function entitlementFor(
  source: Pick<Source, "name">,
  entitlement: Source["defaultEntitlements"][number],
  server: Pick<McpServer, "name" | "scope" | "ownerTenant">,
): { rule: GrantRule } | { skipped: string } {
  const refusal = grantRefusal(entitlement.subject, server);
  if (refusal) return { skipped: skippedEntitlement(entitlement.subject, refusal) };
  return {
    rule: { subject: entitlement.subject, servers: server.name, access: "allow", note: entitlement.note || `default entitlement of source ${source.name}`, expiresAt: null },
  };
}

const skippedEntitlement = (subject: Subject, reason: string) => `default entitlement for ${describeSubject(subject)} skipped: ${reason}`;

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
    runItems.push({ position: item.position, upstreamId: item.upstreamId, name: item.name, outcome: decision.outcome, findings: item.findings, errors: decision.errors, warnings: item.warnings });
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
  const values = sourceItemValues(source.id, item, before, decision, serverId, now);
  // Journaled unless only its sighting changes (same document, same state, same server).
  if (before && !(before.digest === item.digest && before.state === values.state && before.serverId === serverId)) await register.journalBefore("source_items", before.id);
  const [upserted] = await tx
    .insert(sourceItems)
    .values(values)
    .onConflictDoUpdate({ target: [sourceItems.sourceId, sourceItems.upstreamId], set: values })
    .returning({ id: sourceItems.id });
  if (!before) register.journalCreated("source_items", upserted!.id);
  if (decision.outcome === "pending-update" && decision.pending) {
    await recordAudit(tx, ctx, { action: "source.pending_update", entityType: ENTITY, entityId: item.name ?? item.upstreamId, after: { source: source.name, diff: decision.pending.diff } });
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
