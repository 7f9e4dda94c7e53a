/**
 * Feeds answer through a small framework-neutral shape, so the same handler serves both the
 * Next.js route (main port) and the internal port's listener (poll-server.ts or node:http).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { clientAddress, clientAddressOf, trustedProxiesOf } from "../client-address";
import { BodyParts, etagOf, ifNoneMatchHits, negotiateEncoding, type EncodedBody, type Encoding } from "../snapshot/encoded-body";

export interface FeedRequest {
  method: string;
  header(name: string): string | null;
  remoteAddr: string | null;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The bytes, in one buffer or as the parts they are made of (written in order, never joined). */
  body: Uint8Array<ArrayBuffer> | BodyParts | null;
  /**
   * Called once the body (one buffer) has been written, or will never be: its buffer may then be
   * used again (the poll thread hands the buffers it was lent back to the main thread).
   */
  release?: () => void;
}

/** The answer's body length in bytes. */
export function bodyLength(body: Answer["body"]): number {
  return body ? body.byteLength : 0;
}

/** The answer's body in one buffer (parts joined). */
export function bodyBytes(body: Answer["body"]): Uint8Array<ArrayBuffer> | null {
  return body instanceof BodyParts ? body.joined() : body;
}

export interface BodyAnswerOptions {
  contentType: string;
  headers?: Record<string, string>;
  /**
   * Serve precompressed codings. Off behind Next.js, which drops a route handler's
   * Content-Encoding (next/dist/server/send-response.js) and compresses on its own.
   */
  negotiate: boolean;
}

function bodyHeaders(options: BodyAnswerOptions, etag: string): Record<string, string> {
  return { "Content-Type": options.contentType, "Cache-Control": "no-cache", Vary: "Accept-Encoding", ETag: etag, ...options.headers };
}

function encodingFor(request: FeedRequest, options: BodyAnswerOptions): Encoding {
  return options.negotiate ? negotiateEncoding(request.header("accept-encoding")) : "identity";
}

/**
 * 304 when the client's If-None-Match names the bytes whose identity validator is `hash`, else
 * null. Needs no body: a contract's validator is known before (and without) rendering it.
 */
export function notModified(request: FeedRequest, hash: string, options: BodyAnswerOptions): Answer | null {
  const ifNoneMatch = request.header("if-none-match");
  if (!ifNoneMatch) return null;
  const etag = etagOf(hash, encodingFor(request, options));
  // What pollers send, the ETag they were given, is compared first; lists and weak forms after.
  if (ifNoneMatch !== etag && !ifNoneMatchHits(ifNoneMatch, hash)) return null;
  // The fields a 200 would carry that guide caches (RFC 9110 §15.4.5), without Content-Type: the
  // representation is not sent, and every byte counts on what thousands of pods poll.
  return { status: 304, headers: { "Cache-Control": "no-cache", Vary: "Accept-Encoding", ETag: etag, ...options.headers }, body: null };
}

/**
 * 200 with the negotiated coding, or 304 when the client already holds these bytes. Synchronous
 * whenever it can be (identity, 304, a compressed form made already); otherwise the answer waits
 * for the body's one compression on zlib's thread pool, which concurrent requests share, so a
 * client that asked for gzip gets gzip and the event loop keeps serving others meanwhile.
 */
export function bodyAnswer(request: FeedRequest, body: EncodedBody, options: BodyAnswerOptions & { negotiate: false }): Answer;
export function bodyAnswer(request: FeedRequest, body: EncodedBody, options: BodyAnswerOptions): Answer | Promise<Answer>;
export function bodyAnswer(request: FeedRequest, body: EncodedBody, options: BodyAnswerOptions): Answer | Promise<Answer> {
  const unchanged = notModified(request, body.hash, options);
  if (unchanged) return unchanged;
  return freshAnswer(request, body, options, encodingFor(request, options));
}

// Apart from bodyAnswer so that a 304, what pollers mostly get, allocates no closures.
function freshAnswer(request: FeedRequest, body: EncodedBody, options: BodyAnswerOptions, encoding: Encoding): Answer | Promise<Answer> {
  // Without negotiation the answer is synchronous (the Next.js route handlers): deferred identity
  // bytes are assembled at once there, in slices on the internal port.
  const ready = !options.negotiate ? body.identity : encoding === "identity" ? body.identityAnswer() : body.ready(encoding);
  if (ready) return withBody(request, body, options, encoding, ready);
  return body.bytes(encoding).then(
    (bytes) => withBody(request, body, options, encoding, bytes),
    (error: unknown) => {
      // Identity is always correct; a failed compression is retried by the next request.
      console.warn(`[opencrane] ${encoding} compression failed, answering identity: ${error instanceof Error ? error.message : String(error)}`);
      return withBody(request, body, options, "identity", body.identity);
    },
  );
}

function withBody(request: FeedRequest, body: EncodedBody, options: BodyAnswerOptions, coding: Encoding, bytes: Uint8Array<ArrayBuffer> | BodyParts): Answer {
  const headers = bodyHeaders(options, body.etag(coding));
  if (coding !== "identity") headers["Content-Encoding"] = coding;
  headers["Content-Length"] = String(bytes.byteLength);
  return { status: 200, headers, body: request.method === "HEAD" ? null : bytes };
}

export function jsonAnswer(status: number, value: unknown, headers: Record<string, string> = {}): Answer {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { status, headers: { "Content-Type": "application/json", "Content-Length": String(bytes.length), ...headers }, body: bytes };
}

/** A feed request the main port's Next.js server received; its client address as client-address.ts finds it. */
export function fromWebRequest(request: Request, trustedProxies: readonly string[]): FeedRequest {
  return { method: request.method, header: (name) => request.headers.get(name), remoteAddr: clientAddressOf(request, trustedProxies) ?? null };
}

export function toWebResponse(answer: Answer): Response {
  return new Response(bodyBytes(answer.body), { status: answer.status, headers: answer.headers });
}

/** The client address last found per connection, with the X-Forwarded-For it was found from. */
const addressBySocket = new WeakMap<Socket, { forwardedFor: string | null; address: string | null }>();

/**
 * A request the internal port's node:http listener received (see client-address.ts for its client
 * address). A class, not an object literal with a getter: it is made for every poll.
 */
class NodeFeedRequest implements FeedRequest {
  constructor(
    private readonly request: IncomingMessage,
    private readonly trustedProxies: readonly string[],
  ) {}

  get method(): string {
    return this.request.method ?? "GET";
  }

  get url(): string {
    return this.request.url ?? "/";
  }

  header(name: string): string | null {
    const value = this.request.headers[name];
    return Array.isArray(value) ? value.join(", ") : (value ?? null);
  }

  // A pod keeps its connection open between polls: the address is parsed once per connection.
  get remoteAddr(): string | null {
    const { socket } = this.request;
    const forwardedFor = this.header("x-forwarded-for");
    const known = addressBySocket.get(socket);
    if (known && known.forwardedFor === forwardedFor) return known.address;
    const address = clientAddress(socket.remoteAddress, forwardedFor, trustedProxiesOf(this.trustedProxies)) ?? null;
    addressBySocket.set(socket, { forwardedFor, address });
    return address;
  }
}

export function fromNodeRequest(request: IncomingMessage, trustedProxies: readonly string[]): FeedRequest & { readonly url: string } {
  return new NodeFeedRequest(request, trustedProxies);
}

/**
 * Parts of a body handed to the socket at a time; the next batch goes once the last is with the
 * kernel. Each part written is a few objects on the heap until it is sent: the Obot feed is
 * ~3,400 parts (its entries and the commas between), so 32 clients fetching it at once held ~20 MB
 * of them and ended the internal port's poll thread at its heap bound (bench:scale, 2026-12-06),
 * and a client reading slowly would hold its share for as long as it liked.
 */
export const PARTS_PER_WRITE = 256;

export function writeNodeResponse(response: ServerResponse, answer: Answer, extraHeaders?: Record<string, string>): void {
  response.writeHead(answer.status, extraHeaders ? { ...extraHeaders, ...answer.headers } : answer.headers);
  if (answer.body instanceof BodyParts) writePartsFrom(response, answer.body.parts, 0);
  else response.end(answer.body ?? undefined);
}

/** Writes a batch of PARTS_PER_WRITE parts from `from`; the last one's callback writes the next, or ends. */
function writePartsFrom(response: ServerResponse, parts: readonly Uint8Array[], from: number): void {
  const end = Math.min(parts.length, from + PARTS_PER_WRITE);
  const next = (error?: Error | null) => {
    if (error || response.destroyed) return;
    if (end < parts.length) writePartsFrom(response, parts, end);
    else response.end();
  };
  response.cork();
  for (let i = from; i < end; i++) response.write(parts[i]!, i === end - 1 ? next : undefined);
  response.uncork();
  if (end === from) response.end();
}
