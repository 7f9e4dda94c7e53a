/**
 * The internal port's HTTP/1.1 server. What it mostly hears is a pod or Obot on a kept-alive
 * connection asking whether its ETag is still current, answered 304 from memory in microseconds.
 * node:http spends more than that on its own machinery (an IncomingMessage and a ServerResponse
 * stream per request, header objects, events): on the benchmark machines a bare node:http server
 * answers about half of nginx's 304s, which caps any app on it below the target.
 *
 * So this server drives the same parser node:http runs (llhttp, through `_http_common`, strict:
 * no lenient flags, the same header size limit) straight from the socket and writes each answer as
 * one buffer. What it refuses to parse is what node:http refuses; framing (Content-Length, chunked
 * request bodies, pipelining, keep-alive and HTTP/1.0, HEAD) follows RFC 9112 as node:http does,
 * and so do the guards against slow clients (headers within 60 s, a request within 300 s, idle
 * connections closed after 65 s). Node exposes that parser to its own modules, not as a
 * documented API: `pollParser()` checks it at start-up, and without it (or with
 * OPENCRANE_INTERNAL_SERVER=node) the internal port runs on node:http, with the same answers.
 */
import net from "node:net";
import { STATUS_CODES } from "node:http";
import { BodyParts } from "../snapshot/encoded-body";
import { bodyLength, jsonAnswer, PARTS_PER_WRITE, type Answer, type FeedRequest } from "./answer";

/** A request as the internal port's routes see it, on either server. */
export interface MachineRequest extends FeedRequest {
  readonly url: string;
  /** Header names and values as received (name, value, name, value…), where the server keeps them. */
  readonly rawHeaders?: readonly string[];
}

export type MachineHandler = (request: MachineRequest) => Answer | Promise<Answer>;

/** What callers need of a running internal server, node:http's or this one. */
export interface MachineServer {
  address(): net.AddressInfo | string | null;
  close(callback?: (error?: Error) => void): void;
  /** Ends every connection now, answered or not (tests, and a replica's abrupt end). */
  closeAllConnections(): void;
}

export interface PollServerOptions {
  /** The client address of a connection: its socket's peer, or what X-Forwarded-For says behind a trusted proxy. */
  clientAddress(socket: net.Socket, forwardedFor: string | null): string | null;
  /** An answer the handler threw or rejected with. */
  internalError(error: unknown): Answer;
  keepAliveTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

// node:http's defaults (http.Server: keepAliveTimeout 5 s, raised to 65 s for the feeds as before
// — above the 60 s idle timeout of common load balancers —, headersTimeout 60 s, requestTimeout 300 s).
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 300_000;
/** Answers a connection may have queued (pipelined requests) before reading from it pauses. */
const MAX_QUEUED = 32;

// ---------------------------------------------------------------------------------------------
// The parser

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  /** Reads straight from the socket's libuv stream, as node:http does: no stream events, no Buffer per read. */
  consume(handle: StreamHandle): void;
  unconsume(): void;
  close(): void;
  [callback: number]: unknown;
}

/** A TCP socket's libuv handle (net.Socket#_handle), as node:http drives it. */
interface StreamHandle {
  isStreamBase?: boolean;
  _consumed?: boolean;
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

interface ParseError extends Error {
  code?: string;
}

interface ParserBinding {
  HTTPParser: {
    new (): Parser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
  methods: string[];
}

type HeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number,
  url: string | undefined,
  statusCode: unknown,
  statusMessage: unknown,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

let binding: ParserBinding | null | undefined;

/**
 * Node's HTTP parser, or null where this Node does not offer it as this server expects: it is
 * loaded once and must parse a request exactly as node:http relies on it to.
 */
export function pollParser(): ParserBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    // getBuiltinModule: a bundler leaves it alone, where it would try to resolve require("_http_common").
    const common = process.getBuiltinModule?.("_http_common") as Partial<ParserBinding> | undefined;
    const { HTTPParser, methods } = common ?? {};
    if (!HTTPParser || !Array.isArray(methods)) return null;
    const seen: unknown[] = [];
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
    parser[HTTPParser.kOnHeadersComplete] = ((major, minor, headers, method, url, _s, _m, upgrade, keepAlive) => {
      seen.push(major, minor, headers, methods[method], url, upgrade, keepAlive);
      return 0;
    }) satisfies HeadersComplete;
    parser[HTTPParser.kOnMessageComplete] = () => seen.push("complete");
    const parsed = parser.execute(Buffer.from('HEAD /a?b HTTP/1.1\r\nHost: x\r\nIf-None-Match: "e"\r\n\r\n'));
    parser.close();
    const expected = [1, 1, ["Host", "x", "If-None-Match", '"e"'], "HEAD", "/a?b", false, true, "complete"];
    if (typeof parsed === "number" && JSON.stringify(seen) === JSON.stringify(expected)) binding = { HTTPParser, methods };
  } catch {
    binding = null;
  }
  return binding;
}

// ---------------------------------------------------------------------------------------------
// Requests

// As node:http: these keep their first value, the rest are joined with ", " (IncomingMessage#headers).
const FIRST_VALUE_ONLY = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** The value of header `name` (lower case) in `raw` (name, value, name, value…), as node:http combines repeated fields. */
export function headerValue(raw: readonly string[], name: string): string | null {
  let found: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const field = raw[i]!;
    if (field.length !== name.length || field.toLowerCase() !== name) continue;
    if (found === null) found = raw[i + 1]!;
    else if (FIRST_VALUE_ONLY.has(name)) break;
    else found = `${found}, ${raw[i + 1]!}`;
  }
  return found;
}

class PollRequest implements MachineRequest {
  constructor(
    private readonly connection: Connection,
    readonly method: string,
    readonly url: string,
    /** Name, value, name, value… as received. */
    readonly rawHeaders: string[],
  ) {}

  header(name: string): string | null {
    return headerValue(this.rawHeaders, name);
  }

  get remoteAddr(): string | null {
    return this.connection.clientAddress(this.header("x-forwarded-for"));
  }
}

// ---------------------------------------------------------------------------------------------
// Answers

let dateSecond = -1;
let dateHeader = "";

/** Date, as every origin server with a clock sends (RFC 9110 §6.6.1); formatted once a second. */
function currentDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateHeader = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateHeader;
}

const UNSAFE_HEADER_TEXT = /[\r\n\0]/;

/** The status line and header block of `answer`; its body is sent after it unless `head`. */
function headOf(answer: Answer, keepAlive: boolean, head: boolean): string {
  let text = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Unknown"}\r\n`;
  let hasLength = false;
  for (const name in answer.headers) {
    const value = answer.headers[name]!;
    // The routes' own header values; a CR or LF would let one split the answer.
    if (UNSAFE_HEADER_TEXT.test(name) || UNSAFE_HEADER_TEXT.test(value)) throw new Error(`header ${JSON.stringify(name)} holds a line break or NUL`);
    if (name.length === 14 && name.toLowerCase() === "content-length") hasLength = true;
    text += `${name}: ${value}\r\n`;
  }
  const bodiless = answer.status === 304 || answer.status === 204 || answer.status < 200;
  if (!hasLength && !bodiless) text += `Content-Length: ${head ? 0 : bodyLength(answer.body)}\r\n`;
  text += currentDate();
  text += keepAlive ? "Connection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n" : "Connection: close\r\n\r\n";
  return text;
}

/** What the server answers on its own: a request it could not read (400, 431) or that took too long (408). */
function plainError(status: number): Answer {
  return jsonAnswer(status, {
    error: { code: status === 408 ? "REQUEST_TIMEOUT" : "BAD_REQUEST", message: STATUS_CODES[status] ?? "bad request", details: {} },
  });
}

// ---------------------------------------------------------------------------------------------
// Connections

/** A body being written a batch at a time (see PARTS_PER_WRITE). */
interface Sending {
  parts: readonly Uint8Array[];
  next: number;
  release: (() => void) | undefined;
  /** The connection ends once it is sent. */
  last: boolean;
}

interface Queued {
  answer: Answer | null;
  /** Taken off the queue unwritten (the connection ended). */
  dropped?: boolean;
  keepAlive: boolean;
  head: boolean;
}

class Connection {
  private readonly parser: Parser;
  private readonly queue: Queued[] = [];
  /** Raw header fields and URL of a request whose head arrived in more than one piece. */
  private partialHeaders: string[] = [];
  private partialUrl = "";
  /** When the request being read began; null between requests. */
  messageStartedAt: number | null = null;
  headersDone = true;
  /** No request after the one being answered is read: the connection ends after it. */
  private closing = false;
  /** Our side is closed: nothing more is written. */
  private ended = false;
  private address: { forwardedFor: string | null; value: string | null } | null = null;
  /** The socket's handle when the parser reads from it directly (else the socket's data events feed it). */
  private readonly handle: StreamHandle | null = null;
  private paused = false;
  /** The answer whose body is being written; later answers wait for it. */
  private sending: Sending | null = null;

  constructor(
    private readonly server: PollServer,
    readonly socket: net.Socket,
    { HTTPParser, methods }: ParserBinding,
  ) {
    this.parser = new HTTPParser();
    // 0: llhttp's default header limit (16 KiB, as node:http); 0: no lenient flags.
    this.parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
    this.parser[HTTPParser.kOnMessageBegin] = () => {
      this.messageStartedAt = Date.now();
      this.headersDone = false;
    };
    this.parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
      this.partialHeaders.push(...headers);
      this.partialUrl += url;
    };
    this.parser[HTTPParser.kOnHeadersComplete] = ((major, minor, headers, method, url, _status, _message, upgrade, shouldKeepAlive) => {
      this.headersDone = true;
      if (this.ended) return 0;
      if (!headers) {
        headers = this.partialHeaders;
        this.partialHeaders = [];
      }
      if (url === undefined) {
        url = this.partialUrl;
        this.partialUrl = "";
      }
      const name = methods[method] ?? "UNKNOWN";
      const request = new PollRequest(this, name, url, headers);
      // RFC 9112 §3.2, as node:http (requireHostHeader): an HTTP/1.1 request without Host is refused.
      if (major === 1 && minor >= 1 && request.header("host") === null) {
        this.refuse(400);
        return 0;
      }
      // An upgrade (WebSocket, h2c, CONNECT) is not offered here: answered, then the connection ends.
      // So is a request whose client waits for 100 Continue before sending its content: the answer
      // comes first, and the connection ends rather than wait for content that may never come
      // (RFC 9110 §10.1.1).
      const awaitsContinue =
        request.header("expect") !== null && ((request.header("content-length") ?? "0") !== "0" || request.header("transfer-encoding") !== null);
      const keepAlive = shouldKeepAlive && !upgrade && !awaitsContinue && !this.closing && !this.server.closed;
      this.respond(request, keepAlive, name === "HEAD");
      return 0;
    }) satisfies HeadersComplete;
    this.parser[HTTPParser.kOnBody] = () => undefined; // nothing here takes a request body
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      this.messageStartedAt = null;
    };
    this.parser[HTTPParser.kOnExecute] = (result: number | ParseError) => this.executed(result);

    const handle = (socket as net.Socket & { _handle?: StreamHandle | null })._handle;
    if (handle?.isStreamBase && !handle._consumed) {
      handle._consumed = true;
      this.parser.consume(handle);
      this.handle = handle;
    }

    socket.setNoDelay(true);
    const idleTimeout = () => {
      if (this.idle) socket.destroy();
      // Waiting for its answer: checked again later (a fired socket timeout stays off until set again).
      else socket.setTimeout(server.keepAliveTimeoutMs, idleTimeout);
    };
    socket.setTimeout(server.keepAliveTimeoutMs, idleTimeout);
    // Also what keeps the socket flowing, so that it sees the client's end when the parser consumes it.
    socket.on("data", (data: Buffer) => this.executed(this.parser.execute(data)));
    socket.on("end", () => this.finish());
    socket.on("drain", () => this.resumeIfRoom());
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (this.sending) this.abandonSending();
      this.dropQueue();
      if (this.handle) this.parser.unconsume();
      // As node:http: the parser is freed once any callback of it on the stack has returned.
      setImmediate(() => this.parser.close());
      server.forget(this);
    });
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.messageStartedAt === null && this.sending === null;
  }

  clientAddress(forwardedFor: string | null): string | null {
    // A pod keeps its connection open between polls: the address is found once per connection.
    if (this.address?.forwardedFor !== forwardedFor) this.address = { forwardedFor, value: this.server.options.clientAddress(this.socket, forwardedFor) };
    return this.address.value;
  }

  private executed(result: number | ParseError): void {
    if (result instanceof Error) this.refuse(result.code === "HPE_HEADER_OVERFLOW" ? 431 : 400);
  }

  private finish(): void {
    // The client sent all it will: answer what is queued, then close our side too.
    this.closing = true;
    this.messageStartedAt = null;
    if (this.queue.length === 0 && this.sending === null) this.end();
  }

  /** As node:http ends a connection: nothing more is read, and the socket closes once what was written is sent. */
  private end(): void {
    this.ended = true;
    this.pauseReading();
    this.socket.destroySoon();
  }

  /** A request that could not be read: answered once everything before it was, then the connection ends. */
  refuse(status: number): void {
    if (this.closing) return;
    this.enqueue(plainError(status), false, false);
  }

  private respond(request: PollRequest, keepAlive: boolean, head: boolean): void {
    let answer: Answer | Promise<Answer>;
    try {
      answer = this.server.handler(request);
    } catch (error) {
      answer = this.server.options.internalError(error);
    }
    if (!(answer instanceof Promise)) {
      this.enqueue(answer, keepAlive, head);
      return;
    }
    const queued: Queued = { answer: null, keepAlive, head };
    this.queue.push(queued);
    if (!keepAlive) this.closing = true;
    void answer
      .catch((error: unknown) => this.server.options.internalError(error))
      .then((done) => {
        if (queued.dropped) return done.release?.();
        queued.answer = done;
        this.flush();
      });
    this.pauseIfFull();
  }

  private enqueue(answer: Answer, keepAlive: boolean, head: boolean): void {
    if (!keepAlive) this.closing = true;
    if (this.queue.length === 0 && this.sending === null) this.write(answer, keepAlive, head);
    else this.queue.push({ answer, keepAlive, head });
    this.pauseIfFull();
  }

  /** Writes the answers at the front of the queue that are ready, in the order of their requests. */
  private flush(): void {
    while (this.sending === null && this.queue.length > 0 && this.queue[0]!.answer) {
      const { answer, keepAlive, head } = this.queue.shift()!;
      if (!this.write(answer!, keepAlive, head)) return;
    }
    this.resumeIfRoom();
  }

  /** False once the connection is ending. */
  private write(answer: Answer, keepAlive: boolean, head: boolean): boolean {
    const { socket } = this;
    const { release } = answer;
    if (socket.destroyed || this.ended) {
      release?.();
      return false;
    }
    // The last answer of a connection that is ending says so.
    const last = !keepAlive || (this.closing && this.queue.length === 0);
    let text: string;
    try {
      text = headOf(answer, !last, head);
    } catch (error) {
      text = headOf((answer = this.server.options.internalError(error)), !last, head);
    }
    const body = head || bodyLength(answer.body) === 0 ? null : answer.body;
    if (body instanceof BodyParts && body.parts.length > PARTS_PER_WRITE) {
      this.sending = { parts: body.parts, next: 0, release, last };
      socket.cork();
      socket.write(text, "latin1");
      this.sendMore();
      socket.uncork();
      // The answers after it are written once it is sent (sent()).
      return false;
    }
    if (body) {
      // Corked: the head and every part go out in one writev. A write's callback runs once its
      // bytes are handed to the kernel, or when the socket is destroyed first.
      socket.cork();
      socket.write(text, "latin1");
      const written = release && (() => release());
      if (body instanceof BodyParts) body.parts.forEach((part, i) => socket.write(part, i === body.parts.length - 1 ? written : undefined));
      else socket.write(body, written);
      socket.uncork();
    } else {
      socket.write(text, "latin1");
      release?.();
    }
    if (!last) return true;
    this.dropQueue();
    this.end();
    return false;
  }

  /** Hands the socket the next batch of the body being sent; its last write's callback goes on. */
  private sendMore(): void {
    const sending = this.sending!;
    const { socket } = this;
    const { parts } = sending;
    const end = Math.min(parts.length, sending.next + PARTS_PER_WRITE);
    const done = (error?: Error | null) => {
      if (this.sending !== sending) return;
      if (error || socket.destroyed) this.abandonSending();
      else if (sending.next < parts.length) this.sendMore();
      else this.sent();
    };
    socket.cork();
    for (let i = sending.next; i < end; i++) socket.write(parts[i]!, i === end - 1 ? done : undefined);
    sending.next = end;
    socket.uncork();
  }

  /** The body is with the kernel: the answers queued after it go now, or the connection ends. */
  private sent(): void {
    const { release, last } = this.sending!;
    this.sending = null;
    release?.();
    if (last || (this.closing && this.queue.length === 0)) {
      this.dropQueue();
      this.end();
      return;
    }
    this.flush();
  }

  /** The socket went away mid-body. */
  private abandonSending(): void {
    const release = this.sending?.release;
    this.sending = null;
    release?.();
    this.dropQueue();
  }

  /** Answers that will never be written now: their lent bodies are released, now or once made. */
  private dropQueue(): void {
    for (const queued of this.queue.splice(0)) {
      queued.dropped = true;
      queued.answer?.release?.();
    }
  }

  private pauseIfFull(): void {
    if (this.queue.length >= MAX_QUEUED || this.socket.writableNeedDrain) this.pauseReading();
  }

  private resumeIfRoom(): void {
    if (this.queue.length < MAX_QUEUED && !this.socket.writableNeedDrain && !this.ended) this.resumeReading();
  }

  /** Stops reading requests (the client's sends back up in TCP) until resumeReading. */
  private pauseReading(): void {
    if (this.paused || this.socket.destroyed) return;
    this.paused = true;
    if (!this.handle) this.socket.pause();
    else if (this.handle.reading) {
      this.handle.reading = false;
      this.handle.readStop();
    }
  }

  private resumeReading(): void {
    if (!this.paused || this.socket.destroyed) return;
    this.paused = false;
    if (!this.handle) this.socket.resume();
    else if (!this.handle.reading) {
      this.handle.reading = true;
      this.handle.readStart();
    }
  }

  /** Called every few seconds: a request whose head or whole is overdue is answered 408 and the connection ends. */
  checkTimeouts(now: number, headersTimeoutMs: number, requestTimeoutMs: number): void {
    if (this.messageStartedAt === null) return;
    const elapsed = now - this.messageStartedAt;
    if ((!this.headersDone && elapsed > headersTimeoutMs) || elapsed > requestTimeoutMs) {
      this.messageStartedAt = null;
      if (this.queue.length === 0 && this.sending === null) this.write(plainError(408), false, false);
      else this.socket.destroy();
    }
  }

  /** The server is closing: an idle connection ends now, a busy one after its answers. */
  close(): void {
    this.closing = true;
    if (this.idle && !this.ended) this.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The server

export class PollServer implements MachineServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly timer: NodeJS.Timeout;
  readonly keepAliveTimeoutMs: number;
  closed = false;

  constructor(
    readonly handler: MachineHandler,
    readonly options: PollServerOptions,
    parser: ParserBinding,
  ) {
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS;
    const headersTimeoutMs = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.connections.add(new Connection(this, socket, parser)));
    const sweepMs = Math.max(10, Math.min(5_000, headersTimeoutMs / 4));
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.checkTimeouts(now, headersTimeoutMs, requestTimeoutMs);
    }, sweepMs);
    this.timer.unref();
  }

  forget(connection: Connection): void {
    this.connections.delete(connection);
  }

  listen(port: number, host: string): Promise<this> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this);
      });
    });
  }

  address(): net.AddressInfo | string | null {
    return this.server.address();
  }

  /** Stops listening and ends every connection once its answers are written (as node:http's close does for idle ones). */
  close(callback?: (error?: Error) => void): void {
    this.closed = true;
    clearInterval(this.timer);
    this.server.close(callback);
    for (const connection of this.connections) connection.close();
  }

  closeAllConnections(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }
}
