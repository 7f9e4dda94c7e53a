/**
 * The internal port: a listener in the same process (the lean poll server, or node:http) that
 * serves only what machines poll (/api/internal/* and health), straight from the in-memory snapshot. It skips the
 * Next.js request pipeline, which costs far more than the feed itself, and it can serve the
 * precompressed bodies that Next.js route handlers cannot. A NetworkPolicy can also admit this
 * port from Obot and tenant pods without exposing the console, and vice versa.
 */
import http from "node:http";
import { clientAddress, exemptFromPeerStamp, trustedProxiesOf } from "../client-address";
import { healthz, metricsResponse, readyz } from "../health";
import type { Config } from "../config";
import type { Services } from "../services";
import { fromNodeRequest, jsonAnswer, writeNodeResponse, type Answer } from "./answer";
import { PollServer, pollParser, type MachineRequest, type MachineServer } from "./poll-server";
import { CONTRACT_PREFIX } from "./poll-mirror";
import { PollThreadHost } from "./poll-thread-host";
import { serveContract } from "./contract-route";
import { serveObotFeed } from "./obot-route";
import { REGISTRY_PREFIX, serveRegistry } from "./registry-route";

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
export function routeInternal(services: Services, request: MachineRequest): Answer | Promise<Answer> {
  const { url, method } = request;
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (method !== "GET" && method !== "HEAD") {
    return jsonAnswer(405, { error: { code: "METHOD_NOT_ALLOWED", message: `${method} is not allowed here`, details: {} } }, { Allow: "GET, HEAD" });
  }
  switch (path) {
    case "/api/internal/obot-registry":
      return serveObotFeed(services, request, true);
    case "/api/healthz":
      return fromWeb(healthz());
    case "/api/readyz":
      return readyz(services, null).then(fromWeb);
    case "/api/metrics":
      return metricsResponse(services).then(fromWeb);
  }
  if (path.startsWith(CONTRACT_PREFIX)) {
    // One path segment, with or without a trailing slash.
    const end = path.endsWith("/") ? path.length - 1 : path.length;
    const segment = path.slice(CONTRACT_PREFIX.length, end);
    if (segment === "" || segment.includes("/")) return NOT_HERE;
    if (!segment.includes("%")) return serveContract(services, request, segment, true);
    let tenant: string;
    try {
      tenant = decodeURIComponent(segment);
    } catch {
      return jsonAnswer(400, { error: { code: "BAD_REQUEST", message: `'${segment}' is not valid percent-encoding (UTF-8)`, details: {} } });
    }
    return serveContract(services, request, tenant, true);
  }
  if (path.startsWith(`${REGISTRY_PREFIX}/`)) {
    const query = new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1));
    return serveRegistry(services, request, path.slice(REGISTRY_PREFIX.length), query, true);
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
    answer = routeInternal(services, fromNodeRequest(request, services.config.trustedProxies));
  } catch (error) {
    answer = internalError(error);
  }
  if (answer instanceof Promise) void answer.catch(internalError).then((done) => writeNodeResponse(response, done, headers));
  else writeNodeResponse(response, answer, headers);
}

/**
 * Serves the internal port: on the lean poll server (poll-server.ts) in a thread of its own
 * (poll-thread.ts, which answers current polls itself and forwards the rest here), or on the main
 * thread with OPENCRANE_INTERNAL_SERVER=lean or where the thread cannot start; on node:http where
 * this Node does not offer its HTTP parser, or with OPENCRANE_INTERNAL_SERVER=node. All give the
 * same answers.
 */
export async function startInternalServer(
  services: Services,
  port: number,
  host: string,
  implementation: Config["internalServer"] = services.config.internalServer,
): Promise<MachineServer> {
  const parser = implementation === "node" ? null : pollParser();
  services.metrics.internalServer.reset();
  if (parser && implementation === "thread") {
    const thread = new PollThreadHost(services, (request) => routeInternal(services, request), internalError, port, host);
    try {
      const server = await thread.start();
      services.metrics.internalServer.set({ implementation: "thread" }, 1);
      return server;
    } catch (error) {
      // Stops its heartbeat and its subscriptions to snapshots and tokens.
      thread.close();
      console.warn(`[opencrane] the internal port's poll thread did not start (${(error as Error).message}): it runs on the main thread`);
    }
  }
  services.metrics.internalServer.set({ implementation: parser ? "lean" : "node" }, 1);
  if (!parser) {
    if (implementation !== "node") console.warn("[opencrane] this Node does not offer its HTTP parser as expected: the internal port runs on node:http");
    return startNodeServer(services, port, host);
  }
  const trusted = trustedProxiesOf(services.config.trustedProxies);
  const server = new PollServer(
    (request) => routeInternal(services, request),
    { clientAddress: (socket, forwardedFor) => clientAddress(socket.remoteAddress, forwardedFor, trusted) ?? null, internalError },
    parser,
  );
  return server.listen(port, host);
}

function startNodeServer(services: Services, port: number, host: string): Promise<http.Server> {
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
