import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import { isDatabaseUnavailable } from "../errors";
import { DatabaseBreaker } from "./breaker";
import { StatementPreparer, withPreparedStatements } from "./prepared-statements";
import { schema } from "./schema";

/** The schema-typed database every domain function takes; PGlite and postgres-js both satisfy it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  /** Where the data lives, for logs and the dashboard (never includes a password). */
  location: string;
  /**
   * Subscribe to a NOTIFY channel; resolves to an unsubscribe function. `onListen` runs each time
   * the subscription is (re)established: notifications sent while it was down are lost.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  /** Postgres only: fails queries at once while the database is known to be unreachable. */
  breaker?: DatabaseBreaker;
  /** Resolves when the database can answer queries (readiness); rejects with why it cannot. */
  answers(): Promise<void>;
  /**
   * Opens every connection the pool may hold (Postgres), so that the first concurrent requests
   * after a start do not each wait for a connection to be set up; answers how many are open.
   */
  openPool(): Promise<number>;
  migrate(migrationsFolder?: string): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_MIGRATIONS_FOLDER = path.join(/*turbopackIgnore: true*/ process.cwd(), "drizzle");
const MIGRATION_LOCK_KEY = 7_243_911_002;

export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://…";
  }
}

export interface PostgresOptions {
  max?: number;
  /** Run recurring statements prepared (see prepared-statements.ts); default true. */
  preparedStatements?: boolean;
  /** How long opening a connection may take before it counts as failed. */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
/** How long the breaker stays open before probing the database again. */
const BREAKER_RETRY_MS = 1000;

/**
 * Seconds before the driver re-opens a connection after its n-th failed attempt in a row: the
 * driver's own curve, capped at one second instead of twenty. Waiting longer only delays recovery
 * (the LISTEN connection, and queries after the database returns); the breaker, not this delay,
 * keeps an outage from turning into a connection storm.
 */
export function reconnectBackoffSeconds(attempt: number, random = Math.random()): number {
  return (0.5 + random / 2) * Math.min(3 ** attempt / 100, 1);
}

/** One `select 1` on a connection of its own, so a probe never queues behind the pool. */
async function probePostgres(url: string, connectTimeoutMs: number): Promise<void> {
  const { default: postgres } = await import("postgres");
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: connectTimeoutMs / 1000, fetch_types: false });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe`select 1`,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error(`no answer to select 1 within ${connectTimeoutMs + 1000} ms`), { code: "ETIMEDOUT" })),
          connectTimeoutMs + 1000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    void probe.end({ timeout: 0 }).catch(() => undefined);
  }
}

/** A query refused by the open breaker: awaitable like the driver's queries, and rejects only when awaited. */
function refusedQuery(error: Error) {
  const refused = {
    then: (onFulfilled?: (value: never) => unknown, onRejected?: (reason: unknown) => unknown) => Promise.reject(error).then(onFulfilled, onRejected),
    catch: (onRejected?: (reason: unknown) => unknown) => Promise.reject(error).catch(onRejected),
    finally: (onFinally?: () => void) => Promise.reject(error).finally(onFinally),
    values: () => refused,
    raw: () => refused,
    simple: () => refused,
    execute: () => refused,
  };
  return refused;
}

/** The pool as Drizzle sees it, with every query (`unsafe`) and transaction (`begin`) passing the breaker. */
function gatedClient(client: Sql, breaker: DatabaseBreaker): Sql {
  const unsafe = (...args: Parameters<Sql["unsafe"]>) => {
    const refusal = breaker.refusal();
    if (refusal) return refusedQuery(refusal);
    const query = client.unsafe(...args);
    // The driver starts a query when it is first awaited; Drizzle awaits it at once, so observing
    // it here changes nothing but lets a connection failure start a probe.
    query.catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) void breaker.probe();
    });
    return query;
  };
  const begin = (...args: unknown[]) => breaker.run(() => (client.begin as (...a: unknown[]) => Promise<unknown>)(...args));
  return new Proxy(client, {
    get(target, property) {
      if (property === "unsafe") return unsafe;
      if (property === "begin") return begin;
      return Reflect.get(target, property, target);
    },
  });
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const location = redactDatabaseUrl(url);
  const poolSize = options.max ?? 10;
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connect_timeout: connectTimeoutMs / 1000,
    idle_timeout: 60,
    backoff: (attempt) => reconnectBackoffSeconds(attempt),
  });
  const breaker = new DatabaseBreaker({
    probe: () => probePostgres(url, connectTimeoutMs),
    isUnavailable: isDatabaseUnavailable,
    retryMs: BREAKER_RETRY_MS,
    onChange: (state, { error, downMs }) =>
      state === "open"
        ? console.error(
            `[opencrane] database ${location} unreachable (${error instanceof Error ? error.message : String(error)}): failing requests fast, probing every ${BREAKER_RETRY_MS / 1000}s`,
          )
        : console.log(`[opencrane] database ${location} reachable again after ${Math.round((downMs ?? 0) / 100) / 10}s`),
  });
  const pooled = options.preparedStatements === false ? client : withPreparedStatements(client, new StatementPreparer());
  const db = drizzle({ client: gatedClient(pooled, breaker), schema, casing: "snake_case" }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    location,
    breaker,
    async answers() {
      await db.execute(sql`select 1`);
    },
    async openPool() {
      // Statements started together each take an idle connection, or open one while the pool has room.
      await Promise.all(Array.from({ length: poolSize }, () => db.execute(sql`select 1`)));
      return poolSize;
    },
    async listen(channel, onNotify, onListen) {
      const subscription = await client.listen(channel, onNotify, onListen);
      return () => subscription.unlisten();
    },
    async migrate(migrationsFolder = DEFAULT_MIGRATIONS_FOLDER) {
      // Replicas starting together must not race each other through the same migrations.
      const lockClient = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: Math.max(10, connectTimeoutMs / 1000) });
      try {
        await lockClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        const { migrate } = await import("drizzle-orm/postgres-js/migrator");
        await migrate(drizzle({ client: lockClient, casing: "snake_case" }), { migrationsFolder });
        await lockClient`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await lockClient.end({ timeout: 5 });
      }
    },
    async close() {
      breaker.stop();
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * Which process a pid is, beyond its number: the kernel's boot id and the process's start time
 * (Linux /proc), so a lock left by a dead process is not mistaken for one held by whatever
 * process got its pid since (after a reboot or a container restart, pids are reused at once).
 * Null where /proc does not tell.
 */
export function processIdentity(pid: number): string | null {
  try {
    const boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    const startTime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    return startTime ? `${boot}:${startTime}` : null;
  } catch {
    return null;
  }
}

/** The owner a lock file names: `{"pid":…,"identity":…}`, or a bare pid (older versions). */
function lockOwner(text: string): { pid: number; identity: string | null } {
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; identity?: unknown };
    if (typeof parsed === "object" && parsed !== null && typeof parsed.pid === "number") {
      return { pid: parsed.pid, identity: typeof parsed.identity === "string" ? parsed.identity : null };
    }
  } catch {
    // a bare pid
  }
  return { pid: Number(text.trim()), identity: null };
}

/**
 * PGlite allows one open instance per data directory: a second one, in this process or another,
 * corrupts it. A lock file naming the owner process makes a second opener fail with a clear
 * message; a lock whose process is gone (or whose pid now belongs to another process) is stale.
 */
function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(/*turbopackIgnore: true*/ dataDir, "opencrane.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, identity: processIdentity(process.pid) }), { flag: "wx" });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const { pid: owner, identity } = lockOwner(fs.readFileSync(lockPath, "utf8"));
      const sameProcess = identity === null || identity === processIdentity(owner);
      if (owner && owner !== process.pid && isAlive(owner) && sameProcess) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${owner} (is the server running?). ` +
            "Stop that process first, or point OPENCRANE_DATA_DIR at another directory.",
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const RECENT_ANSWER_MS = 2000;

/** Notes when the embedded database last answered a query or transaction. */
function recordAnswers(client: {
  query: (...args: never[]) => Promise<unknown>;
  exec: (...args: never[]) => Promise<unknown>;
  transaction: (...args: never[]) => Promise<unknown>;
}) {
  let lastAnswerAt = 0;
  for (const method of ["query", "exec", "transaction"] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as Record<string, unknown>)[method] = (...args: unknown[]) =>
      original(...args).then((result) => {
        lastAnswerAt = Date.now();
        return result;
      });
  }
  return () => lastAnswerAt;
}

/** `dataDir` undefined means an in-memory database (tests). */
export async function openPGlite(dataDir?: string): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const release = dataDir ? acquireDataDirLock(dataDir) : () => {};
  let client: InstanceType<typeof PGlite>;
  try {
    client = new PGlite(dataDir ? path.resolve(/*turbopackIgnore: true*/ dataDir) : undefined);
    await client.waitReady;
  } catch (error) {
    release();
    throw error;
  }
  const lastAnswer = recordAnswers(client);
  const db = drizzle({ client, schema, casing: "snake_case" }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    // One connection, in this process: nothing to open.
    openPool: async () => 1,
    async answers() {
      if (client.closed) throw new Error("the embedded database is closed");
      // Its queries run one at a time in this process: a `select 1` would wait behind a sync's
      // batch and measure that queue, not whether the database answers. One that answered
      // moments ago shows it does; only a quiet (or wedged) database is asked.
      if (Date.now() - lastAnswer() < RECENT_ANSWER_MS) return;
      await client.query("select 1");
    },
    location: dataDir ? path.resolve(/*turbopackIgnore: true*/ dataDir) : "memory",
    async listen(channel, onNotify, onListen) {
      const unsubscribe = await client.listen(channel, onNotify);
      onListen?.();
      return () => unsubscribe();
    },
    async migrate(migrationsFolder = DEFAULT_MIGRATIONS_FOLDER) {
      const { migrate } = await import("drizzle-orm/pglite/migrator");
      await migrate(drizzle({ client, casing: "snake_case" }), { migrationsFolder });
    },
    async close() {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

export interface DatabaseConfig {
  databaseUrl?: string;
  dataDir: string;
  databaseConnectTimeoutMs?: number;
  databasePreparedStatements?: boolean;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (process.env.NEXT_PHASE === "phase-production-build") {
    throw new Error("the database must not be opened during `next build`");
  }
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, { connectTimeoutMs: config.databaseConnectTimeoutMs, preparedStatements: config.databasePreparedStatements })
    : openPGlite(config.dataDir);
}
