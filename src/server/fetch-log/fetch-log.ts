import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { feedFetches } from "../db/schema";
import type { Metrics } from "../metrics";

/** The Obot feed's key in the fetch log (contracts are logged per tenant: `contract/<tenant>`). */
export const OBOT_FEED = "obot";

export interface FeedFetch {
  feed: string;
  userAgent: string;
  status: number;
  at: Date;
  remoteAddr: string | null;
  count: number;
}

interface Pending {
  feed: string;
  userAgent: string;
  status: number;
  /** Epoch ms: a number, so a poll allocates no Date. */
  firstAt: number;
  lastAt: number;
  count: number;
  remoteAddr: string | null;
  /** Order of the latest record call: breaks ties between fetches in the same millisecond. */
  sequence: number;
  /** Flushes that failed to write this row: it is dropped after MAX_FLUSH_ATTEMPTS. */
  attempts: number;
}

/** What a flush failure did, for the log line and /api/metrics. */
export interface FlushFailure {
  error: unknown;
  /** Rows kept for the next flush. */
  kept: number;
  /** Rows given up (they failed MAX_FLUSH_ATTEMPTS times, or no room was left for them). */
  dropped: number;
  /** Failed flushes in a row, this one included. */
  consecutive: number;
}

export interface FetchRecorderHooks {
  /** A flush failed (the periodic flush swallows the error: this is where it is seen). */
  onFlushError?(failure: FlushFailure): void;
  /** A flush succeeded after one or more failed. */
  onFlushRecovered?(failedFlushes: number): void;
  /** Fetches that will never be written: the pending table was full, or their rows kept failing. */
  onDropped?(fetches: number): void;
}

// Contracts are recorded per tenant: room for every tenant's pod between two flushes.
const MAX_PENDING_KEYS = 20_000;
// Rows per statement (one JSON parameter each): a flush of 20,000 pending keys is 20 statements of ~150 KB.
export const FLUSH_BATCH_ROWS = 1_000;
// A row that cannot be written this many times in a row (the database is down for minutes, or it
// is refused) is given up rather than retried forever.
export const MAX_FLUSH_ATTEMPTS = 10;
const RETENTION_DAYS = 30;

/**
 * Remembers who polled which feed without touching the database on the request path: fetches
 * are aggregated in memory per (feed, user agent, status) and flushed periodically.
 */
export class FetchRecorder {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private sequence = 0;
  private consecutiveFailures = 0;
  /** Fetches that were never written (see FetchRecorderHooks.onDropped). */
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly hooks: FetchRecorderHooks = {},
  ) {}

  private drop(fetches: number): void {
    if (fetches === 0) return;
    this.dropped += fetches;
    this.hooks.onDropped?.(fetches);
  }

  record(feed: string, userAgent: string | null, status: number, remoteAddr: string | null, when: Date | number = Date.now()): void {
    const at = typeof when === "number" ? when : when.getTime();
    const ua = (userAgent ?? "").slice(0, 200) || "(none)";
    const key = `${feed}\u0000${ua}\u0000${status}`;
    const sequence = ++this.sequence;
    const existing = this.pending.get(key);
    if (existing) {
      existing.count += 1;
      existing.lastAt = at;
      existing.remoteAddr = remoteAddr;
      existing.sequence = sequence;
      return;
    }
    if (this.pending.size >= MAX_PENDING_KEYS) {
      this.drop(1);
      return;
    }
    this.pending.set(key, { feed, userAgent: ua, status, firstAt: at, lastAt: at, count: 1, remoteAddr, sequence, attempts: 0 });
  }

  /** The most recent fetch of a feed, including ones not flushed yet. */
  async latest(feed: string): Promise<FeedFetch | null> {
    let newestPending: Pending | null = null;
    for (const p of this.pending.values()) {
      if (p.feed === feed && (!newestPending || p.sequence > newestPending.sequence)) newestPending = p;
    }
    let newest: FeedFetch | null = newestPending && {
      feed,
      userAgent: newestPending.userAgent,
      status: newestPending.status,
      at: new Date(newestPending.lastAt),
      remoteAddr: newestPending.remoteAddr,
      count: newestPending.count,
    };
    const [row] = await this.db.select().from(feedFetches).where(eq(feedFetches.feed, feed)).orderBy(desc(feedFetches.lastAt)).limit(1);
    if (row && (!newest || row.lastAt > newest.at)) {
      newest = { feed, userAgent: row.userAgent, status: row.status, at: row.lastAt, remoteAddr: row.lastRemoteAddr, count: row.count };
    }
    return newest;
  }

  flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    let written = 0;
    try {
      for (; written < batch.length; written += FLUSH_BATCH_ROWS) {
        await this.upsert(batch.slice(written, written + FLUSH_BATCH_ROWS));
      }
      await this.db.delete(feedFetches).where(and(lt(feedFetches.lastAt, new Date(Date.now() - RETENTION_DAYS * 86_400_000))));
    } catch (error) {
      this.requeue(batch.slice(written), error);
      throw error;
    }
    if (this.consecutiveFailures > 0) this.hooks.onFlushRecovered?.(this.consecutiveFailures);
    this.consecutiveFailures = 0;
  }

  /**
   * One statement per batch with the rows as a single JSON parameter: building a statement of
   * 7,000 bind parameters held the event loop for tens of milliseconds after every tenant polled.
   */
  private async upsert(rows: Pending[]): Promise<void> {
    const json = JSON.stringify(
      rows.map((p) => ({
        feed: p.feed,
        user_agent: p.userAgent,
        status: p.status,
        first_at: p.firstAt,
        last_at: p.lastAt,
        count: p.count,
        last_remote_addr: p.remoteAddr,
      })),
    );
    await this.db.execute(sql`
      insert into feed_fetches (feed, user_agent, status, first_at, last_at, count, last_remote_addr)
      select feed, user_agent, status, to_timestamp(first_at / 1000.0), to_timestamp(last_at / 1000.0), count, last_remote_addr
      from jsonb_to_recordset(${json}::jsonb)
        as r(feed text, user_agent text, status integer, first_at double precision, last_at double precision, count bigint, last_remote_addr text)
      on conflict (feed, user_agent, status) do update set
        count = feed_fetches.count + excluded.count,
        last_at = greatest(feed_fetches.last_at, excluded.last_at),
        last_remote_addr = excluded.last_remote_addr`);
  }

  /** Keeps the unwritten counts for the next attempt (the database may be down for a moment), within bounds. */
  private requeue(unwritten: Pending[], error: unknown): void {
    this.consecutiveFailures += 1;
    let kept = 0;
    let dropped = 0;
    for (const p of unwritten) {
      const key = `${p.feed}\u0000${p.userAgent}\u0000${p.status}`;
      const newer = this.pending.get(key);
      if (newer) {
        // Fetches recorded since the flush began: their row is fresh, so it starts its own attempts.
        newer.count += p.count;
        newer.firstAt = p.firstAt;
      } else if (p.attempts + 1 < MAX_FLUSH_ATTEMPTS && this.pending.size < MAX_PENDING_KEYS) {
        this.pending.set(key, { ...p, attempts: p.attempts + 1 });
        kept += 1;
      } else {
        dropped += p.count;
      }
    }
    this.drop(dropped);
    this.hooks.onFlushError?.({ error, kept, dropped, consecutive: this.consecutiveFailures });
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

const FAILURE_LOG_EVERY_MS = 60_000;

/**
 * The fetch log's failures made visible: counted in /api/metrics, and logged at the first failure,
 * then at most once a minute while they last, and when flushing works again.
 */
export function reportingHooks(
  metrics: Pick<Metrics, "fetchLogFlushFailures" | "fetchLogDropped">,
  log: (message: string) => void = (message) => console.error(`[opencrane] ${message}`),
  now: () => number = Date.now,
): FetchRecorderHooks {
  let lastLogged = -Infinity;
  return {
    onFlushError({ error, kept, dropped, consecutive }) {
      metrics.fetchLogFlushFailures.inc();
      if (consecutive > 1 && now() - lastLogged < FAILURE_LOG_EVERY_MS) return;
      lastLogged = now();
      const reason = error instanceof Error ? error.message : String(error);
      log(
        `could not write the feed fetch log (${consecutive} failed flush${consecutive === 1 ? "" : "es"} in a row): ${reason}; ` +
          `${kept} row(s) kept for the next flush, ${dropped} fetch(es) given up`,
      );
    },
    onFlushRecovered(failedFlushes) {
      lastLogged = -Infinity;
      log(`the feed fetch log is written again after ${failedFlushes} failed flush(es)`);
    },
    onDropped(fetches) {
      metrics.fetchLogDropped.inc(fetches);
    },
  };
}
