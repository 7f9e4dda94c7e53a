import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one services instance (its own registry, so tests can build several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "opencrane_" });
  return {
    registry,
    feedRequests: new Counter({
      name: "opencrane_feed_requests_total",
      help: "Feed requests by feed and HTTP status",
      labelNames: ["feed", "status"] as const,
      registers: [registry],
    }),
    feedLatency: new Histogram({
      name: "opencrane_feed_request_duration_seconds",
      help: "Time to answer a feed request, by feed",
      labelNames: ["feed"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
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
    snapshotBuilds: new Counter({
      name: "opencrane_snapshot_builds_total",
      help: "Snapshot builds by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    snapshotActiveServers: new Gauge({
      name: "opencrane_snapshot_active_servers",
      help: "Active servers in the snapshot being served",
      registers: [registry],
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
    obotLastFetch: new Gauge({
      name: "opencrane_obot_last_fetch_timestamp_seconds",
      help: "Unix time of the last Obot catalog fetch seen by this replica",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
