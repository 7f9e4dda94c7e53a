import { CATALOG_CHANNEL, currentCatalogRevision } from "./audit/audit";
import { SignInThrottle } from "./auth/local";
import { pruneSessions } from "./auth/sessions";
import { TenantAuthenticator } from "./policy/tenant-auth";
import { AllowList } from "./ingest/fetch";
import type { PipelineDeps } from "./ingest/pipeline";
import { IngestionWorker } from "./ingest/worker";
import { ToolDiscoveryScheduler } from "./tools/scheduler";
import type { Config } from "./config";
import type { Database, Db } from "./db/client";
import { FetchRecorder, reportingHooks } from "./fetch-log/fetch-log";
import { lendPreviewBase } from "./policy/preview";
import { CatalogMirror, pruneCatalogChanges } from "./snapshot/catalog-mirror";
import { settleSnapshotParts } from "./snapshot/contract-revisions";
import { ContractBodyCache } from "./snapshot/contract-cache";
import { SnapshotStore } from "./snapshot/store";
import { createMetrics, type Metrics } from "./metrics";
import type { ObotLinkOptions } from "./obot/link";
import type { DriftRepairerOptions } from "./obot/drift";
import { createDriftRepairer, createObotLink, type DriftRepairer, type ObotLink } from "./obot/wiring";

/** The long-lived parts of a running control plane, built once per process (or per test). */
export interface Services {
  config: Config;
  database: Database;
  db: Db;
  snapshots: SnapshotStore;
  /** The rows the snapshots are built from, kept between builds (forks of it load a transaction's view). */
  catalog: CatalogMirror;
  /** Rendered contract bodies, across snapshots, bounded by OPENCRANE_CONTRACT_CACHE_MB. */
  contractBodies: ContractBodyCache;
  fetches: FetchRecorder;
  metrics: Metrics;
  signInThrottle: SignInThrottle;
  tenantAuth: TenantAuthenticator;
  ingestion: IngestionWorker;
  ingestionDeps: PipelineDeps;
  /** Scheduled re-discovery of tools; idle when OPENCRANE_TOOL_DISCOVERY_MINUTES is 0 or without background work. */
  toolDiscovery: ToolDiscoveryScheduler;
  /** The Obot link; null when OPENCRANE_OBOT_URL / OPENCRANE_OBOT_FEED_URL are unset. */
  obotLink: ObotLink | null;
  /** Drift repair of Obot's Deployment; null when OPENCRANE_OBOT_DEPLOYMENT is unset. */
  obotDrift: DriftRepairer | null;
  startedAt: Date;
  close(): Promise<void>;
}

export interface StartOptions {
  migrate?: boolean;
  /** Background work (NOTIFY listener, revision polling, fetch-log flushing); tests turn it off. */
  background?: boolean;
  /** Fail startup when the first snapshot cannot be built. */
  requireSnapshot?: boolean;
  /** Timings of the Obot link (tests shorten them). */
  obotLink?: Partial<ObotLinkOptions>;
  /** Drift repair's Kubernetes client and timings (tests use a stand-in API). */
  obotDrift?: Partial<DriftRepairerOptions>;
  /** The tenant authenticator's clock (epoch ms); tests move it forward to age cached credentials. */
  tenantAuthClock?: () => number;
}

export async function startServices(config: Config, database: Database, options: StartOptions = {}): Promise<Services> {
  const { migrate = true, background = true, requireSnapshot = true } = options;
  if (migrate) await database.migrate();
  const db = database.db;
  const metrics = createMetrics({ databaseReachable: () => database.breaker?.state !== "open" });
  const tenantAuth = new TenantAuthenticator(db, config.tenantAuth, options.tenantAuthClock);
  let obotLink: ObotLink | null = null;
  const catalog = new CatalogMirror();
  const snapshots = new SnapshotStore({
    loadRevision: () => currentCatalogRevision(db),
    loadState: async () => {
      const before = { ...catalog.loads };
      const state = await catalog.load(db);
      for (const kind of ["full", "delta"] as const) if (catalog.loads[kind] > before[kind]) metrics.snapshotLoads.inc({ kind });
      return state;
    },
    settleContractRevisions: (parts, previous) => settleSnapshotParts(db, parts, previous),
    onBuilt: (snapshot) => {
      metrics.snapshotRevision.set(snapshot.revision);
      metrics.snapshotBuildSeconds.set(snapshot.buildMs / 1000);
      for (const [phase, ms] of Object.entries(snapshot.buildPhases ?? {})) {
        metrics.snapshotBuildPhaseSeconds.set({ phase }, ms / 1000);
        metrics.snapshotBuildPhaseDuration.observe({ phase }, ms / 1000);
      }
      metrics.snapshotBuildLongestSliceSeconds.set((snapshot.longestSliceMs ?? 0) / 1000);
      metrics.snapshotActiveServers.set(snapshot.activeServers);
      metrics.snapshotBuilds.inc({ result: "ok" });
      // A walk of every remembered token: only when a tenant may have been deleted.
      if (snapshot.tenantsMayBeGone) tenantAuth.forgetTenantTokensExcept(snapshot.tenants);
      obotLink?.snapshotBuilt(snapshot);
    },
    onError: () => metrics.snapshotBuilds.inc({ result: "error" }),
  });
  // Impact previews read only what changed, from this mirror, and compile from the served policy.
  lendPreviewBase(db, { fork: () => catalog.fork(), policy: () => snapshots.current?.policy ?? null });
  const fetches = new FetchRecorder(db, reportingHooks(metrics));
  const contractBodies = new ContractBodyCache(config.contractCacheBytes);
  metrics.observeContractCache(contractBodies);
  obotLink = createObotLink(config, db, metrics, () => snapshots.current, options.obotLink);
  const obotDrift = createDriftRepairer(config, db, metrics, database.kind === "postgres", options.obotDrift);

  try {
    await snapshots.refresh();
  } catch (error) {
    if (requireSnapshot) throw error;
  }

  const ingestionDeps: PipelineDeps = { allow: new AllowList(config.ingest.fetchAllowHosts), denylist: config.ingest.denylistedNamespaces };
  const ingestion = new IngestionWorker(db, ingestionDeps, { soleProcess: database.kind === "pglite", log: (m) => console.log(`[opencrane] ${m}`) });
  if (background) await ingestion.start();
  const toolDiscovery = new ToolDiscoveryScheduler(
    db,
    { allow: ingestionDeps.allow, timeoutMs: config.toolDiscovery?.timeoutMs },
    config.toolDiscovery?.intervalMs ?? 0,
    (m) => console.log(`[opencrane] ${m}`),
  );
  if (background) toolDiscovery.start();

  let unlisten: (() => Promise<void>) | null = null;
  let housekeeping: NodeJS.Timeout | null = null;
  if (background) {
    const policy = { idleMs: config.auth.sessionIdleMs, maxMs: config.auth.sessionMaxMs };
    housekeeping = setInterval(() => {
      void pruneSessions(db, policy).catch(() => undefined);
      void pruneCatalogChanges(db).catch(() => undefined);
    }, 10 * 60_000);
    housekeeping.unref();
    unlisten = await database.listen(
      CATALOG_CHANNEL,
      (payload) => snapshots.notified(Number(payload)),
      // Notifications sent while the listener was disconnected are lost: on every (re)connect,
      // check the revision rather than wait for the periodic poll. The listener can be back before
      // the breaker's next probe, so probe first: a check refused by an open breaker would be lost.
      () => void (database.breaker?.probe() ?? Promise.resolve()).then(() => snapshots.refreshIfStale()),
    );
    snapshots.startPolling(config.snapshotPollMs);
    fetches.start(config.fetchLogFlushMs);
    obotLink?.start();
    obotDrift?.start();
  }

  return {
    config,
    database,
    db,
    snapshots,
    catalog,
    contractBodies,
    fetches,
    metrics,
    signInThrottle: new SignInThrottle(),
    tenantAuth,
    ingestion,
    ingestionDeps,
    toolDiscovery,
    obotLink,
    obotDrift,
    startedAt: new Date(),
    async close() {
      await ingestion.stop();
      await toolDiscovery.stop();
      await obotLink?.stop();
      await obotDrift?.stop();
      if (housekeeping) clearInterval(housekeeping);
      snapshots.stopPolling();
      fetches.stop();
      await fetches.flush().catch(() => undefined);
      await unlisten?.().catch(() => undefined);
      await database.close();
    },
  };
}
