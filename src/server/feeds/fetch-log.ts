import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { feedFetches } from "../db/schema";

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
  firstAt: Date;
  lastAt: Date;
  count: number;
  remoteAddr: string | null;
  /** Order of the latest record call: breaks ties between fetches in the same millisecond. */
  sequence: number;
}

// Contracts are recorded per tenant: room for every tenant's pod between two flushes.
const MAX_PENDING_KEYS = 20_000;
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
  dropped = 0;

  constructor(private readonly db: Db) {}

  record(feed: string, userAgent: string | null, status: number, remoteAddr: string | null, at = new Date()): void {
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
      this.dropped += 1;
      return;
    }
    this.pending.set(key, { feed, userAgent: ua, status, firstAt: at, lastAt: at, count: 1, remoteAddr, sequence });
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
      at: newestPending.lastAt,
      remoteAddr: newestPending.remoteAddr,
      count: newestPending.count,
    };
    const [row] = await this.db
      .select()
      .from(feedFetches)
      .where(eq(feedFetches.feed, feed))
      .orderBy(desc(feedFetches.lastAt))
      .limit(1);
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
    try {
      await this.db
        .insert(feedFetches)
        .values(
          batch.map((p) => ({
            feed: p.feed,
            userAgent: p.userAgent,
            status: p.status,
            firstAt: p.firstAt,
            lastAt: p.lastAt,
            count: p.count,
            lastRemoteAddr: p.remoteAddr,
          })),
        )
        .onConflictDoUpdate({
          target: [feedFetches.feed, feedFetches.userAgent, feedFetches.status],
          set: {
            count: sql`${feedFetches.count} + excluded.count`,
            lastAt: sql`greatest(${feedFetches.lastAt}, excluded.last_at)`,
            lastRemoteAddr: sql`excluded.last_remote_addr`,
          },
        });
      await this.db
        .delete(feedFetches)
        .where(and(lt(feedFetches.lastAt, new Date(Date.now() - RETENTION_DAYS * 86_400_000))));
    } catch (error) {
      // Keep the counts for the next attempt; the database may be down for a moment.
      for (const p of batch) {
        const key = `${p.feed}\u0000${p.userAgent}\u0000${p.status}`;
        const newer = this.pending.get(key);
        if (newer) {
          newer.count += p.count;
          newer.firstAt = p.firstAt;
        } else if (this.pending.size < MAX_PENDING_KEYS) {
          this.pending.set(key, p);
        }
      }
      throw error;
    }
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
