/**
 * Runs ingestion in the app process: claims queued runs (any replica may take any run), queues
 * scheduled sources when they are due, and fails (and undoes) runs whose process died, within
 * seconds of their heartbeat stopping.
 */
import os from "node:os";
import type { Db } from "../db/client";
import { executeRun, type PipelineDeps } from "./pipeline";
import { claimRun, failAbandonedRuns, queueDueRuns, STALE_AFTER_MS } from "./runs";

export interface WorkerOptions {
  pollMs?: number;
  scheduleMs?: number;
  /** A running run without a heartbeat for this long belongs to a dead process (three missed heartbeats). */
  staleMs?: number;
  /** With the embedded database no other process can be running anything: fail every running run at start. */
  soleProcess?: boolean;
  log?: (message: string) => void;
}

export class IngestionWorker {
  readonly id = `${os.hostname()}:${process.pid}`;
  private timer: NodeJS.Timeout | null = null;
  private scheduleTimer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly deps: PipelineDeps,
    private readonly options: WorkerOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await failAbandonedRuns(this.db, this.options.soleProcess ? 0 : this.staleMs).catch(() => undefined);
    // Another replica's dead worker is noticed within a poll of its heartbeat going stale; with
    // the embedded database there is no other process, and start-up already recovered its runs.
    this.timer = setInterval(() => {
      if (!this.options.soleProcess) void this.recoverAbandoned();
      this.kick();
    }, this.options.pollMs ?? 2000);
    this.timer.unref();
    this.scheduleTimer = setInterval(() => void this.tick(), this.options.scheduleMs ?? 30_000);
    this.scheduleTimer.unref();
    void this.tick();
  }

  /** Looks for work now (after a run was queued here). */
  kick(): void {
    if (this.stopped || this.busy) return;
    this.busy = this.drain().finally(() => {
      this.busy = null;
    });
  }

  private get staleMs(): number {
    return this.options.staleMs ?? STALE_AFTER_MS;
  }

  private recovering = false;

  private async recoverAbandoned(): Promise<void> {
    if (this.stopped || this.recovering) return;
    this.recovering = true;
    try {
      const failed = await failAbandonedRuns(this.db, this.staleMs);
      if (failed.length > 0) this.options.log?.(`ingestion: recovered ${failed.length} run(s) whose process stopped: ${failed.join(", ")}`);
    } catch (error) {
      this.options.log?.(`ingestion janitor: ${(error as Error).message}`);
    } finally {
      this.recovering = false;
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.options.soleProcess) await this.recoverAbandoned();
      const queued = await queueDueRuns(this.db);
      if (queued.length > 0) this.kick();
    } catch (error) {
      this.options.log?.(`ingestion scheduler: ${(error as Error).message}`);
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const run = await claimRun(this.db, this.id).catch(() => null);
      if (!run) return;
      await executeRun(this.db, run.id, this.deps);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    await this.busy?.catch(() => undefined);
  }
}
