/** The console's front page: catalog counts, the served snapshot and Obot's last fetch of the feed. */
import { z } from "zod";
import { catalogStats } from "../catalog/servers";
import { OBOT_FEED } from "../fetch-log/fetch-log";
import { policyCounts } from "../policy/store";
import { warningCount } from "./policy";
import { useCase } from "./use-case";

export const dashboardSummary = useCase({
  name: "dashboard.summary",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: async ({ services }) => {
    const [stats, lastObotFetch, policy] = await Promise.all([catalogStats(services.db), services.fetches.latest(OBOT_FEED), policyCounts(services.db)]);
    const snapshot = services.snapshots.current;
    return {
      stats,
      /** Tenants, groups and rules, and how many warnings the policy compiler has: the front page's counts, without the report. */
      policy: { ...policy, warnings: snapshot ? warningCount(snapshot.policy.report) : null },
      lastObotFetch: lastObotFetch && { ...lastObotFetch, at: lastObotFetch.at.toISOString() },
      snapshot: snapshot && {
        revision: snapshot.revision,
        builtAt: snapshot.builtAt.toISOString(),
        buildMs: Math.round(snapshot.buildMs),
        activeServers: snapshot.activeServers,
        obotFeedBytes: snapshot.obotFeed.size,
      },
      database: services.database.kind,
      /** Where machines should poll the feeds: the internal port, when it listens. */
      internalPort: services.config.internalListener?.port ?? null,
    };
  },
});
