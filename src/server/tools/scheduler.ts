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

const NAMED_FAILURES = 3;

/** "tool discovery: 2 of 40 servers failed: a (reason), b (reason)", naming at most a few. */
export function discoveryRoundSummary(probed: number, failed: readonly { name: string; message: string }[]): string {
  const named = failed.slice(0, NAMED_FAILURES).map((f) => `${f.name} (${f.message})`);
  const more = failed.length > NAMED_FAILURES ? `, and ${failed.length - NAMED_FAILURES} more (each server's Tools tab has its error)` : "";
  return `tool discovery: ${failed.length} of ${probed} servers failed: ${named.join(", ")}${more}`;
}

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

  /**
   * One round: every due server, one probe at a time. Failures are kept on each server's row (its
   * Tools tab shows them); the log gets one line per round, not one per unreachable server.
   */
  async round(): Promise<string[]> {
    const due = await claimDueServers(this.db, this.intervalMs).catch(() => []);
    const failed: { name: string; message: string }[] = [];
    for (const name of due) {
      await discoverServerTools(this.db, SYSTEM, this.deps, name).catch((error: Error) => failed.push({ name, message: error.message }));
    }
    if (failed.length > 0) this.log(discoveryRoundSummary(due.length, failed));
    return due;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy?.catch(() => undefined);
  }
}
