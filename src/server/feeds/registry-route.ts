/**
 * GET /api/internal/obot-registry/v0.1/servers (+ /{name}/versions, /{name}/versions/{version}):
 * the active catalog in the official MCP Registry API format, from the snapshot.
 */
import { catalogNameOf, registryPage } from "../formats/registry-view";
import type { Services } from "../services";
import { bodyAnswer, fromWebRequest, jsonAnswer, toWebResponse, type Answer, type FeedRequest } from "./answer";
import { bearerMatches, feedUnavailable } from "./obot-route";
import { registryBody, registryViewOf } from "../snapshot/snapshot";

export const REGISTRY_PREFIX = "/api/internal/obot-registry/v0.1";

const problem = (status: number, message: string) =>
  jsonAnswer(status, { error: { code: status === 404 ? "NOT_FOUND" : "BAD_REQUEST", message, details: {} } });

/** `rest` is the path after /v0.1, e.g. "/servers" or "/servers/local.opencrane%2Fgithub/versions/latest". */
export function serveRegistry(services: Services, request: FeedRequest, rest: string, query: URLSearchParams, negotiate: false): Answer;
export function serveRegistry(services: Services, request: FeedRequest, rest: string, query: URLSearchParams, negotiate: boolean): Answer | Promise<Answer>;
export function serveRegistry(services: Services, request: FeedRequest, rest: string, query: URLSearchParams, negotiate: boolean): Answer | Promise<Answer> {
  const started = performance.now();
  const answer = registryAnswer(services, request, rest, query, negotiate);
  if (answer instanceof Promise) return answer.then((done) => recordRegistryFetch(services, started, done));
  return recordRegistryFetch(services, started, answer);
}

// As the other feeds: a function of its own, so a poll answered at once makes no closure.
function recordRegistryFetch(services: Services, started: number, answer: Answer): Answer {
  services.metrics.feeds.record("registry", answer.status, (performance.now() - started) / 1000);
  return answer;
}

function registryAnswer(services: Services, request: FeedRequest, rest: string, query: URLSearchParams, negotiate: boolean): Answer | Promise<Answer> {
  const token = services.config.obotRegistryToken;
  if (token && !bearerMatches(request.header("authorization"), token)) {
    return jsonAnswer(
      401,
      { error: { code: "UNAUTHORIZED", message: "this feed requires Authorization: Bearer <OBOT_REGISTRY_TOKEN>", details: {} } },
      { "WWW-Authenticate": 'Bearer realm="obot-registry"' },
    );
  }
  const snapshot = services.snapshots.current;
  if (!snapshot) return feedUnavailable(`the catalog snapshot could not be built (${services.snapshots.lastError?.message ?? "database unreachable"})`);
  const { entries, excluded } = registryViewOf(snapshot, services.config.registryNamespace);
  // The answer is a function of the snapshot and the request, so it is encoded once per both.
  const key = `${rest}?${query.toString()}`;
  const send = (value: unknown) =>
    bodyAnswer(
      request,
      registryBody(snapshot, key, () => JSON.stringify(value)),
      {
        contentType: "application/json",
        headers: { "X-OpenCrane-Revision": String(snapshot.revision) },
        negotiate,
      },
    );

  if (rest === "/servers" || rest === "/servers/") {
    const limit = query.get("limit");
    const since = query.get("updated_since");
    const cursor = query.get("cursor");
    if (limit !== null && !/^\d+$/.test(limit)) return problem(400, "limit must be a whole number from 1 to 100");
    if (since !== null && Number.isNaN(Date.parse(since))) return problem(400, "updated_since must be an RFC 3339 date-time");
    if (cursor !== null && !/^[A-Za-z0-9_-]+$/.test(cursor)) return problem(400, "cursor is not one this registry issued");
    // Only the current version of each server is served, so it is also the latest.
    const version = query.get("version");
    const selected = version && version !== "latest" ? entries.filter((e) => e.response.server.version === version) : entries;
    const page = registryPage(selected, {
      cursor,
      limit: limit ? Number(limit) : undefined,
      search: query.get("search"),
      updatedSince: since ? new Date(since) : null,
    });
    // Active servers with no valid server.json are left out, never silently: they are counted.
    return send({ ...page, metadata: { ...page.metadata, excluded: excluded.length } });
  }

  const match = /^\/servers\/([^/]+)\/versions(?:\/([^/]+))?\/?$/.exec(rest);
  if (!match) return problem(404, `no such registry endpoint: ${rest}`);
  const name = decodeOrNull(match[1]!);
  if (name === null) return problem(400, `'${match[1]}' is not valid percent-encoding (UTF-8)`);
  const entry = entries.find((e) => e.name === name);
  if (!entry || !catalogNameOf(services.config.registryNamespace, name)) {
    const left = excluded.find((e) => e.registryName === name);
    if (left) return problem(404, `server '${name}' is active but not in this view: ${left.reasons.join("; ")}`);
    return problem(404, `server '${name}' is not in this registry (it may not be active)`);
  }
  if (match[2] === undefined) return send({ servers: [entry.response], metadata: { count: 1 } });
  const version = decodeOrNull(match[2]);
  if (version === null) return problem(400, `'${match[2]}' is not valid percent-encoding (UTF-8)`);
  if (version !== "latest" && version !== entry.response.server.version) {
    return problem(404, `server '${name}' has no version ${version}; this registry serves only the current one (${String(entry.response.server.version)})`);
  }
  return send(entry.response);
}

function decodeOrNull(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function registryResponse(services: Services, request: Request): Response {
  const url = new URL(request.url);
  const rest = url.pathname.slice(url.pathname.indexOf("/v0.1") + "/v0.1".length);
  return toWebResponse(serveRegistry(services, fromWebRequest(request, services.config.trustedProxies), rest, url.searchParams, false));
}
