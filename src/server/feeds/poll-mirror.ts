/**
 * What the poll thread (poll-thread.ts) knows of the main thread's state: enough to answer, on its
 * own, what thousands of pods and Obot mostly send to the internal port — a poll whose ETag is
 * still current (304) and the liveness check — while the main thread is busy with a write's
 * build or a garbage collection. Every other request (a 200, an unknown token, a tenant this
 * mirror has not heard of, the metrics, readiness) is forwarded to the main thread and answered
 * there by the same routes as before.
 *
 * A mirror answers only while it is current: the main thread bumps a shared generation counter
 * (Atomics) the moment it publishes a snapshot or forgets a token, before it posts the change, and
 * the mirror answers from its tables only when it has applied that generation. A writer's next
 * read, and a pod polling right after a revocation, are forwarded until the change arrives, so
 * they see what the main thread sees. Nothing here imports the main thread's services: this
 * module is bundled on its own into the poll thread.
 */
import { hash } from "node:crypto";
import { BodyParts, EncodedBody } from "../snapshot/encoded-body";
import { bodyAnswer, notModified, type Answer } from "./answer";
import { bearerMatches } from "./bearer";
import type { MachineRequest } from "./poll-server";

export const CONTRACT_PREFIX = "/api/internal/contract/";
export const OBOT_FEED_PATH = "/api/internal/obot-registry";
export const HEALTHZ_PATH = "/api/healthz";

/** A change of the mirrored state, in the order the main thread made it. */
export interface MirrorUpdate {
  type: "update";
  generation: number;
  /** The published snapshot; absent when only tokens changed. */
  snapshot?: {
    revision: number;
    feedHash: string;
    /** The feed's identity bytes as their parts, when they changed since the last update (or it is full). */
    feed?: FeedUpdate;
    /** Every tenant's validator (true) or only those that changed since the last update (false). */
    full: boolean;
    tenants: string[];
    /** Each tenant's contract validator, or null when the tenant is gone. */
    validators: (string | null)[];
  };
  /** Every remembered token credential is dropped (a token was revoked or a tenant deleted). */
  forgetTokens?: boolean;
}

/**
 * The feed's parts by number, in order. Each part (an entry's bytes, the brackets and commas) is
 * a view of shared memory (formats/obot-feed.ts), so handing one over copies nothing, but cloning
 * a view costs a few microseconds: a part is sent once, with a number, and afterwards named by it.
 */
export interface FeedUpdate {
  size: number;
  /** The parts' numbers, in order. */
  order: Int32Array;
  /** Parts this thread has not been sent yet (or every part, when `reset`). */
  added: { id: number; bytes: Uint8Array }[];
  /** Forget the parts sent before. */
  reset: boolean;
}

/** A tenant's credential as the main thread verified it: trusted until `until` (epoch ms). */
export interface MirroredCredential {
  tenant: string;
  until: number;
}

/** What the poll thread answered itself, reported to the main thread for the fetch log and metrics. */
export interface ServedRecord {
  feed: "obot" | "contract";
  /** The tenant of a contract; "" for the Obot feed. */
  tenant: string;
  userAgent: string | null;
  status: number;
  remoteAddr: string | null;
  atMs: number;
  seconds: number;
}

export interface PollMirrorOptions {
  /** OBOT_REGISTRY_TOKEN, when the Obot feed requires it. */
  obotRegistryToken: string | null;
  /** The generation the main thread last published (shared memory). */
  publishedGeneration(): number;
  /** Whether the main thread's event loop has shown it is alive recently (shared memory). */
  mainThreadAlive(): boolean;
  now?: () => number;
}

const bearerToken = (authorization: string | null) => /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? null;
/** As TenantAuthenticator keys its credentials: the token's hash, never the token. */
export const credentialKey = (token: string) => hash("sha256", token, "base64url");

export class PollMirror {
  private generation = 0;
  private revision: number | null = null;
  private revisionHeader: Record<string, string> = {};
  private feedHash: string | null = null;
  /** The feed the main thread serves, answered here in full (its compressed forms made here too). */
  private feed: EncodedBody | null = null;
  private partsById = new Map<number, Uint8Array>();
  private readonly validators = new Map<string, string>();
  private readonly credentials = new Map<string, MirroredCredential>();
  private readonly now: () => number;
  /** Answers given here and not yet reported (see takeServed). */
  private served: ServedRecord[] = [];

  constructor(private readonly options: PollMirrorOptions) {
    this.now = options.now ?? Date.now;
  }

  apply(update: MirrorUpdate): void {
    const { snapshot } = update;
    if (snapshot) {
      if (snapshot.full) this.validators.clear();
      for (let i = 0; i < snapshot.tenants.length; i++) {
        const validator = snapshot.validators[i];
        if (validator) this.validators.set(snapshot.tenants[i]!, validator);
        else this.validators.delete(snapshot.tenants[i]!);
      }
      this.revision = snapshot.revision;
      this.revisionHeader = { "X-OpenCrane-Revision": String(snapshot.revision) };
      this.feedHash = snapshot.feedHash;
      if (snapshot.feed) this.feed = feedBody(snapshot.feedHash, snapshot.feed.size, this.feedParts(snapshot.feed));
      else if (this.feed?.hash !== snapshot.feedHash) this.feed = null;
    }
    if (update.forgetTokens) this.credentials.clear();
    this.generation = update.generation;
  }

  /** The feed's parts in order, keeping (by number) only those the feed still holds. */
  private feedParts(update: FeedUpdate): Uint8Array[] {
    if (update.reset) this.partsById.clear();
    for (const { id, bytes } of update.added) this.partsById.set(id, bytes);
    const parts: Uint8Array[] = new Array(update.order.length);
    const kept = new Map<number, Uint8Array>();
    for (let i = 0; i < update.order.length; i++) {
      const id = update.order[i]!;
      const part = this.partsById.get(id);
      if (!part) throw new Error(`the feed's part ${id} was never sent`);
      parts[i] = part;
      kept.set(id, part);
    }
    this.partsById = kept;
    return parts;
  }

  /** Remembers what the main thread verified for the token in `authorization`. */
  remember(authorization: string | null, credential: MirroredCredential): void {
    const token = bearerToken(authorization);
    if (token !== null) this.credentials.set(credentialKey(token), credential);
  }

  get tenantCount(): number {
    return this.validators.size;
  }

  private get current(): boolean {
    return this.revision !== null && this.generation === this.options.publishedGeneration();
  }

  /**
   * The answer the main thread would give, where this mirror can tell it for certain; null to
   * forward the request. `path` is the request's URL without its query.
   */
  answer(request: MachineRequest, path: string): Answer | Promise<Answer> | null {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    if (path === HEALTHZ_PATH) return this.options.mainThreadAlive() ? healthz() : null;
    if (!this.current) return null;
    const started = performance.now();
    if (path === OBOT_FEED_PATH) {
      const token = this.options.obotRegistryToken;
      if (!this.feed || (token && !bearerMatches(request.header("authorization"), token))) return null;
      const answer = bodyAnswer(request, this.feed, { contentType: "application/json", headers: this.revisionHeader, negotiate: true });
      if (answer instanceof Promise) return answer.then((done) => this.record(request, "obot", "", started, done));
      return this.record(request, "obot", "", started, answer);
    }
    if (!path.startsWith(CONTRACT_PREFIX) || request.header("if-none-match") === null) return null;
    const end = path.endsWith("/") ? path.length - 1 : path.length;
    const tenant = path.slice(CONTRACT_PREFIX.length, end);
    // Percent-encoded names, and anything routeInternal would refuse, are the main thread's to answer.
    if (tenant === "" || tenant.includes("/") || tenant.includes("%")) return null;
    const validator = this.validators.get(tenant);
    if (validator === undefined) return null;
    const token = bearerToken(request.header("authorization"));
    const credential = token === null ? undefined : this.credentials.get(credentialKey(token));
    if (!credential || credential.tenant !== tenant || credential.until <= this.now()) return null;
    const answer = notModified(request, validator, { contentType: "application/json", headers: this.revisionHeader, negotiate: true });
    return answer && this.record(request, "contract", tenant, started, answer);
  }

  private record(request: MachineRequest, feed: ServedRecord["feed"], tenant: string, started: number, answer: Answer): Answer {
    this.served.push({
      feed,
      tenant,
      userAgent: request.header("user-agent"),
      status: answer.status,
      remoteAddr: request.remoteAddr,
      atMs: this.now(),
      seconds: (performance.now() - started) / 1000,
    });
    this.onServed?.();
    return answer;
  }

  /** Called after each answer given here (the poll thread schedules its report). */
  onServed: (() => void) | null = null;

  /** The answers given since the last call, for the main thread's fetch log and metrics. */
  takeServed(): ServedRecord[] {
    const served = this.served;
    this.served = [];
    return served;
  }
}

/** The feed from its parts: answered as they are, assembled only for a reader that needs one buffer. */
function feedBody(hash: string, size: number, parts: readonly Uint8Array[]): EncodedBody {
  return EncodedBody.deferred(
    size,
    hash,
    () => joinedSteps(parts, size),
    () => parts,
  );
}

// eslint-disable-next-line require-yield -- one step: nothing here runs on the main thread's event loop
function* joinedSteps(parts: readonly Uint8Array[], size: number): Generator<void, Buffer, void> {
  return Buffer.from(new BodyParts(parts, size).joined().buffer);
}

/** GET /api/healthz as health.ts answers it (the process is alive; nothing else is checked). */
function healthz(): Answer {
  const bytes = new TextEncoder().encode(JSON.stringify({ status: "ok", uptimeSeconds: Math.round(process.uptime()) }));
  return { status: 200, headers: { "cache-control": "no-store", "content-type": "application/json" }, body: bytes };
}

// ---------------------------------------------------------------------------------------------
// Messages between the main thread and the poll thread

/** Slots of the shared Int32Array. */
export const GENERATION_SLOT = 0;
/** Seconds since PollThreadData.heartbeatBaseMs at the main thread's last heartbeat. */
export const HEARTBEAT_SLOT = 1;

export interface PollThreadData {
  port: number;
  host: string;
  trustedProxies: readonly string[];
  obotRegistryToken: string | null;
  /** Two Int32 slots: GENERATION_SLOT and HEARTBEAT_SLOT. */
  shared: SharedArrayBuffer;
  heartbeatBaseMs: number;
}

/** A request the poll thread could not answer from its mirror. */
export interface ForwardedRequest {
  type: "request";
  id: number;
  method: string;
  url: string;
  rawHeaders: readonly string[];
  remoteAddr: string | null;
}

export interface ForwardedAnswer {
  type: "answer";
  id: number;
  status: number;
  headers: Record<string, string>;
  /**
   * The body's bytes at the start of a buffer transferred (moved, not copied) from the main
   * thread's pool; the thread hands it back ("release") once the answer is written.
   */
  body: ArrayBuffer | null;
  bodyLength: number;
  /** The requester's tenant credential, as the main thread remembers it after answering. */
  credential?: MirroredCredential;
}

export type ToPollThread = MirrorUpdate | ForwardedAnswer | { type: "close" } | { type: "closeAll" };

export type FromPollThread =
  | ForwardedRequest
  | { type: "served"; records: ServedRecord[] }
  /** The thread's heap, every few seconds. */
  | { type: "heap"; used: number; limit: number }
  /** An update could not be applied: send the whole state again. */
  | { type: "resync"; reason: string }
  | { type: "listening"; address: import("node:net").AddressInfo | string | null }
  | { type: "failed"; message: string }
  | { type: "closed" }
  /** A body's buffer, written and handed back to the main thread's pool. */
  | { type: "release"; buffer: ArrayBuffer };
