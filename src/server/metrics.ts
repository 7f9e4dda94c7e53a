import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { FeedRequestTally } from "./feed-metrics";

/** What the metrics read of the contract body cache. */
export interface ContractCacheFigures {
  readonly bytes: number;
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

export interface MetricSources {
  /** False while the database breaker is open (Postgres unreachable). */
  databaseReachable?: () => boolean;
}

/** Prometheus metrics of one services instance (its own registry, so tests can build several). */
export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  /** Obot's last sync (ms since the epoch) as the link last read it back; the age gauge is computed at scrape time. */
  const obotSync = { lastSyncedMs: null as number | null };
  /** The contract body cache whose figures are read at scrape time (observeContractCache). */
  let contractCache: ContractCacheFigures | null = null;
  /** Counters only go up: each scrape adds what the cache counted since the last one. */
  const counted = { hits: 0, misses: 0, evictions: 0 };
  const countSince = (counter: Counter, key: keyof typeof counted) => {
    if (!contractCache) return;
    counter.inc(contractCache[key] - counted[key]);
    counted[key] = contractCache[key];
  };
  collectDefaultMetrics({ register: registry, prefix: "opencrane_" });
  const feeds = new FeedRequestTally();
  feeds.register(registry);
  /** When this replica last answered Obot's feed request with the catalog (200 or 304), ms since the epoch. */
  const obotFetch = { lastAtMs: null as number | null };
  return {
    registry,
    observeContractCache(cache: ContractCacheFigures) {
      contractCache = cache;
    },
    contractCacheBytes: new Gauge({
      name: "opencrane_contract_cache_bytes",
      help: "Bytes of rendered contract bodies held (identity and compressed forms), bounded by OPENCRANE_CONTRACT_CACHE_MB",
      registers: [registry],
      collect() {
        if (contractCache) this.set(contractCache.bytes);
      },
    }),
    contractCacheEntries: new Gauge({
      name: "opencrane_contract_cache_entries",
      help: "Tenants whose rendered contract body is held",
      registers: [registry],
      collect() {
        if (contractCache) this.set(contractCache.size);
      },
    }),
    contractCacheHits: new Counter({
      name: "opencrane_contract_cache_hits_total",
      help: "Contract bodies answered from the cache (304s need no body and are not counted)",
      registers: [registry],
      collect() {
        countSince(this, "hits");
      },
    }),
    contractCacheMisses: new Counter({
      name: "opencrane_contract_cache_misses_total",
      help: "Contract bodies rendered because the cache did not hold them at the tenant's fingerprint and revision",
      registers: [registry],
      collect() {
        countSince(this, "misses");
      },
    }),
    contractCacheEvictions: new Counter({
      name: "opencrane_contract_cache_evictions_total",
      help: "Contract bodies dropped to stay within OPENCRANE_CONTRACT_CACHE_MB",
      registers: [registry],
      collect() {
        countSince(this, "evictions");
      },
    }),
    /** Feed answers by status and their latency (see FeedRequestTally: counted without prom-client on the request path). */
    feeds,
    internalServer: new Gauge({
      name: "opencrane_internal_server_info",
      help: "What serves the internal port (OPENCRANE_INTERNAL_SERVER): 1 for the implementation running, thread, lean or node (thread asked for but lean running: the poll thread did not start; node running where thread or lean was asked for: this Node did not offer its HTTP parser)",
      labelNames: ["implementation"],
      registers: [registry],
    }),
    pollThreadHeapBytes: new Gauge({
      name: "opencrane_poll_thread_heap_bytes",
      help: "The internal port's poll thread's JavaScript heap (OPENCRANE_INTERNAL_SERVER=thread), reported every few seconds: used, and the limit it runs in",
      labelNames: ["kind"],
      registers: [registry],
    }),
    snapshotRevision: new Gauge({
      name: "opencrane_snapshot_revision",
      help: "Catalog revision of the snapshot being served",
      registers: [registry],
    }),
    snapshotBuildSeconds: new Gauge({
      name: "opencrane_snapshot_build_seconds",
      help: "Time the last snapshot build took",
      registers: [registry],
    }),
    snapshotBuildPhaseSeconds: new Gauge({
      name: "opencrane_snapshot_build_phase_seconds",
      help: "Time the last snapshot build spent per phase: load (reading changed rows), compute (compile, feed and contract fingerprints, on the event loop), settle (contract revisions)",
      labelNames: ["phase"] as const,
      registers: [registry],
    }),
    snapshotBuildPhaseDuration: new Histogram({
      name: "opencrane_snapshot_build_phase_duration_seconds",
      help: "Every snapshot build's time per phase (load, compute, settle), as a distribution: a write waits for one build, so under a burst of writes their sum is most of a write's latency",
      labelNames: ["phase"] as const,
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    snapshotBuildLongestSliceSeconds: new Gauge({
      name: "opencrane_snapshot_build_longest_slice_seconds",
      help: "The longest the last snapshot build held the event loop at once: what a feed request could have waited on it",
      registers: [registry],
    }),
    snapshotBuilds: new Counter({
      name: "opencrane_snapshot_builds_total",
      help: "Snapshot builds by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    snapshotLoads: new Counter({
      name: "opencrane_snapshot_loads_total",
      help: "Catalog loads for snapshot builds: only the changed rows (delta) or every row (full: start-up, a truncate, a large change, a long gap)",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    snapshotActiveServers: new Gauge({
      name: "opencrane_snapshot_active_servers",
      help: "Active servers in the snapshot being served",
      registers: [registry],
    }),
    obotLinkUp: new Gauge({
      name: "opencrane_obot_link_up",
      help: "1 when the Obot link reached Obot on its last try, 0 when Obot is unreachable (absent when the link is off)",
      registers: [registry],
    }),
    obotLastSynced: new Gauge({
      name: "opencrane_obot_last_synced_timestamp_seconds",
      help: "Unix time of Obot's last sync of its default catalog, as Obot reports it; the sync's age is time() minus this",
      registers: [registry],
    }),
    obotSync,
    obotLastSyncAge: new Gauge({
      name: "opencrane_obot_last_sync_age_seconds",
      help: "Seconds since Obot's last sync of its default catalog, as the link last read it back (absent before the first read back)",
      registers: [registry],
      collect() {
        if (obotSync.lastSyncedMs !== null) this.set((Date.now() - obotSync.lastSyncedMs) / 1000);
      },
    }),
    obotServers: new Gauge({
      name: "opencrane_obot_servers",
      help: "Active servers by how Obot holds them: in-obot, missing, outdated, error",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    obotRefreshRequests: new Counter({
      name: "opencrane_obot_refresh_requests_total",
      help: "Refreshes of Obot's default catalog asked for by the link, by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    obotSourceRestores: new Counter({
      name: "opencrane_obot_source_restores_total",
      help: "Times the link put the feed back among Obot's catalog sources",
      registers: [registry],
    }),
    obotDriftRepairs: new Counter({
      name: "opencrane_obot_drift_repairs_total",
      help: "Patches of Obot's Deployment env by drift repair, by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    obotDriftVariables: new Gauge({
      name: "opencrane_obot_drift_variables",
      help: "Managed variables of Obot's container by drift state: in-line, drifted, missing, set-elsewhere",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    databaseUp: new Gauge({
      name: "opencrane_database_up",
      help: "1 while the database is reachable, 0 while requests that need it fail fast with 503",
      registers: [registry],
      collect() {
        this.set(sources.databaseReachable?.() === false ? 0 : 1);
      },
    }),
    fetchLogFlushFailures: new Counter({
      name: "opencrane_fetch_log_flush_failures_total",
      help: "Failed writes of the feed fetch log (who polled which feed); alert when it keeps growing",
      registers: [registry],
    }),
    fetchLogDropped: new Counter({
      name: "opencrane_fetch_log_dropped_total",
      help: "Feed fetches never written to the fetch log (too many distinct fetchers between flushes, or their write kept failing)",
      registers: [registry],
    }),
    obotFetch,
    obotLastFetch: new Gauge({
      name: "opencrane_obot_last_fetch_timestamp_seconds",
      help: "Unix time of the last Obot catalog fetch seen by this replica",
      registers: [registry],
      collect() {
        if (obotFetch.lastAtMs !== null) this.set(obotFetch.lastAtMs / 1000);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
