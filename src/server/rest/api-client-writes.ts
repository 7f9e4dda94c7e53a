/**
 * The REST API's writes from API clients (`oc`, scripts, CI: a bearer token and no cookie), served
 * by the main port's own node:http listener (scripts/server.mjs) instead of through Next.js's
 * route machinery, which costs a write about a millisecond of the event loop and a fifth of its
 * garbage (the app-route runtime's request adapter, async contexts, web streams both ways). Under
 * a burst of writes the event loop is what every writer queues for, so that millisecond is paid
 * eight times over by the last of eight writers (docs/architecture.md).
 *
 * The answers are the route's: the same dispatcher (dispatchRest) and the headers next.config.ts
 * gives every API answer. Only writes with a bearer token take this path, because only they need
 * nothing else from Next.js: a session's writes go through Next, where the CSRF guard reads the
 * request's origin as Next.js builds it, and reads stay there too (Next compresses large lists).
 */
import type http from "node:http";
import { Readable } from "node:stream";
import type { Services } from "../services";
import { dispatchRest } from "./index";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const BEARER = /^bearer\s/i;

/** Whether the main port's listener serves this request itself (serveApiClientWrite). */
export function isApiClientWrite(request: http.IncomingMessage): boolean {
  return (
    WRITE_METHODS.has(request.method ?? "") &&
    (request.url ?? "").startsWith("/api/v1/") &&
    BEARER.test(request.headers.authorization ?? "") &&
    request.headers.cookie === undefined
  );
}

/** Answers an API client's write as the REST route would, with `headers` (the API's) under the route's own. */
export async function serveApiClientWrite(
  services: Services,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  let answer: Response;
  try {
    answer = await dispatchRest(services, webRequestOf(request));
  } catch (error) {
    // dispatchRest answers every failure itself; this is a fault of the adapter.
    console.error(`[opencrane] request ${request.method} ${request.url} failed:`, error);
    answer = Response.json({ error: { code: "INTERNAL", message: "internal error", details: {} } }, { status: 500 });
  }
  await writeWebResponse(response, answer, headers);
}

/** Writes a route's Response to a node response, `headers` under the route's own. */
export async function writeWebResponse(response: http.ServerResponse, answer: Response, headers: Readonly<Record<string, string>> = {}): Promise<void> {
  const body = Buffer.from(await answer.arrayBuffer());
  // Lower-cased, as the Response's own names are, so that a header the route sets replaces the default instead of going out twice.
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  answer.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = answer.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  out["content-length"] = String(body.length);
  response.writeHead(answer.status, out);
  response.end(body);
}

/**
 * The node request as the Request a route handler gets: the path and query as sent (the
 * listener's front has refused any other request target), the headers, the body as a stream (the
 * route caps how much of it it reads).
 */
export function webRequestOf(request: http.IncomingMessage): Request {
  const headers = new Headers();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // A value Headers refuses (a control character) is left out, as Next.js's adapter does.
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // skipped
    }
  }
  const host = request.headers.host && /^[\w.:[\]-]+$/.test(request.headers.host) ? request.headers.host : "localhost";
  return new Request(new URL(request.url ?? "/", `http://${host}`), {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : (Readable.toWeb(request) as ReadableStream<Uint8Array>),
    duplex: "half",
  } as RequestInit);
}
