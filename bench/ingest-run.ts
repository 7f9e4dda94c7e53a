/**
 * One database's part of `npm run bench:ingest`: 10,000 server.json entries, made by varying the
 * names of the real ones in ../shared/data/mcp-registry/, served by a registry on loopback that
 * pages like the official API, ingested by the real pipeline (fetch → scan → validate → register
 * → entitle) into a fresh database; then the same source synced again (every item unchanged).
 * During each sync the app's internal port (started here over the same services) answers a
 * prober in another process (bench/latency-probe.mjs) polling the Obot feed, healthz and readyz:
 * the latencies say whether a sync starves the server.
 *
 *   node --expose-gc --import tsx bench/ingest-run.ts
 *
 * Env: BENCH_DATABASE (`pglite`, or a Postgres URL on which a throw-away database is created and
 * dropped), BENCH_ENTRIES (default 10000), BENCH_DATA (the mcp-registry data directory),
 * BENCH_JSON (also write the results there, for bench/ingest.mjs).
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import postgres from "postgres";
import { openPGlite, openPostgres, type Database } from "../src/server/db/client";
import { AllowList } from "../src/server/ingest/fetch";
import { executeRun } from "../src/server/ingest/pipeline";
import { claimRunById, getRun, queueRun } from "../src/server/ingest/runs";
import { createSource, sourceCreateInput } from "../src/server/ingest/sources";
import { startInternalServer } from "../src/server/feeds/internal-server";
import { startServices } from "../src/server/services";
import { startFakeRegistry } from "../test/support/fake-registry";
import { TEST_CONFIG } from "../test/support/services";

const ENTRIES = Number(process.env.BENCH_ENTRIES || 10_000);
const DATABASE = process.env.BENCH_DATABASE || "pglite";
const DATA = process.env.BENCH_DATA || path.resolve(__dirname, "..", "..", "shared", "data", "mcp-registry");
const MIGRATIONS = path.resolve(__dirname, "..", "drizzle");
const BENCH = { actor: { kind: "system" as const, id: "bench" } };
const SAMPLE_MS = 20;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with: node --expose-gc --import tsx bench/ingest-run.ts");
  process.exit(1);
}

/** The real entries, current (2025-12-11) and legacy (2025-07-09 snake_case) formats alike. */
function realEntries(): Record<string, unknown>[] {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(DATA, file), "utf8")) as Record<string, unknown>[];
  return [...read("seed-current-format.json"), ...read("seed_2025_05_16.json")];
}

/** `count` entries cycling through the real ones; every copy after the first gets a suffixed name. */
function varyNames(base: readonly Record<string, unknown>[], count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const entry = base[i % base.length]!;
    const copy = Math.floor(i / base.length);
    return copy === 0 ? entry : { ...entry, name: `${String(entry.name)}-${copy}` };
  });
}

/** The most frequent rejection reasons, with names and values masked so that equal causes count together. */
function topReasons(errors: readonly string[], top = 5): [string, number][] {
  const tally = new Map<string, number>();
  for (const error of errors) {
    const reason = error.replace(/'[^']*'/g, "'…'").replace(/: [^:]*: /, ": …: ");
    tally.set(reason, (tally.get(reason) ?? 0) + 1);
  }
  return [...tally].sort((a, b) => b[1] - a[1]).slice(0, top);
}

async function openDatabase(): Promise<{ database: Database; dispose: () => Promise<void> }> {
  if (DATABASE === "pglite") {
    const database = await openPGlite();
    await database.migrate(MIGRATIONS);
    return { database, dispose: () => database.close() };
  }
  const name = `opencrane_bench_${process.pid}`;
  const admin = postgres(DATABASE, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(DATABASE);
  url.pathname = `/${name}`;
  // The app's own pool size: a sync must leave connections for everything else.
  const database = await openPostgres(url.toString());
  await database.migrate(MIGRATIONS);
  return {
    database,
    dispose: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The process's peak RSS and heap while `work` runs, sampled every SAMPLE_MS, after a gc() first. */
async function measured<T>(work: () => Promise<T>) {
  gc!();
  const start = process.memoryUsage();
  const peak = { rss: start.rss, heapUsed: start.heapUsed };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  }, SAMPLE_MS);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await work();
    const cpu = process.cpuUsage(cpuStart);
    return {
      result,
      ms: performance.now() - started,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssStart: start.rss,
      heapStart: start.heapUsed,
      peakRss: peak.rss,
      peakHeap: peak.heapUsed,
    };
  } finally {
    clearInterval(sampler);
  }
}

const PROBED = { feed: "/api/internal/obot-registry", healthz: "/api/healthz", readyz: "/api/readyz" };

/** Latencies of the probed endpoints while `work` runs, from a prober in another process. */
async function probed<T>(base: string, work: () => Promise<T>) {
  const urls = Object.values(PROBED).map((p) => `${base}${p}`);
  const prober = fork(path.join(__dirname, "latency-probe.mjs"), urls, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise((resolve) => prober.once("message", resolve));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await work();
  prober.send("stop");
  const samples = (await new Promise((resolve) => prober.once("message", resolve))) as Record<
    string,
    { latencies: number[]; statuses: Record<string, number> }
  >;
  const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const latency = Object.fromEntries(
    Object.entries(PROBED).map(([name, p]) => {
      const s = samples[`${base}${p}`]!;
      const sorted = [...s.latencies].sort((x, y) => x - y);
      return [name, { n: sorted.length, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: sorted.at(-1) ?? NaN, statuses: s.statuses }];
    }),
  );
  return { result, latency };
}

async function main() {
  const base = realEntries();
  const entries = varyNames(base, ENTRIES);
  const registry = await startFakeRegistry(entries.map((server) => ({ server })));
  const { database, dispose } = await openDatabase();
  const db = database.db;
  const deps = { allow: new AllowList(["127.0.0.1"]), denylist: [] };
  // The app's services over this database, without the background worker (the syncs are run
  // below as the worker runs them), serving the feed and health checks on the internal port.
  const services = await startServices({ ...TEST_CONFIG, obotRegistryToken: undefined }, database, { migrate: false, background: false });
  const internal = await startInternalServer(services, 0, "127.0.0.1");
  const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
  try {
    await createSource(db, BENCH, sourceCreateInput.parse({ name: "bench-registry", kind: "mcp-registry", url: registry.url }), { approved: true });
    const sync = async () => {
      const run = await queueRun(db, BENCH, "bench-registry", "manual");
      if (!(await claimRunById(db, run.id, "bench"))) throw new Error("could not claim the run");
      if (!(await executeRun(db, run.id, deps))) throw new Error(`the run failed: ${(await getRun(db, "bench-registry", run.id)).error}`);
      const { counts, status, items } = await getRun(db, "bench-registry", run.id);
      if (status !== "succeeded") throw new Error(`the run ended ${status}`);
      return { counts, rejections: topReasons(items.filter((i) => i.outcome === "rejected").flatMap((i) => i.errors)) };
    };
    const measuredSync = async () => {
      const { result, latency } = await probed(internalUrl, () => measured(sync));
      return { ...result, latency };
    };
    // The same probes with no sync running: what this machine answers at its current load.
    const idle = (await probed(internalUrl, () => new Promise((resolve) => setTimeout(resolve, 3000)))).latency;
    console.log(`idle: latency ${JSON.stringify(idle)}`);
    const first = await measuredSync();
    console.log(
      `first sync (${DATABASE === "pglite" ? "PGlite" : "Postgres"}): ${first.ms.toFixed(0)} ms, ${JSON.stringify(first.result)}, latency ${JSON.stringify(first.latency)}`,
    );
    const second = await measuredSync();
    console.log(`second sync, nothing changed: ${second.ms.toFixed(0)} ms, ${JSON.stringify(second.result)}, latency ${JSON.stringify(second.latency)}`);
    const pages = registry.requests.length / 2;
    const result = { database: database.kind, entries: ENTRIES, realEntries: base.length, pages, idle, first, second };
    if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(result));
  } finally {
    await new Promise((resolve) => internal.close(resolve));
    await dispose();
    await registry.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
