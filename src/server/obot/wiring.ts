import type { Config } from "../config";
import type { Db } from "../db/client";
import type { CatalogSnapshot } from "../feeds/snapshot";
import type { Metrics } from "../metrics";
import { ObotLink, type ObotLinkOptions } from "./link";

export { ObotLink };

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
        if (view.link.lastSynced) metrics.obotLastSynced.set(Date.parse(view.link.lastSynced) / 1000);
        for (const state of SERVER_STATES) metrics.obotServers.set({ state }, view.servers.filter((s) => s.state === state).length);
      },
    },
    ...overrides,
  });
}
