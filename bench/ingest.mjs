#!/usr/bin/env node
/**
 * `npm run bench:ingest`: time and memory to ingest server.json entries (the real ones in
 * ../shared/data/mcp-registry/ with varied names) from a registry on loopback through the real
 * pipeline — 3,000 on PGlite and, when BENCH_DATABASE_URL or TEST_DATABASE_URL is set, 10,000 on
 * Postgres — and how fast the Obot feed, healthz and readyz answer meanwhile (p50/p99). Each
 * database runs in a process of its own (bench/ingest-run.ts), so its memory figures are its own.
 *
 * Results are printed and inserted, newest first, into docs/benchmarks.md.
 *
 * Env: BENCH_ENTRIES_PGLITE (default 3000), BENCH_ENTRIES_POSTGRES (default 10000) — other sizes
 * are printed, not recorded; BENCH_DATABASE_URL (or TEST_DATABASE_URL: a Postgres server on which
 * a throw-away database is created).
 */
import fs from "node:fs";
import path from "node:path";
import { machine, machineLines, reportRun, root, run, runBenchmark, sectionTitle, tempDir } from "./lib.mjs";

const DOC_MARKER = "<!-- bench:ingest inserts new runs below this line, newest first -->";
const ENTRIES = { pglite: Number(process.env.BENCH_ENTRIES_PGLITE || 3_000), postgres: Number(process.env.BENCH_ENTRIES_POSTGRES || 10_000) };
const DEFAULT_SIZES = ENTRIES.pglite === 3_000 && ENTRIES.postgres === 10_000;
const DATA = path.resolve(root, "..", "shared", "data", "mcp-registry");
const POSTGRES_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || null;

const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const n = (value) => value.toLocaleString("en-US");
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function ingestOn(database, dir) {
  const json = path.join(dir, `${database === "pglite" ? "pglite" : "postgres"}.json`);
  console.log(`\n${database === "pglite" ? "PGlite" : "Postgres"}: node --expose-gc --import tsx bench/ingest-run.ts`);
  const result = await run(process.execPath, ["--expose-gc", "--import", "tsx", "bench/ingest-run.ts"], {
    cwd: root,
    env: {
      ...process.env,
      BENCH_DATABASE: database,
      BENCH_ENTRIES: String(ENTRIES[database === "pglite" ? "pglite" : "postgres"]),
      BENCH_DATA: DATA,
      BENCH_JSON: json,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.code !== 0 || !fs.existsSync(json)) throw new Error("bench/ingest-run.ts failed");
  return JSON.parse(fs.readFileSync(json, "utf8"));
}

const reconciles = (c) => c.fetched === c.registered + c.updated + c.unchanged + c.quarantined + c.rejected;

function row(label, r, sync) {
  const s = r[sync];
  const c = s.result.counts;
  const perItem = (s.ms / c.fetched).toFixed(2);
  return `| ${label} | ${seconds(s.ms)} (${perItem} ms per item); CPU ${seconds(s.cpuMs)} | ${MiB(s.peakRss)} (${MiB(s.rssStart)} before) | ${MiB(s.peakHeap)} (${MiB(s.heapStart)} before) | ${n(c.fetched)} fetched: ${n(c.registered)} registered, ${n(c.unchanged)} unchanged, ${n(c.quarantined)} quarantined, ${n(c.rejected)} rejected${reconciles(c) ? "" : " (does not reconcile!)"} |`;
}

const p = (v) => (Number.isFinite(v) ? v.toFixed(0) : "–");
const lat = (l) => `${p(l.p50)} / ${p(l.p99)} (max ${p(l.max)})`;
const failures = (l) =>
  Object.entries(l.statuses)
    .filter(([status]) => status !== "200")
    .map(([status, count]) => `${count} × ${status}`)
    .join(", ");

/** Feed and health latencies (ms) while nothing runs, and during each sync. */
function latencyTable(results) {
  const rows = results.flatMap((r) => {
    const db = r.database === "pglite" ? "PGlite" : "Postgres";
    return [
      [`${db}, idle (no sync)`, r.idle],
      [`${db}, during the first sync (${n(r.entries)} entries)`, r.first.latency],
      [`${db}, during the second sync`, r.second.latency],
    ];
  });
  return [
    "| While | Obot feed p50 / p99 ms | healthz p50 / p99 ms | readyz p50 / p99 ms | Samples | Not 200 |",
    "|---|--:|--:|--:|--:|---|",
    ...rows.map(
      ([label, l]) =>
        `| ${label} | ${lat(l.feed)} | ${lat(l.healthz)} | ${lat(l.readyz)} | ${n(l.feed.n + l.healthz.n + l.readyz.n)} | ${[failures(l.feed), failures(l.healthz), failures(l.readyz)].filter(Boolean).join("; ") || "none"} |`,
    ),
  ].join("\n");
}

function report(results) {
  const table = [
    "| Sync | Time (wall) | Peak RSS | Peak heap | Outcome |",
    "|---|--:|--:|--:|---|",
    ...results.flatMap((r) => {
      const db = r.database === "pglite" ? "PGlite" : "Postgres";
      return [row(`${db}, first (all new)`, r, "first"), row(`${db}, again (nothing changed)`, r, "second")];
    }),
  ].join("\n");
  const first = results[0];
  const reasons = first.first.result.rejections.map(([reason, count]) => `${n(count)} × ${reason}`).join("; ");
  return { table: `${table}\n\n${latencyTable(results)}`, reasons, first };
}

async function main() {
  if (!fs.existsSync(DATA)) {
    console.log(`bench:ingest skipped: it needs the real registry data in ${DATA} (clone ../shared beside the project)`);
    return;
  }
  const startedAt = new Date();
  const info = machine();
  const dir = tempDir("opencrane-bench-ingest-");
  const results = [await ingestOn("pglite", dir)];
  if (POSTGRES_URL) results.push(await ingestOn(POSTGRES_URL, dir));
  else console.log("\nPostgres skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server where a database may be created");

  const { table, reasons, first } = report(results);
  const sizes = results.map((r) => `${n(r.entries)} on ${r.database === "pglite" ? "PGlite" : "Postgres"}`).join(", ");
  const section = [
    sectionTitle(startedAt, `ingestion of server.json entries, ${sizes}, and the feed and health checks meanwhile (bench/ingest.mjs)`),
    "",
    machineLines(info),
    `- Input: entries cycling through the ${n(first.realEntries)} real ones (current and legacy formats), names suffixed \`-1\`, \`-2\`, … after the first round; served by a loopback registry in pages of up to 100 (${results.map((r) => `${n(r.pages)} pages for ${n(r.entries)}`).join(", ")}); one \`mcp-registry\` source, run as the worker runs it (\`executeRun\`)`,
    `- Most frequent rejections (the real data's, repeated by the copies): ${reasons}`,
    `- Latencies: probers in other processes (\`bench/latency-probe.mjs\`, one per URL) ask the app's internal port (same process and database as the sync) for the Obot feed, \`/api/healthz\` and \`/api/readyz\` every 50 ms each, one request in flight per URL; "idle" is 3 s of the same with no sync, the machine's baseline at its load`,
    "",
    table,
  ].join("\n");
  reportRun(DOC_MARKER, section, DEFAULT_SIZES ? null : `BENCH_ENTRIES_PGLITE=${ENTRIES.pglite}, BENCH_ENTRIES_POSTGRES=${ENTRIES.postgres}`);
}

runBenchmark("bench:ingest", main);
