/**
 * The register stage in short transactions. The embedded database (PGlite) runs one statement at
 * a time and makes every other query wait while a transaction is open, and its statements finish
 * in microtasks, so one transaction for a whole run shut out every request — health checks too —
 * until it committed. Each batch here is a transaction of about BATCH_MS (BATCH_MIN to BATCH_MAX items),
 * after which the event loop and the other queries get their turn. What a batch replaced is kept
 * in the run's undo journal (ingestion_run_undo), so a run that does not finish is undone whole
 * by `failRun`, whichever process ends it.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { ingestionRunItems, ingestionRunUndo, ingestionRuns } from "../db/schema";
import type { RunItem } from "./runs";

const BATCH_MS = 20;
/** Fewer items than this per batch and the per-batch statements would cost more than the items. */
const BATCH_MIN = 5;
const BATCH_MAX = 250;
/** How long CPU-bound work (scanning, validating) runs before letting the event loop in. */
export const SLICE_MS = 10;

/** Lets timers, sockets and other requests run (awaiting a query alone may never leave the microtask queue). */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface OpenTransaction {
  tx: Db;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** A transaction held open across loop iterations; ends with commit() or rollback(). */
async function openTransaction(db: Db): Promise<OpenTransaction> {
  let settle!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (settle = resolve));
  let opened!: (tx: Db) => void;
  const ready = new Promise<Db>((resolve) => (opened = resolve));
  const finished = db.transaction(async (tx) => {
    opened(tx as unknown as Db);
    if (!(await decided)) throw ROLLBACK;
  });
  const tx = await Promise.race([ready, finished.then(() => Promise.reject(new Error("the transaction ended before it was used")))]);
  return {
    tx,
    commit: async () => {
      settle(true);
      await finished;
    },
    rollback: async () => {
      settle(false);
      await finished.catch(() => undefined);
    },
  };
}

const ROLLBACK = new Error("rolled back");

export type BatchRunItem = RunItem & { position: number; warnings?: string[] };

/** A run item as stored: at its place in the run's list (the parser's warnings are not stored). */
export function runItemRow(runId: string, { warnings: _warnings, ...item }: BatchRunItem, position: number) {
  return { runId, ...item, position };
}

/**
 * Register batches of one run. `next()` gives the transaction for the next item, committing the
 * current batch first when it is full; each batch first checks that the run is still this
 * worker's (running: a janitor that presumed the process dead has not ended it) and commits its
 * run items and the register progress with its changes.
 */
export class RegisterBatches {
  private open: OpenTransaction | null = null;
  private startedAt = 0;
  private yieldedAt = 0;
  private size = 0;
  private itemsCommitted = 0;
  private created: { table: "mcp_servers" | "source_items"; id: string }[] = [];
  private touchedServers = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly progress: Record<string, { done: number; total: number }>,
    private readonly runItems: readonly BatchRunItem[],
  ) {}

  async next(): Promise<Db> {
    if (this.open && (this.size >= BATCH_MAX || (this.size >= BATCH_MIN && performance.now() - this.startedAt >= BATCH_MS))) {
      await this.commit();
      await yieldToEventLoop();
      this.yieldedAt = performance.now();
    } else if (performance.now() - this.yieldedAt >= SLICE_MS) {
      // Within a batch too: requests that need no database (feeds, healthz) answer meanwhile;
      // those that do wait for the batch's end.
      await yieldToEventLoop();
      this.yieldedAt = performance.now();
    }
    if (!this.open) {
      this.open = await openTransaction(this.db);
      this.startedAt = performance.now();
      this.size = 0;
      await assertStillRunning(this.open.tx, this.runId);
    }
    this.size += 1;
    return this.open.tx;
  }

  /** Before a row is changed: keep its image (the first one wins if a run changes a row twice). */
  async journalBefore(table: "mcp_servers" | "source_items", id: string): Promise<void> {
    if (table === "mcp_servers") this.touchedServers.add(id);
    await this.open!.tx.execute(sql`
      insert into ingestion_run_undo (run_id, table_name, row_id, before)
      select ${this.runId}, ${table}, t.id, to_jsonb(t) from ${sql.identifier(table)} t where t.id = ${id}
      on conflict do nothing`);
  }

  /** A row this run created: undone by deleting it. */
  journalCreated(table: "mcp_servers" | "source_items", id: string): void {
    if (table === "mcp_servers") this.touchedServers.add(id);
    this.created.push({ table, id });
  }

  /** Commits the current batch, if one is open, with its journal, run items and progress. */
  async commit(): Promise<void> {
    const open = this.open;
    if (!open) return;
    this.open = null;
    try {
      const tx = open.tx;
      if (this.created.length > 0) {
        await tx
          .insert(ingestionRunUndo)
          .values(this.created.map((c) => ({ runId: this.runId, tableName: c.table, rowId: c.id, before: null })))
          .onConflictDoNothing();
      }
      if (this.touchedServers.size > 0) {
        // The version each server was left at: an admin's edit after it wins over the undo.
        await tx.execute(sql`
          update ingestion_run_undo u set after_version = s.version from mcp_servers s
          where u.run_id = ${this.runId} and u.table_name = 'mcp_servers' and s.id = u.row_id
            and u.row_id in (${sql.join(
              [...this.touchedServers].map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`);
      }
      const fresh = this.runItems.slice(this.itemsCommitted);
      for (let i = 0; i < fresh.length; i += 500) {
        await tx.insert(ingestionRunItems).values(fresh.slice(i, i + 500).map((item, j) => runItemRow(this.runId, item, this.itemsCommitted + i + j)));
      }
      if (this.progress.register) this.progress.register.done = this.runItems.length;
      await tx
        .update(ingestionRuns)
        .set({ stage: "register", progress: this.progress, heartbeatAt: sql`now()` })
        .where(eq(ingestionRuns.id, this.runId));
      await open.commit();
      this.itemsCommitted = this.runItems.length;
      this.created = [];
      this.touchedServers.clear();
    } catch (error) {
      await open.rollback();
      throw error;
    }
  }

  /** Run items recorded so far; the final transaction records the rest. */
  get committedItems(): number {
    return this.itemsCommitted;
  }

  /** Rolls back a batch left open by an error. */
  async abandon(): Promise<void> {
    const open = this.open;
    this.open = null;
    await open?.rollback();
  }
}

/**
 * Holds the run's row for the rest of the transaction and checks the run is still running. A
 * janitor ending the run takes the same row first (`failRun`), so either it ended the run before
 * (and this batch commits nothing) or it waits for this batch and then undoes it with the rest.
 */
export async function assertStillRunning(tx: Db, runId: string): Promise<void> {
  const [owned] = await tx.select({ status: ingestionRuns.status }).from(ingestionRuns).where(eq(ingestionRuns.id, runId)).for("update");
  if (owned?.status !== "running") throw new Error(`run ${runId} was ended by another process while this one worked on it; nothing more was kept`);
}

/** Forgets a finished run's undo journal (in the transaction that finishes it). */
export async function dropJournal(tx: Db, runId: string): Promise<void> {
  await tx.delete(ingestionRunUndo).where(and(eq(ingestionRunUndo.runId, runId), inArray(ingestionRunUndo.tableName, ["mcp_servers", "source_items"])));
}
