/**
 * One database's part of `npm run bench:ingest`: 10,000 server.json entries, made by varying the
 * names of the real ones in ../shared/data/mcp-registry/, served by a registry on loopback that
 * pages like the official API, ingested by the real pipeline (fetch → scan → validate → register
 * → entitle) into a fresh database; then the same source synced again (every item unchanged).
 *
 *   node --expose-gc --import tsx bench/ingest-run.ts
 *
 * Env: BENCH_DATABASE (`pglite`, or a Postgres URL on which a throw-away database is created and
 * dropped), BENCH_ENTRIES (default 10000), BENCH_DATA (the mcp-registry data directory),
 * BENCH_JSON (also write the results there, for bench/ingest.mjs).
 */
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { openPGlite, openPostgres, type Database } from "../src/server/db/client";
import { AllowList } from "../src/server/ingest/fetch";
import { executeRun } from "../src/server/ingest/pipeline";
import { claimRunById, getRun, queueRun } from "../src/server/ingest/runs";
import { createSource } from "../src/server/ingest/sources";
import { startFakeRegistry } from "../test/support/fake-registry";

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
  const database = await openPostgres(url.toString(), { max: 4 });
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
    return { result, ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, rssStart: start.rss, heapStart: start.heapUsed, peakRss: peak.rss, peakHeap: peak.heapUsed };
  } finally {
    clearInterval(sampler);
  }
}

async function main() {
  const base = realEntries();
  const entries = varyNames(base, ENTRIES);
  const registry = await startFakeRegistry(entries.map((server) => ({ server })));
  const { database, dispose } = await openDatabase();
  const db = database.db;
  const deps = { allow: new AllowList(["127.0.0.1"]), denylist: [] };
  try {
    await createSource(db, BENCH, { name: "bench-registry", kind: "mcp-registry", url: registry.url }, { approved: true });
    const sync = async () => {
      const run = await queueRun(db, BENCH, "bench-registry", "manual");
      if (!(await claimRunById(db, run.id, "bench"))) throw new Error("could not claim the run");
      if (!(await executeRun(db, run.id, deps))) throw new Error(`the run failed: ${(await getRun(db, "bench-registry", run.id)).error}`);
      const { counts, status, items } = await getRun(db, "bench-registry", run.id);
      if (status !== "succeeded") throw new Error(`the run ended ${status}`);
      return { counts, rejections: topReasons(items.filter((i) => i.outcome === "rejected").flatMap((i) => i.errors)) };
    };
    const first = await measured(sync);
    console.log(`first sync (${DATABASE === "pglite" ? "PGlite" : "Postgres"}): ${first.ms.toFixed(0)} ms, ${JSON.stringify(first.result)}`);
    const second = await measured(sync);
    console.log(`second sync, nothing changed: ${second.ms.toFixed(0)} ms, ${JSON.stringify(second.result)}`);
    const pages = registry.requests.length / 2;
    const result = { database: database.kind, entries: ENTRIES, realEntries: base.length, pages, first, second };
    if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(result));
  } finally {
    await dispose();
    await registry.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
