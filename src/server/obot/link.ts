/**
 * The Obot link (DESIGN §10): keeps the feed among the sources of Obot's default catalog
 * (ensure), asks Obot to re-read it after every change of the feed's body (nudge), and reads back
 * what Obot holds (read back). Runs in every replica, off the admin's request path: a write only
 * marks a nudge as due. Obot unreachable is a state with its reason, retried with backoff.
 */
import { recordAudit, SYSTEM } from "../audit/audit";
import type { ObotLinkConfig } from "../config";
import type { Db } from "../db/client";
import type { CatalogSnapshot } from "../snapshot/snapshot";
import type { ObotEntry } from "../formats/obot-entry";
import { compareWithObot, planEnsure, syncErrorFor, type ObotCatalog, type ObotCatalogEntry, type ObotServerStatus } from "./compare";

export type LinkState = "ok" | "unreachable" | "off";

export interface ObotLinkStatus {
  url: string | null;
  feedUrl: string | null;
  state: LinkState;
  lastSynced: string | null;
  isSyncing: boolean;
  /** Obot's sync error for our source; while Obot is unreachable, why it could not be reached. */
  syncError: string | null;
  lastRefreshRequestedAt: string | null;
  lastEnsuredAt: string | null;
}

export interface ObotLinkView {
  link: ObotLinkStatus;
  servers: ObotServerStatus[];
}

export const LINK_OFF: ObotLinkView = {
  link: {
    url: null,
    feedUrl: null,
    state: "off",
    lastSynced: null,
    isSyncing: false,
    syncError: null,
    lastRefreshRequestedAt: null,
    lastEnsuredAt: null,
  },
  servers: [],
};

export interface ObotLinkEvents {
  /** A refresh was asked for: ok, or failed (and will be retried). */
  refreshRequested?(result: "ok" | "error"): void;
  sourceRestored?(): void;
  statusChanged?(view: ObotLinkView): void;
}

export interface ObotLinkOptions {
  config: ObotLinkConfig;
  /** OBOT_REGISTRY_TOKEN: sent as the feed's credential when the link puts the feed back. */
  token: string | undefined;
  db: Db;
  /** The snapshot being served: what Obot should hold. */
  current: () => CatalogSnapshot | null;
  events?: ObotLinkEvents;
  /** A refresh waits until the feed has not changed for this long (1 s)… */
  debounceMs?: number;
  /** …but never longer than this after the first change it carries (5 s), so steady writes still reach Obot. */
  maxWaitMs?: number;
  /** The first retry's delay; doubled per failure up to the ensure interval (refresh: up to 30 s). */
  retryBaseMs?: number;
  /** How often to look whether Obot finished the sync a refresh started. */
  syncPollMs?: number;
  fetch?: typeof fetch;
  log?: (message: string) => void;
  now?: () => Date;
}

class ObotUnreachable extends Error {}

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_REFRESH_RETRY_MS = 30_000;
/** A sync Obot has not finished after this many polls is left to the next ensure pass to read back. */
const MAX_SYNC_POLLS = 60;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ObotLink {
  private status: ObotLinkStatus;
  private servers: ObotServerStatus[] = [];
  private readonly fetchImpl: typeof fetch;
  private running = false;
  private ensureTimer: NodeJS.Timeout | null = null;
  private ensureFailures = 0;
  private ensuring: Promise<void> | null = null;
  private nudgeTimer: NodeJS.Timeout | null = null;
  /** When the oldest change the next refresh carries happened. */
  private nudgeDueSince: number | null = null;
  private nudgeFailures = 0;
  private nudging = false;
  /** A snapshot changed the feed while a refresh was in flight: one more refresh after it. */
  private nudgeAgain = false;
  private lastFeedHash: string | null = null;
  /** The feed body Obot was last asked to read (so a read back that shows a difference asks at most once per body). */
  private refreshedHash: string | null = null;
  private readBackTimer: NodeJS.Timeout | null = null;
  refreshesRequested = 0;

  constructor(private readonly options: ObotLinkOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.status = { ...LINK_OFF.link, url: options.config.url, feedUrl: options.config.feedUrl, state: "unreachable", syncError: "not checked yet" };
  }

  private now() {
    return this.options.now?.() ?? new Date();
  }

  private log(text: string) {
    (this.options.log ?? ((m) => console.log(`[opencrane] obot link: ${m}`)))(text);
  }

  view(): ObotLinkView {
    return { link: { ...this.status }, servers: this.servers.map((s) => ({ ...s })) };
  }

  /** Ensures at once, then every OPENCRANE_OBOT_ENSURE_SECONDS (sooner, with backoff, while Obot is unreachable). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const snapshot = this.options.current();
    if (snapshot) this.lastFeedHash = snapshot.obotFeed.hash;
    this.scheduleEnsure(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of [this.ensureTimer, this.nudgeTimer, this.readBackTimer]) if (timer) clearTimeout(timer);
    this.ensureTimer = this.nudgeTimer = this.readBackTimer = null;
    await this.ensuring?.catch(() => undefined);
  }

  /** The snapshot store built a snapshot: a changed feed body makes a refresh due. Never waits on Obot. */
  snapshotBuilt(snapshot: CatalogSnapshot): void {
    const hash = snapshot.obotFeed.hash;
    if (hash === this.lastFeedHash) return;
    const first = this.lastFeedHash === null;
    this.lastFeedHash = hash;
    if (!first && this.running) this.scheduleNudge(this.options.debounceMs ?? 1000);
  }

  private scheduleEnsure(delayMs: number) {
    if (!this.running) return;
    if (this.ensureTimer) clearTimeout(this.ensureTimer);
    this.ensureTimer = setTimeout(() => {
      this.ensureTimer = null;
      void this.ensure().finally(() => {
        const base = this.options.retryBaseMs ?? 1000;
        const interval = this.options.config.ensureMs;
        this.scheduleEnsure(this.ensureFailures === 0 ? interval : Math.min(interval, base * 2 ** (this.ensureFailures - 1)));
      });
    }, delayMs);
    this.ensureTimer.unref();
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.options.config.url}${path}`, {
        method,
        headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: "error",
      });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      throw new ObotUnreachable(`${method} ${path}: ${message(error)}${cause ? ` (${message(cause)})` : ""}`);
    }
    const text = await response.text().catch(() => "");
    if (!response.ok) throw new ObotUnreachable(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ObotUnreachable(`${method} ${path} answered something that is not JSON`);
    }
  }

  /** One ensure pass: the feed among the sources (put back and audited when missing), then a read back. */
  ensure(): Promise<void> {
    this.ensuring ??= this.ensureOnce().finally(() => {
      this.ensuring = null;
    });
    return this.ensuring;
  }

  private async ensureOnce(): Promise<void> {
    const { feedUrl } = this.options.config;
    try {
      const catalog = (await this.call("GET", "/api/mcp-catalogs/default")) as ObotCatalog;
      const plan = planEnsure(catalog, feedUrl, this.options.token);
      if (plan) {
        const { update, reason } = plan;
        await this.call("PUT", "/api/mcp-catalogs/default", update);
        await recordAudit(this.options.db, SYSTEM, {
          action: reason === "source-missing" ? "obot.catalog_source_restore" : "obot.catalog_credential_restore",
          entityType: "obot_catalog",
          entityId: catalog.id ?? "default",
          before: { sourceURLs: catalog.sourceURLs ?? [] },
          after: { sourceURLs: update.sourceURLs, credential: this.options.token ? "OBOT_REGISTRY_TOKEN" : null },
        }).catch((error) => this.log(`could not audit the restored source: ${message(error)}`));
        this.log(
          reason === "source-missing" ? `put ${feedUrl} back among Obot's catalog sources` : `set OBOT_REGISTRY_TOKEN as the credential of ${feedUrl} in Obot`,
        );
        this.options.events?.sourceRestored?.();
        // A restored source is read at Obot's next sync: ask for it now.
        this.scheduleNudge(0);
      }
      this.status.lastEnsuredAt = this.now().toISOString();
      await this.readBackNow();
      this.ensureFailures = 0;
    } catch (error) {
      this.ensureFailures += 1;
      this.markUnreachable(error);
    }
  }

  private markUnreachable(error: unknown) {
    if (!(error instanceof ObotUnreachable)) this.log(`unexpected: ${message(error)}`);
    const was = this.status.state;
    this.status.state = "unreachable";
    this.status.syncError = `Obot unreachable: ${message(error)}`;
    if (was !== "unreachable") this.log(this.status.syncError);
    this.options.events?.statusChanged?.(this.view());
  }

  /** Reads Obot's sync state and entries and compares them with the feed being served. */
  private async readBackNow(): Promise<void> {
    const { feedUrl } = this.options.config;
    const catalog = (await this.call("GET", "/api/mcp-catalogs/default")) as ObotCatalog;
    const entries = (await this.call("GET", "/api/mcp-catalogs/default/entries?all=true")) as { items?: ObotCatalogEntry[] | null } | null;
    const snapshot = this.options.current();
    const feed: ObotEntry[] = snapshot ? (JSON.parse(Buffer.from(await snapshot.obotFeed.bytes("identity")).toString("utf8")) as ObotEntry[]) : [];
    const syncError = syncErrorFor(catalog, feedUrl);
    const lastSynced = catalog.lastSynced && !catalog.lastSynced.startsWith("0001-") ? catalog.lastSynced : null;
    this.status = {
      ...this.status,
      state: "ok",
      lastSynced,
      isSyncing: catalog.isSyncing === true,
      syncError,
    };
    this.servers = snapshot ? compareWithObot(feed, entries?.items ?? [], feedUrl, syncError) : this.servers;
    this.options.events?.statusChanged?.(this.view());
    // Obot holds something other than the feed and was not asked to re-read this body yet (a
    // change while the link was down, or before this replica started): ask once.
    const behind = this.servers.some((s) => s.state === "missing" || s.state === "outdated");
    // A refresh already due (a burst of writes being debounced) carries this body too.
    const refreshDue = this.nudgeTimer !== null || this.nudging;
    if (snapshot && behind && !refreshDue && !this.status.isSyncing && this.refreshedHash !== snapshot.obotFeed.hash) this.scheduleNudge(0);
  }

  /** A trailing debounce with a ceiling: a burst of writes is one refresh, a steady stream one per maxWaitMs. */
  private scheduleNudge(delayMs: number) {
    if (!this.running) return;
    if (this.nudging) {
      this.nudgeAgain = true;
      return;
    }
    const now = Date.now();
    this.nudgeDueSince ??= now;
    const ceiling = this.nudgeDueSince + (this.options.maxWaitMs ?? 5000);
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(
      () => {
        this.nudgeTimer = null;
        this.nudgeDueSince = null;
        void this.nudge();
      },
      Math.max(0, Math.min(delayMs, ceiling - now)),
    );
    this.nudgeTimer.unref();
  }

  private async nudge(): Promise<void> {
    this.nudging = true;
    this.nudgeAgain = false;
    const hash = this.options.current()?.obotFeed.hash ?? null;
    const requestedAt = this.now();
    try {
      await this.call("POST", "/api/mcp-catalogs/default/refresh");
      this.refreshesRequested += 1;
      this.nudgeFailures = 0;
      this.refreshedHash = hash;
      this.status.lastRefreshRequestedAt = requestedAt.toISOString();
      this.options.events?.refreshRequested?.("ok");
      this.nudging = false;
      this.followSync(0);
      if (this.nudgeAgain) this.scheduleNudge(this.options.debounceMs ?? 1000);
    } catch (error) {
      this.nudging = false;
      this.nudgeFailures += 1;
      this.options.events?.refreshRequested?.("error");
      this.markUnreachable(error);
      const base = this.options.retryBaseMs ?? 1000;
      this.scheduleNudge(Math.min(MAX_REFRESH_RETRY_MS, base * 2 ** (this.nudgeFailures - 1)));
    }
  }

  /** After a refresh: read back once Obot's sync is over, so the states follow within seconds. */
  private followSync(polls: number) {
    if (!this.running) return;
    if (this.readBackTimer) clearTimeout(this.readBackTimer);
    this.readBackTimer = setTimeout(() => {
      this.readBackTimer = null;
      void this.readBackNow()
        .then(() => {
          if (this.status.isSyncing && polls < MAX_SYNC_POLLS) this.followSync(polls + 1);
        })
        .catch((error) => this.markUnreachable(error));
    }, this.options.syncPollMs ?? 1000);
    this.readBackTimer.unref();
  }
}
