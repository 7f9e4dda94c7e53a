/**
 * The main thread's side of the machine port's thread (worker.ts): starts it, keeps its mirror of
 * the snapshot current, answers the requests it hands over, and books the fetches it answered
 * itself into the fetch log and /api/metrics.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { OBOT_FEED } from "../../fetch-log/fetch-log";
import type { Services } from "../../services";
import { contractValidator, type CatalogSnapshot, type ContractState } from "../../snapshot/snapshot";
import { fromForwardedRequest, type Answer } from "../answer";
import { CONTRACT_FEED } from "../contract-route";
import { internalError, routeInternal } from "../internal-server";
import type { ForwardedAnswer, FromMachinePort, MachinePortSettings, MirrorUpdate, ToMachinePort } from "./protocol";

/** The bundle `npm run build` puts beside the standalone server (scripts/build-machine-port.mjs). */
export const BUILT_WORKER = "machine-port-worker.mjs";
const BUILD_SCRIPT = path.join("scripts", "build-machine-port.mjs");

const ALIVE_EVERY_MS = 1_000;
/** A mirror update the thread has not taken within this is given up on (logged); the thread is then behind. */
const ACK_TIMEOUT_MS = 2_000;

let bundled: string | null | undefined;

/**
 * The worker's code: the built bundle in the standalone directory (the Docker image, `npm start`),
 * else bundled once per process from the sources where they and esbuild are (development, tests,
 * benchmarks). Null when neither is at hand.
 */
export function machinePortWorkerFile(dir = process.cwd()): string | null {
  const built = path.join(dir, BUILT_WORKER);
  if (fs.existsSync(built)) return built;
  if (bundled !== undefined) return bundled;
  bundled = null;
  const script = path.join(dir, BUILD_SCRIPT);
  if (!fs.existsSync(script)) return null;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-machine-port-")), BUILT_WORKER);
  const result = spawnSync(process.execPath, [script, out], { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) {
    console.warn(`[opencrane] could not bundle the machine port's thread: ${result.stderr || result.stdout || result.error?.message}`);
    return null;
  }
  return (bundled = out);
}

export class MachinePortThread {
  private seq = 0;
  private readonly acks = new Map<number, () => void>();
  /** The contract states the thread's mirror holds, by tenant: what the next update leaves out. */
  private mirrored = new Map<string, ContractState>();
  private alive: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private exited = false;
  /** Called when the thread ends without being asked to (it crashed or ran out of memory). */
  onExit: ((reason: string) => void) | null = null;
  /** Requests the thread handed to the main thread: what it could not answer from its mirror. */
  forwarded = 0;
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port = 0;

  private constructor(
    private readonly services: Services,
    private readonly worker: Worker,
  ) {}

  /** Starts the thread listening on the internal port; rejects when it cannot listen. */
  static start(services: Services, file: string, settings: MachinePortSettings): Promise<MachinePortThread> {
    // Its own small heap: the mirror, credentials, tallies; bodies are shared, not copied in.
    const worker = new Worker(file, { workerData: settings, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 96 } });
    const thread = new MachinePortThread(services, worker);
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        void worker.terminate();
        reject(error);
      };
      worker.once("error", failed);
      worker.once("exit", (code) => failed(new Error(`the thread exited (code ${code}) before listening`)));
      worker.on("message", (message: FromMachinePort) => {
        if (message.type === "listen-failed") return failed(new Error(message.message));
        if (message.type !== "listening") return thread.handle(message);
        thread.port = message.port;
        worker.removeAllListeners("error").removeAllListeners("exit");
        thread.started();
        resolve(thread);
      });
    });
  }

  private started(): void {
    this.worker.on("error", (error) => console.error("[opencrane] machine port thread:", error));
    this.worker.once("exit", (code) => {
      this.exited = true;
      this.stopAlive();
      for (const done of this.acks.values()) done();
      this.acks.clear();
      if (!this.closing) this.onExit?.(`exit code ${code}`);
    });
    this.services.tenantAuth.onForget = (key) => this.post({ type: "forget", key });
    this.alive = setInterval(() => this.post({ type: "alive" }), ALIVE_EVERY_MS);
    this.alive.unref();
  }

  private post(message: ToMachinePort): void {
    this.worker.postMessage(message);
  }

  private stopAlive(): void {
    if (this.alive) clearInterval(this.alive);
    this.alive = null;
    if (this.services.tenantAuth.onForget) this.services.tenantAuth.onForget = null;
  }

  /**
   * Brings the thread's mirror to `snapshot`; resolves once the thread has it (or has not taken
   * it within ACK_TIMEOUT_MS). Sends only the contracts whose state object changed: a build
   * replaces a state object whenever its fingerprint or revision moves, and keeps it otherwise.
   */
  publish(snapshot: CatalogSnapshot): Promise<void> {
    if (this.closing) return Promise.resolve();
    const reset = this.mirrored.size === 0;
    const contracts: [string, string][] = [];
    let kept = 0;
    const mirrored = this.mirrored;
    snapshot.contractStates.forEach((state, tenant) => {
      if (!snapshot.tenants.has(tenant)) return;
      const before = mirrored.get(tenant);
      if (before !== undefined) kept++;
      if (before === state) return;
      mirrored.set(tenant, state);
      contracts.push([tenant, contractValidator(state)]);
    });
    const removed: string[] = [];
    if (kept < mirrored.size) {
      for (const tenant of mirrored.keys()) {
        if (!snapshot.tenants.has(tenant) || !snapshot.contractStates.has(tenant)) removed.push(tenant);
      }
      for (const tenant of removed) mirrored.delete(tenant);
    }
    const update: MirrorUpdate = { type: "mirror", seq: ++this.seq, revision: snapshot.revision, feedHash: snapshot.obotFeed.hash, contracts, removed, reset };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!this.acks.delete(update.seq)) return;
        console.warn(`[opencrane] the machine port's thread did not take revision ${snapshot.revision} within ${ACK_TIMEOUT_MS} ms`);
        resolve();
      }, ACK_TIMEOUT_MS);
      timer.unref();
      this.acks.set(update.seq, () => {
        clearTimeout(timer);
        resolve();
      });
      this.post(update);
    });
  }

  private handle(message: FromMachinePort): void {
    switch (message.type) {
      case "request":
        return this.answer(message);
      case "ack": {
        const done = this.acks.get(message.seq);
        this.acks.delete(message.seq);
        return done?.();
      }
      case "tally": {
        const { fetches, metrics } = this.services;
        for (const fetch of message.fetches) {
          const feed = fetch.feed === "obot" ? OBOT_FEED : `${CONTRACT_FEED}/${fetch.tenant}`;
          fetches.record(feed, fetch.userAgent, fetch.status, fetch.remoteAddr, fetch.lastAt, fetch.count);
          if (fetch.feed === "obot" && (fetch.status === 200 || fetch.status === 304))
            metrics.obotFetch.lastAtMs = Math.max(metrics.obotFetch.lastAtMs ?? 0, fetch.lastAt);
        }
        metrics.feeds.merge(message.feeds);
        return;
      }
      default:
        return;
    }
  }

  private answer(request: Extract<FromMachinePort, { type: "request" }>): void {
    this.forwarded++;
    const reply = (answer: Answer) => {
      const authorization = request.headers.authorization ?? null;
      // A contract answered after its token was verified: the thread answers that token's next polls.
      const remembered =
        answer.status < 400 && request.url.startsWith("/api/internal/contract/") ? this.services.tenantAuth.rememberedWithKey(authorization) : undefined;
      const message: ForwardedAnswer = {
        type: "answer",
        id: request.id,
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
        credential: remembered ? { key: remembered.key, tenant: remembered.credential.tenant, until: remembered.credential.until } : null,
      };
      this.post(message);
    };
    let answer: Answer | Promise<Answer>;
    try {
      answer = routeInternal(this.services, { method: request.method, url: request.url, feed: fromForwardedRequest(request) });
    } catch (error) {
      answer = internalError(error);
    }
    if (answer instanceof Promise) void answer.catch(internalError).then(reply);
    else reply(answer);
  }

  /** Ends the thread at once, as a crash would (tests). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  /** Stops listening, books the last tally, and ends the thread. */
  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      this.stopAlive();
      const timer = setTimeout(() => void this.worker.terminate(), 2_000);
      this.worker.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.on("message", (message: FromMachinePort) => {
        if (message.type === "closed") void this.worker.terminate();
      });
      this.post({ type: "close" });
    });
    return this.closing;
  }
}
