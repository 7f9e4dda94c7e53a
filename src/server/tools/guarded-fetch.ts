/**
 * A `fetch` for the MCP SDK's transports that goes through ingestion's SSRF guard: every request
 * (and every redirect the SDK follows, which comes back here) must resolve to public addresses
 * unless allowlisted (OPENCRANE_FETCH_ALLOW_HOSTS), and connects to the address that was checked.
 * Bodies stream (the SSE transport keeps a response open), counted against one byte budget for the
 * whole probe; a connection idle for longer than the timeout fails.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { type AllowList, FetchFailed, checkedAddress, parseTarget } from "../ingest/fetch";

export interface GuardedFetchOptions {
  allow: AllowList;
  /** How long a connection may stay silent. */
  idleTimeoutMs: number;
  /** Bytes all responses of this fetch may bring together. */
  maxBytes: number;
  /** Told once when the budget is spent (the caller stops the whole probe: a transport may swallow a stream's error). */
  onExhausted?: (error: FetchFailed) => void;
}

type FetchInput = string | URL | Request;

function headersOf(input: FetchInput, init: RequestInit | undefined): Record<string, string> {
  const merged = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(init?.headers).forEach((value, key) => merged.set(key, value));
  merged.set("accept-encoding", "identity");
  if (!merged.has("user-agent")) merged.set("user-agent", "opencrane-control-plane");
  return Object.fromEntries(merged.entries());
}

function bodyOf(init: RequestInit | undefined): string | Buffer | undefined {
  const body = init?.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof URLSearchParams) return body.toString();
  throw new FetchFailed("the probe sends only text bodies", false);
}

function responseHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(key, v));
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

/**
 * The response body as a web stream, counted against the budget. Written by hand rather than with
 * Readable.toWeb: a reader that cancels (the SDK closing an SSE stream) must stop the socket, not
 * leave it pushing into a closed stream.
 */
function budgetedStream(response: http.IncomingMessage, take: (bytes: number) => string | null): ReadableStream<Uint8Array> {
  let open = true;
  const settle = (action: () => void) => {
    if (!open) return;
    open = false;
    action();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      response.on("data", (chunk: Buffer) => {
        if (!open) return;
        const refusal = take(chunk.length);
        if (refusal) {
          settle(() => controller.error(new FetchFailed(refusal, false)));
          response.destroy();
        } else controller.enqueue(new Uint8Array(chunk));
      });
      response.on("end", () => settle(() => controller.close()));
      response.on("error", (error) => settle(() => controller.error(error)));
      response.on("close", () => settle(() => controller.error(new FetchFailed("the connection closed before the body ended", true))));
    },
    cancel() {
      open = false;
      response.destroy();
    },
  });
}

export function guardedFetch(options: GuardedFetchOptions): (input: FetchInput, init?: RequestInit) => Promise<Response> {
  let received = 0;
  return async (input, init) => {
    const url = parseTarget(input instanceof Request ? input.url : String(input));
    const pinned = await checkedAddress(url, options.allow);
    const lookup: LookupFunction = (_hostname, opts, callback) => {
      if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
      else callback(null, pinned.address, pinned.family);
    };
    const body = bodyOf(init);
    const streamOf = (response: http.IncomingMessage) =>
      budgetedStream(response, (bytes) => {
        received += bytes;
        if (received <= options.maxBytes) return null;
        const message = `${url.origin} sent more than the ${options.maxBytes} bytes allowed`;
        options.onExhausted?.(new FetchFailed(message, false));
        return message;
      });
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(url, {
        method: init?.method ?? (input instanceof Request ? input.method : "GET"),
        headers: headersOf(input, init),
        lookup,
        signal,
        timeout: options.idleTimeoutMs,
      });
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        const empty = status === 204 || status === 205 || status === 304 || init?.method === "HEAD";
        if (empty) response.resume();
        resolve(new Response(empty ? null : streamOf(response), { status, statusText: response.statusMessage, headers: responseHeaders(response.headers) }));
      });
      request.on("timeout", () => request.destroy(new FetchFailed(`${url.origin} was silent for ${options.idleTimeoutMs} ms`, true)));
      request.on("error", (error) =>
        reject(error instanceof FetchFailed || error.name === "AbortError" ? error : new FetchFailed(`${url.origin}: ${error.message}`, true)),
      );
      request.end(body);
    });
  };
}
