/**
 * One replica of the control plane as it runs in production, minus Next.js: its services with
 * background work on (NOTIFY listener, revision polling, fetch-log flushing), the REST API on a
 * loopback listener (test/support/api-server.ts) and the internal port (machine feeds, health).
 */
import type { AddressInfo } from "node:net";
import type { Config } from "@/server/config";
import { openPostgres } from "@/server/db/client";
import { startInternalServer } from "@/server/feeds/internal-server";
import { startServices, type Services, type StartOptions } from "@/server/services";
import { startApiServer, type ApiServer } from "../../support/api-server";
import { TEST_CONFIG } from "../../support/services";

export interface Replica {
  services: Services;
  /** The main port's REST API. */
  api: string;
  /** The internal port: /api/internal/* and the health checks. */
  internal: string;
  close(): Promise<void>;
}

export async function startReplica(url: string, config: Partial<Config> = {}, options: StartOptions = {}): Promise<Replica> {
  const database = await openPostgres(url, { max: 4 });
  const services = await startServices({ ...TEST_CONFIG, databaseUrl: url, ...config }, database, { background: true, ...options });
  const api: ApiServer = await startApiServer(services);
  const internal = await startInternalServer(services, 0, "127.0.0.1");
  return {
    services,
    api: api.url,
    internal: `http://127.0.0.1:${(internal.address() as AddressInfo).port}`,
    async close() {
      internal.closeAllConnections();
      internal.close();
      await api.close();
      await services.close();
    },
  };
}

export const ADMIN = { authorization: `Bearer ${TEST_CONFIG.auth.bootstrapToken}` };

/** A request and how long its answer took. */
export async function timed(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers, ms: performance.now() - started };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = ADMIN) {
  return timed(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
