import { obotStatusUseCase } from "../application/obot";
import { obotStatusResource } from "../obot/status";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

export const obotRoutes: RestRoute[] = [
  useCaseRoute(obotStatusUseCase, {
    method: "GET",
    path: "/api/v1/obot",
    summary: "The Obot link and drift repair",
    description:
      "Whether the feed is among Obot's catalog sources and Obot reaches it, what Obot holds of each active server compared with the feed (in-obot, missing, outdated, error), and whether Obot's Deployment env is as intended. As the answering replica last saw it: the link reads Obot back every OPENCRANE_OBOT_ENSURE_SECONDS and after each refresh it asks for.",
    response: { status: 200, description: "The link, per-server states and drift repair", schema: obotStatusResource },
  }),
];
