/**
 * The poll thread: a worker_threads worker that owns the internal port's listener (the lean poll
 * server) and answers from its mirror (poll-mirror.ts) what it can tell for certain — a poll
 * whose ETag is current, the liveness check — so that pods and Obot do not wait while the main
 * thread runs a write's build or a garbage collection. Everything else is forwarded to the main
 * thread (poll-thread-host.ts), which answers it through the same routes as before.
 *
 * Built on its own (scripts/build-poll-thread.mjs) into the standalone build's poll-thread.mjs:
 * it must not import the main thread's services, database or Next.js.
 */
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { clientAddress, trustedProxiesOf } from "../client-address";
import { jsonAnswer, type Answer } from "./answer";
import { GENERATION_SLOT, HEARTBEAT_SLOT, PollMirror, type ForwardedAnswer, type FromPollThread, type PollThreadData, type ToPollThread } from "./poll-mirror";
import { PollServer, pollParser, type MachineRequest } from "./poll-server";

/** The main thread is taken for dead (liveness forwarded, so it fails there) after this long without a heartbeat. */
const MAIN_THREAD_SILENT_SECONDS = 5;
const HEAP_REPORT_MS = 5_000;

const port = parentPort!;
const data = workerData as PollThreadData;
const shared = new Int32Array(data.shared);
const send = (message: FromPollThread) => port.postMessage(message);

const mirror = new PollMirror({
  obotRegistryToken: data.obotRegistryToken,
  publishedGeneration: () => Atomics.load(shared, GENERATION_SLOT),
  mainThreadAlive: () => (Date.now() - data.heartbeatBaseMs) / 1000 - Atomics.load(shared, HEARTBEAT_SLOT) <= MAIN_THREAD_SILENT_SECONDS,
});

interface Pending {
  resolve(answer: Answer): void;
  authorization: string | null;
}

const pending = new Map<number, Pending>();
let nextId = 1;

function forward(request: MachineRequest): Promise<Answer> {
  const id = nextId++;
  send({ type: "request", id, method: request.method, url: request.url, rawHeaders: request.rawHeaders ?? [], remoteAddr: request.remoteAddr });
  return new Promise((resolve) => pending.set(id, { resolve, authorization: request.header("authorization") }));
}

function answered(message: ForwardedAnswer): void {
  const waiting = pending.get(message.id);
  if (!waiting) return;
  pending.delete(message.id);
  if (message.credential) mirror.remember(waiting.authorization, message.credential);
  const buffer = message.body;
  if (!buffer) return waiting.resolve({ status: message.status, headers: message.headers, body: null });
  waiting.resolve({
    status: message.status,
    headers: message.headers,
    body: new Uint8Array(buffer, 0, message.bodyLength),
    // Handed back, not left to this heap's GC: dead bodies would pile up by the tens of MB between collections.
    release: () => port.postMessage({ type: "release", buffer } satisfies FromPollThread, [buffer]),
  });
}

let reportScheduled = false;
function report(): void {
  reportScheduled = false;
  const records = mirror.takeServed();
  if (records.length > 0) send({ type: "served", records });
}

mirror.onServed = () => {
  if (reportScheduled) return;
  reportScheduled = true;
  setImmediate(report);
};

function route(request: MachineRequest): Answer | Promise<Answer> {
  const queryAt = request.url.indexOf("?");
  return mirror.answer(request, queryAt === -1 ? request.url : request.url.slice(0, queryAt)) ?? forward(request);
}

async function main(): Promise<void> {
  const parser = pollParser();
  if (!parser) return send({ type: "failed", message: "this Node does not offer its HTTP parser to the poll thread" });
  const trusted = trustedProxiesOf(data.trustedProxies);
  const server = new PollServer(
    route,
    {
      clientAddress: (socket, forwardedFor) => clientAddress(socket.remoteAddress, forwardedFor, trusted) ?? null,
      internalError: (error) => {
        console.error("[opencrane] poll thread:", error);
        return jsonAnswer(500, { error: { code: "INTERNAL", message: "internal error", details: {} } });
      },
    },
    parser,
  );
  port.on("message", (message: ToPollThread) => {
    switch (message.type) {
      case "update":
        try {
          return mirror.apply(message);
        } catch (error) {
          // Not applied, so the mirror stays behind the published generation and forwards every poll until the state comes again.
          return send({ type: "resync", reason: (error as Error).message });
        }
      case "answer":
        return answered(message);
      case "close":
        report();
        return server.close(() => send({ type: "closed" }));
      case "closeAll":
        return server.closeAllConnections();
    }
  });
  try {
    await server.listen(data.port, data.host);
  } catch (error) {
    return send({ type: "failed", message: (error as Error).message });
  }
  send({ type: "listening", address: server.address() });
  const reportHeap = () => {
    const heap = getHeapStatistics();
    send({ type: "heap", used: heap.used_heap_size, limit: heap.heap_size_limit });
  };
  reportHeap();
  setInterval(reportHeap, HEAP_REPORT_MS).unref();
}

void main();
