import { OBOT_FEED } from "../fetch-log/fetch-log";
import type { Services } from "../services";
import { bearerMatches } from "./bearer";
import { bodyAnswer, fromWebRequest, jsonAnswer, toWebResponse, type Answer, type FeedRequest } from "./answer";

export { bearerMatches };

export function feedUnavailable(reason: string): Answer {
  return jsonAnswer(
    503,
    { error: { code: "UNAVAILABLE", message: `catalog not available: ${reason}`, details: {} } },
    { "Retry-After": "5", "Cache-Control": "no-store" },
  );
}

/**
 * GET /api/internal/obot-registry. Obot prunes entries missing from a 200 answer, so every
 * failure is a non-200: never an empty or partial list. Synchronous without negotiation (identity).
 */
export function serveObotFeed(services: Services, request: FeedRequest, negotiate: false): Answer;
export function serveObotFeed(services: Services, request: FeedRequest, negotiate: boolean): Answer | Promise<Answer>;
export function serveObotFeed(services: Services, request: FeedRequest, negotiate: boolean): Answer | Promise<Answer> {
  const started = performance.now();
  const answer = obotFeedAnswer(services, request, negotiate);
  if (answer instanceof Promise) return answer.then((done) => recordObotFetch(services, request, started, done));
  return recordObotFetch(services, request, started, answer);
}

// A function of its own, not a closure in serveObotFeed: a poll allocates as little as it can.
function recordObotFetch(services: Services, request: FeedRequest, started: number, answer: Answer): Answer {
  const now = Date.now();
  services.fetches.record(OBOT_FEED, request.header("user-agent"), answer.status, request.remoteAddr, now);
  services.metrics.feeds.record(OBOT_FEED, answer.status, (performance.now() - started) / 1000);
  if (answer.status === 200 || answer.status === 304) services.metrics.obotFetch.lastAtMs = now;
  return answer;
}

function obotFeedAnswer(services: Services, request: FeedRequest, negotiate: boolean): Answer | Promise<Answer> {
  const token = services.config.obotRegistryToken;
  if (token && !bearerMatches(request.header("authorization"), token)) {
    return jsonAnswer(
      401,
      { error: { code: "UNAUTHORIZED", message: "this feed requires Authorization: Bearer <OBOT_REGISTRY_TOKEN>", details: {} } },
      { "WWW-Authenticate": 'Bearer realm="obot-registry"' },
    );
  }
  const snapshot = services.snapshots.current;
  return snapshot
    ? bodyAnswer(request, snapshot.obotFeed, {
        contentType: "application/json",
        headers: { "X-OpenCrane-Revision": String(snapshot.revision) },
        negotiate,
      })
    : feedUnavailable(`the catalog snapshot could not be built (${services.snapshots.lastError?.message ?? "database unreachable"})`);
}

/** The Next.js route handler's view: identity bytes (Next compresses), as a web Response. */
export function obotFeedResponse(services: Services, request: Request): Response {
  return toWebResponse(serveObotFeed(services, fromWebRequest(request, services.config.trustedProxies), false));
}
