/**
 * Durable ingestion runs: queued in the database, claimed with FOR UPDATE SKIP LOCKED by any
 * process, kept alive by heartbeats, and failed — what they registered undone — by the janitor
 * when their process dies. A partial unique index allows one queued-or-running run per source,
 * across every replica.
 */
import { and, asc, count, desc, eq, ilike, inArray, isNotNull, lte, or, sql, type SQL } from "drizzle-orm";
import { bumpCatalogRevision, recordAudit, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { ingestionRunItems, ingestionRunUndo, ingestionRuns, thirdPartySources } from "../db/schema";
import { constraintOf, DomainError, notFound, sqlState } from "../errors";
import type { RunPageInput } from "./source-model";
import { sourceRow } from "./sources";
import { likeContaining, type Page } from "../util/paging";
import { isUuid } from "../util/uuid";
import { rowsOf } from "../db/rows";

export type RunTrigger = "manual" | "scheduled" | "upload";
export const STAGES = ["fetch", "scan", "validate", "register", "entitle"] as const;
export type Stage = (typeof STAGES)[number];

export const COUNT_KEYS = ["fetched", "registered", "updated", "unchanged", "quarantined", "rejected", "removedUpstream"] as const;
export type Counts = Record<(typeof COUNT_KEYS)[number], number> & { excluded?: number };

export interface RunItem {
  upstreamId: string;
  name: string | null;
  outcome: string;
  findings: unknown[];
  errors: string[];
}

export interface Run {
  id: string;
  source: string;
  trigger: RunTrigger;
  status: "queued" | "running" | "succeeded" | "failed";
  stage: string;
  progress: Record<string, { done: number; total: number }>;
  counts: Counts;
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  createdBy: string;
}

type Row = typeof ingestionRuns.$inferSelect;

export const emptyCounts = (): Counts => ({ fetched: 0, registered: 0, updated: 0, unchanged: 0, quarantined: 0, rejected: 0, removedUpstream: 0 });

function toRun(row: Row, source: string): Run {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id,
    source,
    trigger: row.trigger as RunTrigger,
    status: row.status as Run["status"],
    stage: row.stage,
    progress: row.progress,
    counts: { ...emptyCounts(), ...row.counts },
    error: row.error,
    queuedAt: row.queuedAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    createdBy: row.createdBy,
  };
}

/** How often a running run says it is alive. */
export const HEARTBEAT_MS = 2000;
/** A running run silent for this long belongs to a dead process: three missed heartbeats. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

function alreadyActive(source: string) {
  return new DomainError("CONFLICT", `a run of source '${source}' is already queued or running: wait for it to finish`);
}

function beingRecovered(source: string, runId: string) {
  return new DomainError(
    "CONFLICT",
    `the previous run of source '${source}' (${runId}) stopped with its process and is being recovered (what it registered is undone): try again in a few seconds`,
  );
}

/**
 * A source moved since its approval (pending-approval) keeps that status whatever its runs do:
 * a run that ends must not make it look approved again.
 */
export const awaitingApproval = sql`${thirdPartySources.status} = 'pending-approval'`;
export const awaitingNoApproval = sql`${thirdPartySources.status} <> 'pending-approval'`;

/**
 * Queues a run. The database refuses a second active run of the same source. With `claimFor`,
 * the run starts out running for that worker (an import run inline): no worker polling for
 * queued runs can take it in between.
 *
 * Lock order, to never deadlock with a run ending at the same moment: the source's row first,
 * then its runs. A transaction that ends a run (leaving the one-active index) locks the source
 * row before it changes the run (see lockSourceOfRun).
 */
export async function queueRun(
  db: Db,
  ctx: ChangeContext,
  sourceName: string,
  trigger: RunTrigger,
  payload?: unknown,
  options: { claimFor?: string; recover?: boolean } = {},
): Promise<Run> {
  const { recover = true } = options;
  try {
    return await db.transaction(async (tx) => {
      const source = await sourceRow(tx, sourceName, true);
      if (source.status === "pending-approval") {
        throw new DomainError("CONFLICT", `source '${sourceName}' is waiting for an admin's approval: it cannot sync yet`);
      }
      if (trigger === "upload" && source.kind !== "manual-upload") throw new DomainError("CONFLICT", `source '${sourceName}' is not an upload source`);
      if (trigger !== "upload" && source.kind === "manual-upload")
        throw new DomainError("CONFLICT", `source '${sourceName}' takes uploads; it has nothing to sync`);
      const [row] = await tx
        .insert(ingestionRuns)
        .values({
          sourceId: source.id,
          trigger,
          createdBy: ctx.actor.id,
          payload: payload ?? null,
          counts: emptyCounts(),
          ...(options.claimFor ? { status: "running", stage: "fetch", worker: options.claimFor, startedAt: sql`now()`, heartbeatAt: sql`now()` } : {}),
        })
        .returning();
      const run = toRun(row!, sourceName);
      await recordAudit(tx, ctx, { action: "source.sync", entityType: "source", entityId: sourceName, after: { runId: run.id, trigger } });
      return run;
    });
  } catch (error) {
    if (!(sqlState(error) === "23505" && (constraintOf(error) ?? "").includes("one_active"))) throw error;
    // The active run may belong to a process that died: recover it now rather than refusing
    // until the janitor comes by, then queue this one.
    if (recover && (await recoverAbandonedRunOf(db, sourceName))) return queueRun(db, ctx, sourceName, trigger, payload, { ...options, recover: false });
    const abandoned = await abandonedRunOf(db, sourceName);
    throw abandoned ? beingRecovered(sourceName, abandoned) : alreadyActive(sourceName);
  }
}

/** The source's running run whose heartbeat stopped, if any. */
async function abandonedRunOf(db: Db, sourceName: string, staleMs = STALE_AFTER_MS): Promise<string | null> {
  const [row] = await db
    .select({ id: ingestionRuns.id })
    .from(ingestionRuns)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, ingestionRuns.sourceId))
    .where(and(eq(thirdPartySources.name, sourceName), eq(ingestionRuns.status, "running"), staleHeartbeat(staleMs)))
    .limit(1);
  return row?.id ?? null;
}

/** Fails (and undoes) the source's abandoned run; true when there was one and it is now ended. */
async function recoverAbandonedRunOf(db: Db, sourceName: string): Promise<boolean> {
  const runId = await abandonedRunOf(db, sourceName);
  if (!runId) return false;
  try {
    await failRun(db, runId, "", { onlyIfStale: STALE_AFTER_MS });
  } catch {
    return false;
  }
  const [row] = await db.select({ status: ingestionRuns.status }).from(ingestionRuns).where(eq(ingestionRuns.id, runId));
  return row?.status === "failed";
}

/** Takes the oldest queued run no other process has taken, and marks it running for this worker. */
export async function claimRun(db: Db, worker: string): Promise<Row | null> {
  const [row] = await db
    .update(ingestionRuns)
    .set({ status: "running", stage: "fetch", worker, startedAt: sql`now()`, heartbeatAt: sql`now()` })
    .where(
      eq(
        ingestionRuns.id,
        sql`(select ${ingestionRuns.id} from ${ingestionRuns} where ${ingestionRuns.status} = 'queued' order by ${ingestionRuns.queuedAt} limit 1 for update skip locked)`,
      ),
    )
    .returning();
  if (row)
    await db
      .update(thirdPartySources)
      .set({ status: "syncing" })
      .where(and(eq(thirdPartySources.id, row.sourceId), awaitingNoApproval));
  return row ?? null;
}

/** Marks one specific queued run running for this worker (an upload that is run inline). */
export async function claimRunById(db: Db, runId: string, worker: string): Promise<boolean> {
  const claimed = await db
    .update(ingestionRuns)
    .set({ status: "running", stage: "fetch", worker, startedAt: sql`now()`, heartbeatAt: sql`now()` })
    .where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.status, "queued")))
    .returning({ id: ingestionRuns.id });
  return claimed.length === 1;
}

export async function heartbeat(db: Db, runId: string): Promise<void> {
  await db
    .update(ingestionRuns)
    .set({ heartbeatAt: sql`now()` })
    .where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.status, "running")));
}

/**
 * Beats every `intervalMs` until stopped. At most one heartbeat is ever pending: one that waits
 * (on a register batch holding the run's row, or a slow database) makes the next ones skip
 * instead of queueing up and taking every connection of the pool.
 */
export function startHeartbeat(db: Db, runId: string, intervalMs = HEARTBEAT_MS): () => void {
  let pending = false;
  const timer = setInterval(() => {
    if (pending) return;
    pending = true;
    heartbeat(db, runId)
      .catch(() => undefined)
      .finally(() => {
        pending = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export async function markProgress(db: Db, runId: string, stage: string, progress: Run["progress"]): Promise<void> {
  await db
    .update(ingestionRuns)
    .set({ stage, progress, heartbeatAt: sql`now()` })
    .where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.status, "running")));
}

/** Locks the row of the run's source (see queueRun for the lock order). */
export async function lockSourceOfRun(tx: Db, runId: string): Promise<void> {
  await tx
    .select({ id: thirdPartySources.id })
    .from(thirdPartySources)
    .where(eq(thirdPartySources.id, sql`(select ${ingestionRuns.sourceId} from ${ingestionRuns} where ${ingestionRuns.id} = ${runId})`))
    .for("update");
}

const staleHeartbeat = (staleMs: number) =>
  or(sql`${ingestionRuns.heartbeatAt} <= now() - make_interval(secs => ${staleMs / 1000})`, sql`${ingestionRuns.heartbeatAt} is null`);

const interruptedMessage = (heartbeatAt: Date | null) =>
  `interrupted: the process running it stopped (last heartbeat ${heartbeatAt?.toISOString() ?? "never"}); what it registered was undone`;

/**
 * Ends a queued or running run as failed and undoes what its committed register batches did.
 * Takes the run's row first: a batch in flight holds it, so this waits for that batch and then
 * undoes it too, and the run's next batch finds the run ended and commits nothing.
 * `onlyIfStale`: only when its heartbeat is (still) that old, and then the message says it was
 * interrupted — a recovery that lost a race with a live worker's heartbeat leaves the run alone.
 */
export async function failRun(db: Db, runId: string, message: string, options: { onlyIfStale?: number } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    // A process that is frozen rather than dead still holds the row: give up instead of waiting with it.
    await tx.execute(sql`set local lock_timeout = '2s'`);
    await lockSourceOfRun(tx, runId);
    const [locked] = await tx
      .select({ id: ingestionRuns.id, heartbeatAt: ingestionRuns.heartbeatAt })
      .from(ingestionRuns)
      .where(
        and(
          eq(ingestionRuns.id, runId),
          inArray(ingestionRuns.status, ["queued", "running"]),
          options.onlyIfStale === undefined ? undefined : staleHeartbeat(options.onlyIfStale),
        ),
      )
      .for("update");
    if (!locked) return;
    const undone = await undoRun(tx, runId);
    const error = options.onlyIfStale === undefined ? message : interruptedMessage(locked.heartbeatAt);
    const [row] = await tx
      .update(ingestionRuns)
      .set({ status: "failed", error, finishedAt: sql`now()` })
      .where(eq(ingestionRuns.id, runId))
      .returning();
    await tx
      .update(thirdPartySources)
      .set({ status: sql`case when ${awaitingApproval} then ${thirdPartySources.status} else 'error' end`, lastError: error })
      .where(eq(thirdPartySources.id, row!.sourceId));
    const [source] = await tx.select({ name: thirdPartySources.name }).from(thirdPartySources).where(eq(thirdPartySources.id, row!.sourceId));
    await recordAudit(
      tx,
      { actor: { kind: "system", id: "ingestion" } },
      {
        action: "source.sync_failed",
        entityType: "source",
        entityId: source?.name ?? row!.sourceId,
        after: { runId, error, ...(undone.rows > 0 ? { undone } : {}) },
      },
    );
  });
}

/** The columns of a table as the database has them (not generated ones), for restoring a row image. */
async function restorableColumns(tx: Db, table: string): Promise<string[]> {
  const rows = rowsOf<{ column_name: string }>(
    await tx.execute(
      sql`select column_name from information_schema.columns where table_schema = current_schema() and table_name = ${table} and is_generated = 'NEVER' and column_name <> 'id' order by ordinal_position`,
    ),
  );
  return rows.map((r) => r.column_name);
}

/** Puts back the row images of the run's journal for `table`; servers only where no one edited them since. */
async function restoreRows(tx: Db, runId: string, table: "mcp_servers" | "source_items"): Promise<number> {
  const columns = await restorableColumns(tx, table);
  const target = sql.identifier(table);
  const list = sql.join(
    columns.map((c) => sql.identifier(c)),
    sql`, `,
  );
  const image = sql.join(
    columns.map((c) => sql`r.${sql.identifier(c)}`),
    sql`, `,
  );
  const unedited = table === "mcp_servers" ? sql`and t.version = u.after_version` : sql``;
  const restored = await tx.execute(sql`
    update ${target} t set (${list}) = (select ${image} from jsonb_populate_record(null::${target}, u.before) r)
    from ingestion_run_undo u
    where u.run_id = ${runId} and u.table_name = ${table} and u.before is not null and t.id = u.row_id ${unedited}
    returning t.id`);
  const created = await tx.execute(sql`
    delete from ${target} t using ingestion_run_undo u
    where u.run_id = ${runId} and u.table_name = ${table} and u.before is null and t.id = u.row_id ${unedited}
    returning t.id`);
  return rowsOf(restored).length + rowsOf(created).length;
}

/** Undoes a run's committed register batches from its journal: what it put back, and the servers admins edited since (kept). */
async function undoRun(tx: Db, runId: string): Promise<{ rows: number; sourceItems: number; servers: number; keptEditedServers: number }> {
  const journal = await tx
    .select({ table: ingestionRunUndo.tableName, n: sql<number>`count(*)::int` })
    .from(ingestionRunUndo)
    .where(eq(ingestionRunUndo.runId, runId))
    .groupBy(ingestionRunUndo.tableName);
  const journaled = (table: string) => Number(journal.find((j) => j.table === table)?.n ?? 0);
  await tx.delete(ingestionRunItems).where(eq(ingestionRunItems.runId, runId));
  const rows = journaled("mcp_servers") + journaled("source_items");
  if (rows === 0) return { rows: 0, sourceItems: 0, servers: 0, keptEditedServers: 0 };
  // Source items first: they point at the servers.
  const items = await restoreRows(tx, runId, "source_items");
  const servers = await restoreRows(tx, runId, "mcp_servers");
  await tx.delete(ingestionRunUndo).where(eq(ingestionRunUndo.runId, runId));
  if (servers > 0) await bumpCatalogRevision(tx);
  return { rows, sourceItems: items, servers, keptEditedServers: journaled("mcp_servers") - servers };
}

/**
 * Fails runs whose process stopped: `running` with a heartbeat older than `staleMs` (by default
 * three missed heartbeats). With the embedded database only this process can run anything, so at
 * start every running run is stale.
 */
export async function failAbandonedRuns(db: Db, staleMs: number = STALE_AFTER_MS): Promise<string[]> {
  // Heartbeats are stamped with the database's clock, so staleness is judged by it too: an app
  // server whose clock drifts must not declare a live run dead.
  const stale = await db
    .select({ id: ingestionRuns.id })
    .from(ingestionRuns)
    .where(and(eq(ingestionRuns.status, "running"), staleHeartbeat(staleMs)));
  const failed: string[] = [];
  let lastError: unknown = null;
  for (const run of stale) {
    try {
      await failRun(db, run.id, "", { onlyIfStale: staleMs });
      failed.push(run.id);
    } catch (error) {
      lastError = error;
    }
  }
  if (failed.length === 0 && lastError) throw lastError;
  return failed;
}

/** Queues a run for every approved scheduled source that is due, and sets its next time. */
export async function queueDueRuns(db: Db, now = new Date()): Promise<string[]> {
  const due = await db
    .select()
    .from(thirdPartySources)
    .where(
      and(
        eq(thirdPartySources.syncMode, "scheduled"),
        isNotNull(thirdPartySources.nextRunAt),
        lte(thirdPartySources.nextRunAt, now),
        sql`${thirdPartySources.status} <> 'pending-approval'`,
      ),
    );
  const queued: string[] = [];
  for (const source of due) {
    const next = new Date(now.getTime() + (source.intervalMinutes ?? 60) * 60_000);
    // Only one replica moves next_run_at forward; only it queues.
    const [claimed] = await db
      .update(thirdPartySources)
      .set({ nextRunAt: next })
      .where(and(eq(thirdPartySources.id, source.id), eq(thirdPartySources.nextRunAt, source.nextRunAt!)))
      .returning({ id: thirdPartySources.id });
    if (!claimed) continue;
    try {
      await queueRun(db, { actor: { kind: "system", id: "scheduler" } }, source.name, "scheduled");
      queued.push(source.name);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === "CONFLICT")) throw error;
    }
  }
  return queued;
}

async function runRowOf(db: Db, sourceName: string, runId: string) {
  const source = await sourceRow(db, sourceName);
  if (!isUuid(runId)) throw notFound("run", runId);
  const [row] = await db
    .select()
    .from(ingestionRuns)
    .where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.sourceId, source.id)))
    .limit(1);
  if (!row) throw notFound("run", runId);
  return row;
}

/** A run with its items; `withItems: false` leaves them out (the console pages them with pageRunItems). */
export async function getRun(db: Db, sourceName: string, runId: string, withItems = true): Promise<Run & { items: RunItem[] }> {
  const row = await runRowOf(db, sourceName, runId);
  if (!withItems) return { ...toRun(row, sourceName), items: [] };
  // A running run's items are committed batch by batch, but they are its result only once it
  // ends (a failed run's are undone); the console polls a running run every second, so its
  // growing list is not read again and again.
  const active = row.status === "queued" || row.status === "running";
  const items = active ? [] : await db.select().from(ingestionRunItems).where(eq(ingestionRunItems.runId, runId)).orderBy(asc(ingestionRunItems.position));
  return {
    ...toRun(row, sourceName),
    items: items.map((i) => ({ upstreamId: i.upstreamId, name: i.name, outcome: i.outcome, findings: i.findings, errors: i.errors })),
  };
}

/**
 * A finished run's items a page at a time, in upstream order: filtered by outcome and by text in
 * the upstream id or server name, with how many items of each outcome the whole run has.
 */
export async function pageRunItems(
  db: Db,
  sourceName: string,
  runId: string,
  query: { outcome?: string; q?: string; offset: number; limit: number },
): Promise<Page<RunItem> & { byOutcome: Record<string, number> }> {
  const row = await runRowOf(db, sourceName, runId);
  if (row.status === "queued" || row.status === "running") return { items: [], total: 0, offset: query.offset, limit: query.limit, byOutcome: {} };
  const where: SQL[] = [eq(ingestionRunItems.runId, runId)];
  if (query.outcome) where.push(eq(ingestionRunItems.outcome, query.outcome));
  if (query.q) where.push(or(ilike(ingestionRunItems.upstreamId, likeContaining(query.q)), ilike(ingestionRunItems.name, likeContaining(query.q)))!);
  const filter = and(...where);
  const rows = await db.select().from(ingestionRunItems).where(filter).orderBy(asc(ingestionRunItems.position)).limit(query.limit).offset(query.offset);
  const [total] = await db.select({ n: count() }).from(ingestionRunItems).where(filter);
  const tally = await db
    .select({ outcome: ingestionRunItems.outcome, n: count() })
    .from(ingestionRunItems)
    .where(eq(ingestionRunItems.runId, runId))
    .groupBy(ingestionRunItems.outcome);
  return {
    items: rows.map((i) => ({ upstreamId: i.upstreamId, name: i.name, outcome: i.outcome, findings: i.findings, errors: i.errors })),
    total: Number(total?.n ?? 0),
    offset: query.offset,
    limit: query.limit,
    byOutcome: Object.fromEntries(tally.map((t) => [t.outcome, Number(t.n)])),
  };
}

export async function listRuns(db: Db, sourceName: string, limit = 50): Promise<Run[]> {
  const source = await sourceRow(db, sourceName);
  const rows = await db.select().from(ingestionRuns).where(eq(ingestionRuns.sourceId, source.id)).orderBy(desc(ingestionRuns.queuedAt)).limit(limit);
  return rows.map((r) => toRun(r, sourceName));
}

/** A source's runs a page at a time, filtered by status and trigger: the source page's list (REST keeps the last 50). */
export async function pageRuns(db: Db, query: RunPageInput): Promise<Page<Run> & { all: number }> {
  const source = await sourceRow(db, query.name);
  const own = eq(ingestionRuns.sourceId, source.id);
  const where: SQL[] = [own];
  if (query.status) where.push(eq(ingestionRuns.status, query.status));
  if (query.trigger) where.push(eq(ingestionRuns.trigger, query.trigger));
  const filter = and(...where);
  const direction = query.order === "desc" ? desc : asc;
  const sortColumns = { queued: [], status: [direction(ingestionRuns.status)], trigger: [direction(ingestionRuns.trigger)] }[query.sort];
  // Within a status or trigger, newest first; ties broken by id so pages never overlap.
  const queued = query.sort === "queued" ? direction(ingestionRuns.queuedAt) : desc(ingestionRuns.queuedAt);
  const rows = await db
    .select()
    .from(ingestionRuns)
    .where(filter)
    .orderBy(...sortColumns, queued, asc(ingestionRuns.id))
    .limit(query.limit)
    .offset(query.offset);
  const [[total], [all]] = await Promise.all([
    db.select({ n: count() }).from(ingestionRuns).where(filter),
    db.select({ n: count() }).from(ingestionRuns).where(own),
  ]);
  return { items: rows.map((r) => toRun(r, query.name)), total: Number(total?.n ?? 0), all: Number(all?.n ?? 0), offset: query.offset, limit: query.limit };
}

export async function lastRunsBySource(db: Db): Promise<Map<string, Run>> {
  const rows = await db
    .selectDistinctOn([ingestionRuns.sourceId], { run: ingestionRuns, name: thirdPartySources.name })
    .from(ingestionRuns)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, ingestionRuns.sourceId))
    .orderBy(ingestionRuns.sourceId, desc(ingestionRuns.queuedAt));
  return new Map(rows.map((r) => [r.name, toRun(r.run, r.name)]));
}
