/**
 * Scheduled re-discovery (OPENCRANE_TOOL_DISCOVERY_MINUTES): every probeable server's tools are
 * discovered again once per interval. Servers are claimed one by one in the database, so
 * replicas share the work instead of repeating it; a probe that fails is kept on the server's
 * row and tried again next interval.
 */
import { SYSTEM } from "../audit/audit";
import type { Db } from "../db/client";
import { discoverServerTools, type DiscoveryDeps } from "./discovery";
import { claimDueServers } from "./store";

export class ToolDiscoveryScheduler {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<string[]> | null = null;

  constructor(
    private readonly db: Db,
    private readonly deps: DiscoveryDeps,
    private readonly intervalMs: number,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    // Look often enough that a server becomes due within a tenth of the interval (at most a minute late).
    this.timer = setInterval(() => this.kick(), Math.min(60_000, Math.max(1000, this.intervalMs / 10)));
    this.timer.unref();
  }

  /** A round now, or the one already under way. */
  kick(): Promise<string[]> {
    const round = (this.busy ??= this.round().finally(() => {
      this.busy = null;
    }));
    return round;
  }

  /** One round: every due server, one probe at a time. */
  async round(): Promise<string[]> {
    const due = await claimDueServers(this.db, this.intervalMs).catch(() => []);
    for (const name of due) {
      await discoverServerTools(this.db, SYSTEM, this.deps, name).catch((error: Error) => this.log(`tool discovery of ${name} failed: ${error.message}`));
    }
    return due;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy?.catch(() => undefined);
  }
}
