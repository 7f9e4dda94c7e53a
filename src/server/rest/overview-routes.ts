/** What the console's front page shows: the dashboard, catalog counts and the demo catalog. */
import * as catalog from "../application/catalog";
import { dashboardSummary } from "../application/dashboard";
import { catalogStatsResource, dashboardResource, demoLoadResource, demoStateResource } from "./admin-resources";
import { json } from "./http";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

export const overviewRoutes: RestRoute[] = [
  useCaseRoute(dashboardSummary, {
    method: "GET",
    path: "/api/v1/dashboard",
    summary: "Catalog counts, the snapshot this replica serves, and Obot's last fetch of the feed",
    response: { status: 200, description: "The dashboard", schema: dashboardResource },
  }),
  useCaseRoute(catalog.catalogStatsUseCase, {
    method: "GET",
    path: "/api/v1/catalog/stats",
    summary: "Servers per status and runtime, and the categories in use",
    response: { status: 200, description: "The counts", schema: catalogStatsResource },
  }),
  useCaseRoute(catalog.demoLoadedUseCase, {
    method: "GET",
    path: "/api/v1/catalog/demo",
    summary: "Whether the demo catalog is loaded",
    response: { status: 200, description: "Whether any demo server exists", schema: demoStateResource },
    respond: (loaded) => json({ loaded }),
  }),
  useCaseRoute(catalog.loadDemoUseCase, {
    method: "POST",
    path: "/api/v1/catalog/demo",
    summary: "Load the demo catalog: example servers in every status",
    description: "Servers of the demo catalog that already exist are skipped, never changed.",
    response: { status: 200, description: "What was created and skipped", schema: demoLoadResource },
  }),
];
