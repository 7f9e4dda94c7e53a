import type { Config } from "../config";
import type { Db } from "../db/client";
import type { CatalogSnapshot } from "../snapshot/snapshot";
import type { Metrics } from "../metrics";
import { DriftRepairer, type DriftRepairerOptions } from "./drift";
import { KubernetesClient } from "./kubernetes";
import { ObotLink, type ObotLinkOptions } from "./link";

export { DriftRepairer, ObotLink };

const SERVER_STATES = ["in-obot", "missing", "outdated", "error"] as const;

/** The link of a running control plane, reporting to its metrics; null when the link is off. */
export function createObotLink(
  config: Config,
  db: Db,
  metrics: Metrics,
  current: () => CatalogSnapshot | null,
  overrides: Partial<ObotLinkOptions> = {},
): ObotLink | null {
  if (!config.obot) return null;
  return new ObotLink({
    config: config.obot,
    token: config.obotRegistryToken,
    db,
    current,
    events: {
      refreshRequested: (result) => metrics.obotRefreshRequests.inc({ result }),
      sourceRestored: () => metrics.obotSourceRestores.inc(),
      statusChanged: (view) => {
        metrics.obotLinkUp.set(view.link.state === "ok" ? 1 : 0);
        if (view.link.lastSynced) {
          metrics.obotLastSynced.set(Date.parse(view.link.lastSynced) / 1000);
          metrics.obotSync.lastSyncedMs = Date.parse(view.link.lastSynced);
        }
        for (const state of SERVER_STATES) metrics.obotServers.set({ state }, view.servers.filter((s) => s.state === state).length);
      },
    },
    ...overrides,
  });
}

const DRIFT_VARIABLE_STATES = ["in-line", "drifted", "missing", "set-elsewhere"] as const;

/** Drift repair of a running control plane, reporting to its metrics; null when it is off. */
export function createDriftRepairer(
  config: Config,
  db: Db,
  metrics: Metrics,
  lock: boolean,
  overrides: Partial<DriftRepairerOptions> = {},
): DriftRepairer | null {
  const drift = config.obotDrift;
  if (!drift || drift.mode === "off") return null;
  return new DriftRepairer({
    config: drift,
    db,
    lock,
    kubernetes: overrides.kubernetes ?? new KubernetesClient({ apiUrl: drift.kubernetesApiUrl, token: drift.kubernetesToken }),
    log: (m) => console.log(`[opencrane] obot drift: ${m}`),
    events: {
      repaired: (result) => metrics.obotDriftRepairs.inc({ result }),
      checked: (view) => {
        const stateOf = (action: string) =>
          action === "none" || action === "patched" || action === "added"
            ? "in-line"
            : action === "set-elsewhere"
              ? "set-elsewhere"
              : action === "would-add"
                ? "missing"
                : "drifted";
        for (const state of DRIFT_VARIABLE_STATES) metrics.obotDriftVariables.set({ state }, view.variables.filter((v) => stateOf(v.action) === state).length);
      },
    },
    ...overrides,
  });
}
