import { catalogStats } from "../../catalog/servers";
import { OBOT_FEED } from "../../fetch-log/fetch-log";
import { router, viewerProcedure } from "../init";

export const dashboardRouter = router({
  summary: viewerProcedure.query(async ({ ctx }) => {
    const { services } = ctx;
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
  }),
});
