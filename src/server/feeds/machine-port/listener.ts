/**
 * The internal port (OPENCRANE_INTERNAL_PORT), served by the machine port's thread when its code
 * is at hand (thread.ts), else by a listener on the main thread (internal-server.ts), which is
 * also where it falls back to should the thread end: the port answers the same either way.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { Services } from "../../services";
import type { CatalogSnapshot } from "../../snapshot/snapshot";
import { startInternalServer } from "../internal-server";
import { machinePortWorkerFile, MachinePortThread } from "./thread";

export interface InternalListener {
  /** "thread" when the machine port's thread serves it, "main" when the main thread does. */
  readonly servedBy: "thread" | "main";
  readonly port: number;
  /** The machine port's thread, while it serves the port. */
  readonly thread: MachinePortThread | null;
  close(): Promise<void>;
}

export interface InternalListenerOptions {
  /** Serve it from the machine port's thread when its code is at hand (default); false: the main thread. */
  thread?: boolean;
  /** See MachinePortSettings.aliveWithinMs. */
  aliveWithinMs?: number;
}

const log = (message: string) => console.log(`[opencrane] ${message}`);

function onMainThread(server: http.Server): InternalListener {
  return {
    servedBy: "main",
    port: (server.address() as AddressInfo).port,
    thread: null,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function startInternalListener(services: Services, port: number, host: string, options: InternalListenerOptions = {}): Promise<InternalListener> {
  const file = options.thread === false ? null : machinePortWorkerFile();
  if (!file) return onMainThread(await startInternalServer(services, port, host));
  let thread: MachinePortThread;
  try {
    thread = await MachinePortThread.start(services, file, {
      port,
      host,
      obotRegistryToken: services.config.obotRegistryToken ?? null,
      trustedProxies: services.config.trustedProxies,
      keepAliveTimeoutMs: 65_000,
      aliveWithinMs: options.aliveWithinMs ?? 5_000,
    });
  } catch (error) {
    log(`the machine port's thread did not start (${(error as Error).message}); the main thread serves the internal port`);
    return onMainThread(await startInternalServer(services, port, host));
  }
  let fallback: http.Server | null = null;
  let ended = false;
  let closed = false;
  const publish = (snapshot: CatalogSnapshot) => thread.publish(snapshot);
  services.snapshots.publish = publish;
  const unpublish = () => {
    if (services.snapshots.publish === publish) services.snapshots.publish = null;
  };
  thread.onExit = (reason) => {
    ended = true;
    unpublish();
    if (closed) return;
    log(`the machine port's thread ended (${reason}); the main thread serves the internal port from now on`);
    startInternalServer(services, thread.port, host).then(
      (server) => {
        if (closed) server.close();
        else fallback = server;
      },
      (error: unknown) => log(`could not listen on the internal port ${port} again: ${(error as Error).message}`),
    );
  };
  if (services.snapshots.current) await thread.publish(services.snapshots.current);
  return {
    get servedBy() {
      return ended ? ("main" as const) : ("thread" as const);
    },
    port: thread.port,
    get thread() {
      return ended ? null : thread;
    },
    async close() {
      closed = true;
      unpublish();
      await thread.close();
      fallback?.close();
    },
  };
}
