/**
 * Durable ingestion runs: queued in the database, claimed with FOR UPDATE SKIP LOCKED by any
 * process, kept alive by heartbeats, and failed by the janitor when their process dies. A partial
 * unique index allows one queued-or-running run per source, across every replica.
 */
import { and, asc, desc, eq, inArray, isNotNull, lte, or, sql } from "drizzle-orm";
import { recordAudit, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { ingestionRunItems, ingestionRuns, thirdPartySources } from "../db/schema";
import { constraintOf, DomainError, notFound, sqlState } from "../errors";
import { sourceRow } from "./sources";
import { isUuid } from "../util/uuid";

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

function alreadyActive(source: string) {
  return new DomainError("CONFLICT", `a run of source '${source}' is already queued or running: wait for it to finish`);
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
  options: { claimFor?: string } = {},
): Promise<Run> {
  try {
    return await db.transaction(async (tx) => {
      const source = await sourceRow(tx, sourceName, true);
      if (source.status === "pending-approval") {
        throw new DomainError("CONFLICT", `source '${sourceName}' is waiting for an admin's approval: it cannot sync yet`);
      }
      if (trigger === "upload" && source.kind !== "manual-upload") throw new DomainError("CONFLICT", `source '${sourceName}' is not an upload source`);
      if (trigger !== "upload" && source.kind === "manual-upload") throw new DomainError("CONFLICT", `source '${sourceName}' takes uploads; it has nothing to sync`);
      const [row] = await tx
        .insert(ingestionRuns)
        .values({
          sourceId: source.id,
          trigger,
          createdBy: ctx.actor.id,
          payload: payload ?? null,
          counts: emptyCounts(),
          ...(options.claimFor
            ? { status: "running", stage: "fetch", worker: options.claimFor, startedAt: sql`now()`, heartbeatAt: sql`now()` }
            : {}),
        })
        .returning();
      const run = toRun(row!, sourceName);
      await recordAudit(tx, ctx, { action: "source.sync", entityType: "source", entityId: sourceName, after: { runId: run.id, trigger } });
      return run;
    });
  } catch (error) {
    if (sqlState(error) === "23505" && (constraintOf(error) ?? "").includes("one_active")) throw alreadyActive(sourceName);
    throw error;
  }
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
  if (row) await db.update(thirdPartySources).set({ status: "syncing" }).where(and(eq(thirdPartySources.id, row.sourceId), awaitingNoApproval));
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
  await db.update(ingestionRuns).set({ heartbeatAt: sql`now()` }).where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.status, "running")));
}

export async function markProgress(db: Db, runId: string, stage: string, progress: Run["progress"]): Promise<void> {
  await db.update(ingestionRuns).set({ stage, progress, heartbeatAt: sql`now()` }).where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.status, "running")));
}

/** Locks the row of the run's source (see queueRun for the lock order). */
export async function lockSourceOfRun(tx: Db, runId: string): Promise<void> {
  await tx
    .select({ id: thirdPartySources.id })
    .from(thirdPartySources)
    .where(eq(thirdPartySources.id, sql`(select ${ingestionRuns.sourceId} from ${ingestionRuns} where ${ingestionRuns.id} = ${runId})`))
    .for("update");
}

export async function failRun(db: Db, runId: string, message: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockSourceOfRun(tx, runId);
    const [row] = await tx
      .update(ingestionRuns)
      .set({ status: "failed", error: message, finishedAt: sql`now()` })
      .where(and(eq(ingestionRuns.id, runId), inArray(ingestionRuns.status, ["queued", "running"])))
      .returning();
    if (!row) return;
    await tx.update(thirdPartySources).set({ status: sql`case when ${awaitingApproval} then ${thirdPartySources.status} else 'error' end`, lastError: message }).where(eq(thirdPartySources.id, row.sourceId));
    const [source] = await tx.select({ name: thirdPartySources.name }).from(thirdPartySources).where(eq(thirdPartySources.id, row.sourceId));
    await recordAudit(tx, { actor: { kind: "system", id: "ingestion" } }, {
      action: "source.sync_failed",
      entityType: "source",
      entityId: source?.name ?? row.sourceId,
      after: { runId, error: message },
    });
  });
}

/**
 * Fails runs whose process stopped: `running` with a heartbeat older than `staleMs`. With the
 * embedded database only this process can run anything, so at start every running run is stale.
 */
export async function failAbandonedRuns(db: Db, staleMs: number): Promise<string[]> {
  // Heartbeats are stamped with the database's clock, so staleness is judged by it too: an app
  // server whose clock drifts must not declare a live run dead.
  const stale = await db
    .select({ id: ingestionRuns.id, heartbeatAt: ingestionRuns.heartbeatAt })
    .from(ingestionRuns)
    .where(
      and(
        eq(ingestionRuns.status, "running"),
        or(sql`${ingestionRuns.heartbeatAt} <= now() - make_interval(secs => ${staleMs / 1000})`, sql`${ingestionRuns.heartbeatAt} is null`),
      ),
    );
  for (const run of stale) {
    await failRun(db, run.id, `interrupted: the process running it stopped (last heartbeat ${run.heartbeatAt?.toISOString() ?? "never"}); nothing it did was kept`);
  }
  return stale.map((r) => r.id);
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

export async function getRun(db: Db, sourceName: string, runId: string): Promise<Run & { items: RunItem[] }> {
  const source = await sourceRow(db, sourceName);
  if (!isUuid(runId)) throw notFound("run", runId);
  const [row] = await db
    .select()
    .from(ingestionRuns)
    .where(and(eq(ingestionRuns.id, runId), eq(ingestionRuns.sourceId, source.id)))
    .limit(1);
  if (!row) throw notFound("run", runId);
  const items = await db.select().from(ingestionRunItems).where(eq(ingestionRunItems.runId, runId)).orderBy(asc(ingestionRunItems.position));
  return {
    ...toRun(row, sourceName),
    items: items.map((i) => ({ upstreamId: i.upstreamId, name: i.name, outcome: i.outcome, findings: i.findings, errors: i.errors })),
  };
}

export async function listRuns(db: Db, sourceName: string, limit = 50): Promise<Run[]> {
  const source = await sourceRow(db, sourceName);
  const rows = await db.select().from(ingestionRuns).where(eq(ingestionRuns.sourceId, source.id)).orderBy(desc(ingestionRuns.queuedAt)).limit(limit);
  return rows.map((r) => toRun(r, sourceName));
}

export async function lastRunsBySource(db: Db): Promise<Map<string, Run>> {
  const rows = await db
    .selectDistinctOn([ingestionRuns.sourceId], { run: ingestionRuns, name: thirdPartySources.name })
    .from(ingestionRuns)
    .innerJoin(thirdPartySources, eq(thirdPartySources.id, ingestionRuns.sourceId))
    .orderBy(ingestionRuns.sourceId, desc(ingestionRuns.queuedAt));
  return new Map(rows.map((r) => [r.name, toRun(r.run, r.name)]));
}

