/**
 * The process-wide services of the running app: one database handle (one PGlite instance per
 * process, kept on globalThis so hot reloads and route bundles share it), opened at server start.
 */
import { firstStartMessage, prepareFirstAdmin } from "./auth/setup";
import { loadConfig } from "./config";
import { openDatabase } from "./db/client";
import type http from "node:http";
import { serveMachineRequest, startInternalServer } from "./feeds/internal-server";
import { NOTHING_TO_REHEARSE_ON, rehearseOnceThereIsSomething, rehearseWrites, type RehearsalReport } from "./application/rehearsal";
import { isApiClientWrite, serveApiClientWrite } from "./rest/api-client-writes";
import { MAIN_PORT_API_HEADERS } from "./security-headers";
import { startServices, type Services } from "./services";

interface AppState {
  services: Services | null;
  /**
   * The machine feeds' fast path for the main port, set once the services are up: the production
   * server (scripts/server.mjs) hands GET/HEAD /api/internal/* to it instead of to Next.js.
   */
  machineFeeds?: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  /**
   * The REST API's writes from API clients (rest/api-client-writes.ts), set once the services are
   * up: the production server hands them here instead of to Next.js when `isApiClientWrite`.
   */
  apiClientWrites?: {
    accepts: (request: http.IncomingMessage) => boolean;
    serve: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>;
  };
  starting: Promise<Services> | null;
  lastError: string | null;
}

const globalState = globalThis as typeof globalThis & { __opencrane?: AppState };
const state: AppState = (globalState.__opencrane ??= { services: null, starting: null, lastError: null });

function log(message: string) {
  console.log(`[opencrane] ${message}`);
}

async function startOnce(): Promise<Services> {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const services = await startServices(config, database);
    const message = firstStartMessage(await prepareFirstAdmin(services.db, config), config.auth.publicUrl ?? `http://localhost:${process.env.PORT ?? 3000}`);
    if (message) log(message);
    const internal = config.internalListener;
    if (internal) {
      try {
        const server = await startInternalServer(services, internal.port, internal.host);
        const close = services.close;
        services.close = async () => {
          server.close();
          await close();
        };
        log(`machine feeds and health checks also on http://${internal.host}:${internal.port} (OPENCRANE_INTERNAL_PORT)`);
      } catch (error) {
        log(`could not listen on the internal port ${internal.port} (${(error as Error).message}); the feeds stay available on the main port`);
      }
    }
    // Readiness waits for it: a replica takes traffic once its first writes cost what later ones do.
    const rehearsal = await rehearseWrites(services);
    logRehearsal(rehearsal);
    if (rehearsal.skipped.some((skip) => skip.reason === NOTHING_TO_REHEARSE_ON)) {
      const stop = rehearseOnceThereIsSomething(services, logRehearsal, { rehearsedAtStart: rehearsal.rehearsed.length });
      const close = services.close;
      services.close = async () => {
        stop();
        await close();
      };
    }
    log(
      `ready: ${database.kind} database at ${database.location}, catalog revision ${services.snapshots.current?.revision ?? "?"}, ${services.snapshots.current?.activeServers ?? 0} active servers`,
    );
    return services;
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

function logRehearsal(rehearsal: RehearsalReport) {
  // Kinds skipped for one reason are named together: an empty catalog is one clause, not four.
  const byReason = new Map<string, string[]>();
  for (const { kind, reason } of rehearsal.skipped) byReason.set(reason, [...(byReason.get(reason) ?? []), kind]);
  const skipped = [...byReason].map(([reason, kinds]) => `; ${kinds.join(", ")} skipped (${reason})`).join("");
  log(
    `rehearsed the write path in ${Math.round(rehearsal.ms)} ms: ${rehearsal.rehearsed.join(", ") || "nothing"}, on ${rehearsal.sessions} of ${rehearsal.connections} database connection(s)${skipped}`,
  );
}

/** Starts the services, retrying while Postgres is unreachable; an embedded-database error is fatal. */
export function ensureStarted(): Promise<Services> {
  if (state.services) return Promise.resolve(state.services);
  state.starting ??= (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        const services = await startOnce();
        state.services = services;
        state.machineFeeds = (request, response) => serveMachineRequest(services, request, response, MAIN_PORT_API_HEADERS);
        state.apiClientWrites = {
          accepts: isApiClientWrite,
          serve: (request, response) => serveApiClientWrite(services, request, response, MAIN_PORT_API_HEADERS),
        };
        state.lastError = null;
        registerShutdown(services);
        return services;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        state.lastError = message;
        if (!process.env.DATABASE_URL) {
          state.starting = null;
          throw error;
        }
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        log(`database not ready (${message}); retrying in ${Math.round(delay / 1000)}s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  })();
  return state.starting;
}

export function readyServices(): Services | null {
  return state.services;
}

export function startupError(): string | null {
  return state.lastError;
}

function registerShutdown(services: Services) {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log(`${signal}: flushing and closing the database`);
    services
      .close()
      .catch((error) => log(`error while closing: ${(error as Error).message}`))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
