/**
 * The machine port's thread: a worker_threads worker that owns the internal port's listener
 * (OPENCRANE_INTERNAL_PORT). It answers what pollers mostly ask, a 304 for the feed or a contract
 * they already hold and the liveness check, from a mirror of the snapshot's validators, and hands
 * everything else to the main thread (thread.ts), which answers it as the internal port always
 * did. Its own event loop and small heap never wait on a snapshot build, a write's queries or the
 * main heap's garbage collection, and carry none of Next.js's per-request async bookkeeping.
 *
 * It answers only what the main thread would answer the same way at that moment: the mirror is
 * updated after every build before a writer is told its write is done (thread.ts), credentials are
 * the main authenticator's, forgotten when it forgets them, and never trusted past their `until`.
 *
 * Bundled with esbuild (scripts/build-machine-port.mjs): it must not import the database layer.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { FeedRequestTally } from "../../feed-metrics";
import { bearerMatches, bearerToken, credentialKey } from "../../policy/credential-key";
import { fromNodeRequest, healthzAnswer, notModified, writeNodeResponse, type Answer, type BodyAnswerOptions, type FeedRequest } from "../answer";
import type { FetchTally, ForwardedAnswer, FromMachinePort, MachinePortSettings, RememberedCredential, ToMachinePort } from "./protocol";

const OBOT_FEED_PATH = "/api/internal/obot-registry";
const CONTRACT_PATH = /^\/api\/internal\/contract\/([^/]+)\/?$/;
/** As many as the main authenticator remembers. */
const MAX_CREDENTIALS = 50_000;
/** Distinct (feed, agent, status) keys between two tallies; the fetch log keeps as many. */
const MAX_TALLY_KEYS = 20_000;
const TALLY_MS = 1_000;

const settings = workerData as MachinePortSettings;
const main = parentPort!;
const send = (message: FromMachinePort) => main.postMessage(message);

let feedHash: string | null = null;
let answerOptions: BodyAnswerOptions = { contentType: "application/json", headers: { "X-OpenCrane-Revision": "0" }, negotiate: true };
const contracts = new Map<string, string>();
const credentials = new Map<string, Omit<RememberedCredential, "key">>();
let aliveAt = Date.now();

const waiting = new Map<number, http.ServerResponse>();
let lastId = 0;

const feedTally = new FeedRequestTally();
const fetchTally = new Map<string, FetchTally>();

function counted(feed: FetchTally["feed"], tenant: string | null, request: FeedRequest, answer: Answer, started: number): Answer {
  const now = Date.now();
  feedTally.record(feed, answer.status, (performance.now() - started) / 1000);
  const userAgent = request.header("user-agent");
  const key = `${feed}\u0000${tenant ?? ""}\u0000${userAgent ?? ""}\u0000${answer.status}`;
  const known = fetchTally.get(key);
  if (known) {
    known.count += 1;
    known.lastAt = now;
    known.remoteAddr = request.remoteAddr;
  } else if (fetchTally.size < MAX_TALLY_KEYS) {
    fetchTally.set(key, { feed, tenant, userAgent, status: answer.status, remoteAddr: request.remoteAddr, lastAt: now, count: 1 });
  }
  return answer;
}

function obotFeedNotModified(request: FeedRequest, started: number): Answer | null {
  if (feedHash === null) return null;
  const token = settings.obotRegistryToken;
  if (token && !bearerMatches(request.header("authorization"), token)) return null;
  const unchanged = notModified(request, feedHash, answerOptions);
  return unchanged && counted("obot", null, request, unchanged, started);
}

function contractNotModified(request: FeedRequest, encodedTenant: string, started: number): Answer | null {
  const token = bearerToken(request.header("authorization"));
  if (token === null) return null;
  let tenant: string;
  try {
    tenant = decodeURIComponent(encodedTenant);
  } catch {
    return null;
  }
  const credential = credentials.get(credentialKey(token));
  if (!credential || credential.tenant !== tenant || credential.until <= Date.now()) return null;
  const validator = contracts.get(tenant);
  if (validator === undefined) return null;
  const unchanged = notModified(request, validator, answerOptions);
  return unchanged && counted("contract", tenant, request, unchanged, started);
}

function pathOf(url: string): string {
  const queryAt = url.indexOf("?");
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

/** The answer this thread can give by itself, or null when the main thread must. */
function localAnswer(method: string, path: string, feed: FeedRequest): Answer | null {
  if (method !== "GET" && method !== "HEAD") return null;
  const started = performance.now();
  if (path === OBOT_FEED_PATH) return obotFeedNotModified(feed, started);
  if (path === "/api/healthz") return Date.now() - aliveAt <= settings.aliveWithinMs ? healthzAnswer() : null;
  const contract = CONTRACT_PATH.exec(path);
  return contract ? contractNotModified(feed, contract[1]!, started) : null;
}

interface Joiner {
  response: http.ServerResponse;
  feed: FeedRequest;
  started: number;
}

/**
 * Identical Obot feed requests in flight share the main thread's one answer: it carries the whole
 * feed (13 MB at 1,700 servers), copied into this thread once per answer, and Obot's replicas ask
 * for it at about the same time after a change. Keyed by what the answer depends on.
 */
const feedRequestsInFlight = new Map<string, Joiner[]>();
const feedKeyOfForwarded = new Map<number, string>();

function feedRequestKey(method: string, feed: FeedRequest): string {
  return [method, feed.header("authorization"), feed.header("if-none-match"), feed.header("accept-encoding")].join("\u0000");
}

function serve(request: http.IncomingMessage, response: http.ServerResponse): void {
  const feed = fromNodeRequest(request, settings.trustedProxies);
  const method = request.method ?? "GET";
  const url = request.url ?? "/";
  const path = pathOf(url);
  let answer: Answer | null = null;
  try {
    answer = localAnswer(method, path, feed);
  } catch (error) {
    // Whatever this thread could not answer, the main thread answers (or reports) as it always did.
    console.error("[opencrane] machine port thread:", error);
  }
  if (answer) {
    writeNodeResponse(response, answer);
    return;
  }
  let feedKey: string | null = null;
  if (path === OBOT_FEED_PATH && (method === "GET" || method === "HEAD")) {
    feedKey = feedRequestKey(method, feed);
    const joiners = feedRequestsInFlight.get(feedKey);
    if (joiners) {
      joiners.push({ response, feed, started: performance.now() });
      return;
    }
    feedRequestsInFlight.set(feedKey, []);
  }
  const id = ++lastId;
  waiting.set(id, response);
  if (feedKey !== null) feedKeyOfForwarded.set(id, feedKey);
  send({ type: "request", id, method, url, headers: request.headers, remoteAddr: feed.remoteAddr });
}

function answered(message: ForwardedAnswer): void {
  const response = waiting.get(message.id);
  waiting.delete(message.id);
  if (message.credential) remember(message.credential);
  if (response) writeNodeResponse(response, message);
  const feedKey = feedKeyOfForwarded.get(message.id);
  if (feedKey === undefined) return;
  feedKeyOfForwarded.delete(message.id);
  const joiners = feedRequestsInFlight.get(feedKey) ?? [];
  feedRequestsInFlight.delete(feedKey);
  // The main thread booked the request it answered; the ones that shared it are booked here.
  for (const joiner of joiners) writeNodeResponse(joiner.response, counted("obot", null, joiner.feed, message, joiner.started));
}

function remember(credential: RememberedCredential): void {
  credentials.delete(credential.key);
  if (credentials.size >= MAX_CREDENTIALS) credentials.delete(credentials.keys().next().value!);
  credentials.set(credential.key, { tenant: credential.tenant, until: credential.until });
}

function sendTally(): void {
  const feeds = feedTally.drain();
  if (feeds.length === 0 && fetchTally.size === 0) return;
  send({ type: "tally", fetches: [...fetchTally.values()], feeds });
  fetchTally.clear();
}

const server = http.createServer(serve);
server.keepAliveTimeout = settings.keepAliveTimeoutMs;
const tally = setInterval(sendTally, TALLY_MS);
tally.unref();

main.on("message", (message: ToMachinePort) => {
  switch (message.type) {
    case "mirror": {
      if (message.reset) contracts.clear();
      for (const tenant of message.removed) contracts.delete(tenant);
      for (const [tenant, validator] of message.contracts) contracts.set(tenant, validator);
      feedHash = message.feedHash;
      answerOptions = { contentType: "application/json", headers: { "X-OpenCrane-Revision": String(message.revision) }, negotiate: true };
      send({ type: "ack", seq: message.seq });
      return;
    }
    case "answer":
      return answered(message);
    case "forget":
      credentials.delete(message.key);
      return;
    case "alive":
      aliveAt = Date.now();
      return;
    case "close":
      clearInterval(tally);
      server.close();
      server.closeIdleConnections();
      sendTally();
      send({ type: "closed" });
      return;
  }
});

server.once("error", (error) => {
  send({ type: "listen-failed", message: error.message });
  process.exit(1);
});
server.listen(settings.port, settings.host, () => send({ type: "listening", port: (server.address() as AddressInfo).port }));
