/**
 * The internal port: a plain node:http listener in the same process that serves only what
 * machines poll (/api/internal/* and health), straight from the in-memory snapshot. It skips the
 * Next.js request pipeline, which costs far more than the feed itself, and it can serve the
 * precompressed bodies that Next.js route handlers cannot. A NetworkPolicy can also admit this
 * port from Obot and tenant pods without exposing the console, and vice versa.
 */
import http from "node:http";
import { exemptFromPeerStamp } from "../client-address";
import { healthz, metricsResponse, readyz } from "../health";
import type { Services } from "../services";
import { fromNodeRequest, jsonAnswer, writeNodeResponse, type Answer } from "./answer";
import { serveContract } from "./contract-route";
import { serveObotFeed } from "./obot-route";
import { REGISTRY_PREFIX, serveRegistry } from "./registry-route";

const CONTRACT_PREFIX = "/api/internal/contract/";

const NOT_HERE = jsonAnswer(404, {
  error: {
    code: "NOT_FOUND",
    message: "the internal port serves /api/internal/* and the health checks; the console and /api/v1 are on the main port",
    details: {},
  },
});

async function fromWeb(response: Response): Promise<Answer> {
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

/** Synchronous whenever the answer is (a 304, a body made already): a poll costs no promise. */
export function routeInternal(services: Services, request: http.IncomingMessage): Answer | Promise<Answer> {
  const url = request.url ?? "/";
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const method = request.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    return jsonAnswer(405, { error: { code: "METHOD_NOT_ALLOWED", message: `${method} is not allowed here`, details: {} } }, { Allow: "GET, HEAD" });
  }
  switch (path) {
    case "/api/internal/obot-registry":
      return serveObotFeed(services, fromNodeRequest(request, services.config.trustedProxies), true);
    case "/api/healthz":
      return fromWeb(healthz());
    case "/api/readyz":
      return readyz(services, null).then(fromWeb);
    case "/api/metrics":
      return metricsResponse(services).then(fromWeb);
  }
  if (path.startsWith(CONTRACT_PREFIX)) {
    const contract = /^\/api\/internal\/contract\/([^/]+)\/?$/.exec(path);
    if (!contract) return NOT_HERE;
    let tenant: string;
    try {
      tenant = decodeURIComponent(contract[1]!);
    } catch {
      return jsonAnswer(400, { error: { code: "BAD_REQUEST", message: `'${contract[1]}' is not valid percent-encoding (UTF-8)`, details: {} } });
    }
    return serveContract(services, fromNodeRequest(request, services.config.trustedProxies), tenant, true);
  }
  if (path.startsWith(`${REGISTRY_PREFIX}/`)) {
    const query = new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1));
    return serveRegistry(services, fromNodeRequest(request, services.config.trustedProxies), path.slice(REGISTRY_PREFIX.length), query, true);
  }
  return NOT_HERE;
}

const internalError = (error: unknown): Answer => {
  console.error("[opencrane] internal port:", error);
  return jsonAnswer(500, { error: { code: "INTERNAL", message: "internal error", details: {} } });
};

/** Answers one request of the internal port's paths; `headers` are added to every answer. */
export function serveMachineRequest(services: Services, request: http.IncomingMessage, response: http.ServerResponse, headers?: Record<string, string>): void {
  let answer: Answer | Promise<Answer>;
  try {
    answer = routeInternal(services, request);
  } catch (error) {
    answer = internalError(error);
  }
  if (answer instanceof Promise) void answer.catch(internalError).then((done) => writeNodeResponse(response, done, headers));
  else writeNodeResponse(response, answer, headers);
}

export function startInternalServer(services: Services, port: number, host: string): Promise<http.Server> {
  const server = http.createServer((request, response) => serveMachineRequest(services, request, response));
  // This listener reads each request's socket address itself (fromNodeRequest).
  exemptFromPeerStamp(server);
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
