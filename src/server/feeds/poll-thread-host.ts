/**
 * The main thread's side of the poll thread (poll-thread.ts): starts it, keeps its mirror current
 * (every published snapshot and every forgotten token, in order, behind a shared generation
 * counter bumped first), answers the requests it forwards through the internal port's routes,
 * and records in the fetch log and metrics the polls it answered itself.
 *
 * Why a thread: a poll answered 304 costs microseconds, but on the main thread it waits for
 * whatever holds the event loop — a slice of a build, the I/O of eight writers, a major GC of a
 * heap that holds the whole catalog. In a 512 MiB pod those put the readers' p99 at 30–40 ms
 * during a burst of writes. The poll thread has its own event loop and its own small heap.
 */
import fs from "node:fs";
import type net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { OBOT_FEED } from "../fetch-log/fetch-log";
import type { Services } from "../services";
import { BodyParts } from "../snapshot/encoded-body";
import { contractValidator, type CatalogSnapshot } from "../snapshot/snapshot";
import type { Answer } from "./answer";
import { CONTRACT_FEED } from "./contract-route";
import {
  CONTRACT_PREFIX,
  GENERATION_SLOT,
  HEARTBEAT_SLOT,
  type ForwardedAnswer,
  type FeedUpdate,
  type ForwardedRequest,
  type FromPollThread,
  type MirrorUpdate,
  type PollThreadData,
  type ServedRecord,
  type ToPollThread,
} from "./poll-mirror";
import { headerValue, type MachineHandler, type MachineRequest, type MachineServer } from "./poll-server";

const HEARTBEAT_MS = 1_000;
const RESTART_DELAY_MS = 1_000;
const CLOSE_GRACE_MS = 10_000;
/**
 * The thread's heap. What it keeps is small: a validator and a credential or two per tenant, a few
 * MB at 10,000 tenants (opencrane_poll_thread_heap_bytes shows it), so its old generation is
 * bounded at 24 MiB plus 1 KiB per tenant. The bound also sets where V8 first collects it: at
 * 128 MiB the process held ~25 MiB more after every tenant polled than at 24 (bench:scale
 * BENCH_ONLY=memory, 2026-12-06). Its young generation, where each request's objects die, is
 * small and collected often, in well under a millisecond.
 */
function pollThreadHeap(tenants: number) {
  return { maxYoungGenerationSizeMb: 3, maxOldGenerationSizeMb: 24 + Math.ceil(tenants / 1024) };
}

/**
 * How to start the poll thread's code: the standalone build's bundle (scripts/build-poll-thread.mjs
 * writes it beside server.mjs, the server's working directory), else the TypeScript source through
 * tsx (development and tests); null where neither is here.
 */
function pollThreadScript(): { file: string; eval: boolean } | null {
  const built = path.join(process.cwd(), "poll-thread.mjs");
  if (fs.existsSync(built)) return { file: built, eval: false };
  const source = path.join(process.cwd(), "src", "server", "feeds", "poll-thread.ts");
  if (!fs.existsSync(source)) return null;
  const code = `const { tsImport } = await import("tsx/esm/api"); await tsImport(${JSON.stringify(pathToFileURL(source).href)}, ${JSON.stringify(pathToFileURL(process.cwd() + path.sep).href)});`;
  return { file: code, eval: true };
}

/** Whether this installation can start a poll thread. */
export function pollThreadAvailable(): boolean {
  return pollThreadScript() !== null;
}

/**
 * Buffers lent to the poll thread for the bodies it writes, by size class (powers of two), and
 * handed back once written: a forwarded 200 costs one copy into a buffer that is used again,
 * rather than a fresh allocation on each side that only a GC frees. Idle buffers are kept up to
 * a bound; bodies over the largest class get a buffer of their own.
 */
class BufferPool {
  private readonly idle = new Map<number, ArrayBuffer[]>();
  private idleBytes = 0;

  take(size: number): ArrayBuffer {
    const capacity = capacityFor(size);
    if (capacity === null) return new ArrayBuffer(size);
    const reused = this.idle.get(capacity)?.pop();
    if (!reused) return new ArrayBuffer(capacity);
    this.idleBytes -= capacity;
    return reused;
  }

  give(buffer: ArrayBuffer): void {
    const capacity = buffer.byteLength;
    if (capacityFor(capacity) !== capacity || this.idleBytes + capacity > POOL_IDLE_BYTES) return;
    let list = this.idle.get(capacity);
    if (!list) this.idle.set(capacity, (list = []));
    list.push(buffer);
    this.idleBytes += capacity;
  }
}

const SMALLEST_CLASS = 4 * 1024;
const LARGEST_CLASS = 1024 * 1024;
/** Idle bytes kept for reuse: enough for a few hundred contracts in flight. */
const POOL_IDLE_BYTES = 8 * 1024 * 1024;

function capacityFor(size: number): number | null {
  if (size > LARGEST_CLASS) return null;
  let capacity = SMALLEST_CLASS;
  while (capacity < size) capacity *= 2;
  return capacity;
}

/** A forwarded request, as the routes read one. */
class Forwarded implements MachineRequest {
  constructor(private readonly message: ForwardedRequest) {}
  get method() {
    return this.message.method;
  }
  get url() {
    return this.message.url;
  }
  get remoteAddr() {
    return this.message.remoteAddr;
  }
  get rawHeaders() {
    return this.message.rawHeaders;
  }
  header(name: string): string | null {
    return headerValue(this.message.rawHeaders, name);
  }
}

/** A view's own bytes: posting a view of a larger buffer (a pooled Buffer) would copy all of it. */
const ownBytes = (bytes: Uint8Array): Uint8Array => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

/**
 * Numbers the feed's parts for the poll thread (see FeedUpdate): each part object gets a number
 * the first time it is sent; parts the feed no longer holds are forgotten on both sides.
 */
class FeedParts {
  private ids = new Map<Uint8Array, number>();
  private nextId = 1;

  update(snapshot: CatalogSnapshot, reset: boolean): FeedUpdate {
    if (reset) this.ids.clear();
    const made = snapshot.obotFeed.partsOrNull();
    // A body made in one piece (not the snapshot's own feed, which is made of parts) is copied once.
    const parts = made ? made.parts : [ownBytes(snapshot.obotFeed.identity)];
    const order = new Int32Array(parts.length);
    const added: FeedUpdate["added"] = [];
    const ids = new Map<Uint8Array, number>();
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      let id = ids.get(part) ?? this.ids.get(part);
      if (id === undefined) {
        id = this.nextId++;
        added.push({ id, bytes: part });
      }
      ids.set(part, id);
      order[i] = id;
    }
    this.ids = ids;
    return { size: snapshot.obotFeed.size, order, added, reset };
  }
}

function mirrorUpdate(generation: number, snapshot: CatalogSnapshot, changed: readonly string[] | null, feed: FeedUpdate | undefined): MirrorUpdate {
  const tenants: string[] = [];
  const validators: (string | null)[] = [];
  const add = (tenant: string) => {
    const state = snapshot.tenants.has(tenant) ? snapshot.contractStates.get(tenant) : undefined;
    tenants.push(tenant);
    validators.push(state ? contractValidator(state) : null);
  };
  if (changed) for (const tenant of new Set(changed)) add(tenant);
  else for (const tenant of snapshot.contractStates.keys()) add(tenant);
  return { type: "update", generation, snapshot: { revision: snapshot.revision, feedHash: snapshot.obotFeed.hash, feed, full: !changed, tenants, validators } };
}

export class PollThreadHost implements MachineServer {
  private worker: Worker | null = null;
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private readonly heartbeatBaseMs = Date.now();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: (() => void)[] = [];
  private listening: net.AddressInfo | string | null = null;
  private postedFeedHash: string | null = null;
  /** An update was not sent (it failed to be made): the next one sends everything. */
  private behind = false;
  private readonly feedParts = new FeedParts();
  private readonly buffers = new BufferPool();
  private closing = false;
  private onClosed: ((error?: Error) => void) | null = null;

  constructor(
    private readonly services: Services,
    private readonly route: MachineHandler,
    private readonly internalError: (error: unknown) => Answer,
    private readonly port: number,
    private readonly host: string,
  ) {
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.unsubscribe.push(
      services.snapshots.onPublished((snapshot, changed) => this.publish(snapshot, changed)),
      services.tenantAuth.onForgotten(() => this.post({ type: "update", generation: this.nextGeneration(), forgetTokens: true })),
    );
  }

  /** Posts a published snapshot; `changed` null posts every tenant, and the feed afresh. */
  private publish(snapshot: CatalogSnapshot, changed: readonly string[] | null): void {
    // Bumped first: from here until the thread has applied this generation it forwards every poll.
    const generation = this.nextGeneration();
    // After an update that was not sent, a change relative to it would not be enough.
    const tenants = this.behind ? null : changed;
    this.behind = true;
    const feed = !tenants || snapshot.obotFeed.hash !== this.postedFeedHash ? this.feedParts.update(snapshot, !tenants) : undefined;
    this.postedFeedHash = snapshot.obotFeed.hash;
    this.post(mirrorUpdate(generation, snapshot, tenants, feed));
    this.behind = false;
  }

  private beat(): void {
    Atomics.store(this.shared, HEARTBEAT_SLOT, Math.floor((Date.now() - this.heartbeatBaseMs) / 1000));
  }

  /** Bumped before the change is posted: until the thread has applied it, it forwards every poll. */
  private nextGeneration(): number {
    return Atomics.add(this.shared, GENERATION_SLOT, 1) + 1;
  }

  private post(message: ToPollThread): void {
    this.worker?.postMessage(message);
  }

  /** Starts the thread and answers once it listens; rejects when it cannot. */
  start(): Promise<this> {
    const script = pollThreadScript();
    if (!script) return Promise.reject(new Error("the poll thread's code is not here (no poll-thread.mjs, no source)"));
    const data: PollThreadData = {
      port: this.port,
      host: this.host,
      trustedProxies: this.services.config.trustedProxies,
      obotRegistryToken: this.services.config.obotRegistryToken ?? null,
      shared: this.shared.buffer as SharedArrayBuffer,
      heartbeatBaseMs: this.heartbeatBaseMs,
    };
    const worker = new Worker(script.file, {
      eval: script.eval,
      workerData: data,
      name: "opencrane-poll-thread",
      resourceLimits: pollThreadHeap(this.services.snapshots.current?.tenants.size ?? 0),
    });
    this.worker = worker;
    // The thread starts with nothing: the current snapshot in full (queued until it listens for messages).
    const current = this.services.snapshots.current;
    if (current) this.publish(current, null);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: FromPollThread) => {
        switch (message.type) {
          case "request":
            return this.serve(message);
          case "served":
            return this.record(message.records);
          case "release":
            return this.buffers.give(message.buffer);
          case "heap":
            this.services.metrics.pollThreadHeapBytes.set({ kind: "used" }, message.used);
            this.services.metrics.pollThreadHeapBytes.set({ kind: "limit" }, message.limit);
            return;
          case "resync": {
            console.error(`[opencrane] the poll thread could not apply an update (${message.reason}); sending it the whole state`);
            const current = this.services.snapshots.current;
            return current ? this.publish(current, null) : undefined;
          }
          case "listening":
            started = true;
            this.listening = message.address;
            return resolve(this);
          case "failed":
            void worker.terminate();
            return reject(new Error(message.message));
          case "closed":
            // Its exit calls onClosed.
            void worker.terminate();
            return;
        }
      });
      worker.on("error", (error) => {
        console.error("[opencrane] the poll thread failed:", error);
        if (!started) reject(error);
      });
      worker.on("exit", () => {
        if (this.worker === worker) this.worker = null;
        if (this.closing) return this.onClosed?.();
        if (!started) return;
        // The listener went with it: start another (the port is free again).
        console.error(`[opencrane] the poll thread ended unexpectedly; restarting it in ${RESTART_DELAY_MS} ms`);
        setTimeout(() => {
          if (!this.closing) this.start().catch((error: Error) => console.error(`[opencrane] the poll thread could not restart: ${error.message}`));
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  private serve(message: ForwardedRequest): void {
    const request = new Forwarded(message);
    let answer: Answer | Promise<Answer>;
    try {
      answer = this.route(request);
    } catch (error) {
      answer = Promise.reject(error);
    }
    if (answer instanceof Promise) {
      answer.then(
        (done) => this.reply(message, request, done),
        (error: unknown) => this.reply(message, request, this.internalError(error)),
      );
    } else this.reply(message, request, answer);
  }

  private reply(message: ForwardedRequest, request: Forwarded, answer: Answer): void {
    const reply: ForwardedAnswer = { type: "answer", id: message.id, status: answer.status, headers: answer.headers, body: null, bodyLength: 0 };
    if (answer.body) {
      const parts = answer.body instanceof BodyParts ? answer.body.parts : [answer.body];
      reply.body = this.buffers.take(answer.body.byteLength);
      reply.bodyLength = answer.body.byteLength;
      const into = new Uint8Array(reply.body);
      let at = 0;
      for (const part of parts) {
        into.set(part, at);
        at += part.byteLength;
      }
    }
    if (message.url.startsWith(CONTRACT_PREFIX) && (answer.status === 200 || answer.status === 304)) {
      const credential = this.services.tenantAuth.remembered(request.header("authorization"));
      if (credential) reply.credential = { tenant: credential.tenant, until: credential.until };
    }
    if (reply.body) this.worker?.postMessage(reply, [reply.body]);
    else this.post(reply);
  }

  private record(records: ServedRecord[]): void {
    const { fetches, metrics } = this.services;
    for (const served of records) {
      const feed = served.feed === "obot" ? OBOT_FEED : CONTRACT_FEED;
      fetches.record(served.feed === "obot" ? OBOT_FEED : `${CONTRACT_FEED}/${served.tenant}`, served.userAgent, served.status, served.remoteAddr, served.atMs);
      metrics.feeds.record(feed, served.status, served.seconds);
      if (served.feed === "obot") metrics.obotFetch.lastAtMs = Math.max(metrics.obotFetch.lastAtMs ?? 0, served.atMs);
    }
  }

  address(): net.AddressInfo | string | null {
    return this.listening;
  }

  close(callback?: (error?: Error) => void): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const stop of this.unsubscribe.splice(0)) stop();
    const worker = this.worker;
    if (!worker) return callback?.();
    // The thread closes its listener once every connection's answers are written; a client that
    // never reads its answer does not hold the process open past CLOSE_GRACE_MS.
    const forced = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS).unref();
    this.onClosed = () => {
      clearTimeout(forced);
      callback?.();
    };
    this.post({ type: "close" });
  }

  closeAllConnections(): void {
    this.post({ type: "closeAll" });
  }
}
