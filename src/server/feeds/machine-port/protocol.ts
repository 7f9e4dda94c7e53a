/**
 * What the main thread and the machine port's thread (worker.ts) tell each other: plain data,
 * copied by postMessage.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { FeedTallyData } from "../../feed-metrics";

export interface MachinePortSettings {
  port: number;
  host: string;
  /** OBOT_REGISTRY_TOKEN, or null when the Obot feed is open. */
  obotRegistryToken: string | null;
  trustedProxies: readonly string[];
  keepAliveTimeoutMs: number;
  /**
   * How recent the main thread's last sign of life must be for the thread to answer /api/healthz
   * itself; staler, the check waits for the main thread like any other forwarded request, so a
   * wedged main thread still fails its liveness probe.
   */
  aliveWithinMs: number;
}

/** A tenant credential the main thread verified, as its authenticator remembers it. */
export interface RememberedCredential {
  /** SHA-256 of the bearer token (policy/credential-key.ts). */
  key: string;
  tenant: string;
  /** Epoch ms after which it must be checked again. */
  until: number;
}

/** What the thread answers from: the current snapshot's validators, sent after every build. */
export interface MirrorUpdate {
  type: "mirror";
  seq: number;
  revision: number;
  /** The Obot feed's identity validator. */
  feedHash: string;
  /** Tenants whose contract validator is new or changed, with it; or every tenant's when `reset`. */
  contracts: [tenant: string, validator: string][];
  removed: string[];
  reset: boolean;
}

export interface ForwardedAnswer {
  type: "answer";
  id: number;
  status: number;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
  /** The credential the request's token proved, for the thread to answer its next polls itself. */
  credential: RememberedCredential | null;
}

export type ToMachinePort = MirrorUpdate | ForwardedAnswer | { type: "forget"; key: string } | { type: "alive" } | { type: "close" };

/** Fetches the thread answered itself, counted alike: the fetch log's view of them. */
export interface FetchTally {
  feed: "obot" | "contract";
  /** The contract's tenant (known to the snapshot: the thread answers only those). */
  tenant: string | null;
  userAgent: string | null;
  status: number;
  remoteAddr: string | null;
  lastAt: number;
  count: number;
}

export type FromMachinePort =
  | { type: "listening"; port: number }
  | { type: "listen-failed"; message: string }
  | { type: "ack"; seq: number }
  | { type: "request"; id: number; method: string; url: string; headers: IncomingHttpHeaders; remoteAddr: string | null }
  | { type: "tally"; fetches: FetchTally[]; feeds: FeedTallyData[] }
  | { type: "closed" };
