/** The console's front page: catalog counts, the served snapshot and Obot's last fetch of the feed. */
import { z } from "zod";
import { catalogStats } from "../catalog/servers";
import { OBOT_FEED } from "../fetch-log/fetch-log";
import { useCase } from "./use-case";

export const dashboardSummary = useCase({
  name: "dashboard.summary",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: async ({ services }) => {
    const [stats, lastObotFetch] = await Promise.all([catalogStats(services.db), services.fetches.latest(OBOT_FEED)]);
    const snapshot = services.snapshots.current;
    return {
      stats,
      lastObotFetch: lastObotFetch && { ...lastObotFetch, at: lastObotFetch.at.toISOString() },
      snapshot: snapshot && {
        revision: snapshot.revision,
        builtAt: snapshot.builtAt.toISOString(),
        buildMs: Math.round(snapshot.buildMs),
        activeServers: snapshot.activeServers,
        obotFeedBytes: snapshot.obotFeed.identity.length,
      },
      database: services.database.kind,
      /** Where machines should poll the feeds: the internal port, when it listens. */
      internalPort: services.config.internalListener?.port ?? null,
    };
  },
});
