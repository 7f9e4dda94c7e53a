#!/usr/bin/env node
/**
 * `npm run bench:ingest`: time and memory to ingest 10,000 server.json entries (the real ones in
 * ../shared/data/mcp-registry/ with varied names) from a registry on loopback through the real
 * pipeline, on PGlite and, when BENCH_DATABASE_URL or TEST_DATABASE_URL is set, on Postgres. Each
 * database runs in a process of its own (bench/ingest-run.ts), so its memory figures are its own.
 *
 * Results are printed and inserted, newest first, into docs/benchmarks.md.
 *
 * Env: BENCH_ENTRIES (default 10000; other sizes are printed, not recorded), BENCH_DATABASE_URL
 * (or TEST_DATABASE_URL: a Postgres server on which a throw-away database is created).
 */
import fs from "node:fs";
import path from "node:path";
import { machine, machineLines, recordInDoc, root, run, runBenchmark, sectionTitle, tempDir } from "./lib.mjs";

const DOC_MARKER = "<!-- bench:ingest inserts new runs below this line, newest first -->";
const ENTRIES = Number(process.env.BENCH_ENTRIES || 10_000);
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
    env: { ...process.env, BENCH_DATABASE: database, BENCH_ENTRIES: String(ENTRIES), BENCH_DATA: DATA, BENCH_JSON: json },
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
  return { table, reasons, first };
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
  const section = [
    sectionTitle(startedAt, `ingestion of ${n(ENTRIES)} server.json entries (bench/ingest.mjs)`),
    "",
    machineLines(info),
    `- Input: ${n(ENTRIES)} entries cycling through the ${n(first.realEntries)} real ones (current and legacy formats), names suffixed \`-1\`, \`-2\`, … after the first round; served by a loopback registry in ${n(first.pages)} pages of up to 100; one \`mcp-registry\` source, run as the worker runs it (\`executeRun\`)`,
    `- Most frequent rejections (the real data's, repeated by the copies): ${reasons}`,
    "",
    table,
  ].join("\n");
  console.log(`\n${section}\n`);
  if (ENTRIES !== 10_000) {
    console.log(`BENCH_ENTRIES=${ENTRIES}: not recorded in docs/benchmarks.md`);
    return;
  }
  recordInDoc(DOC_MARKER, section);
  console.log(`recorded in ${path.relative(root, path.join(root, "docs", "benchmarks.md"))}`);
}

runBenchmark("bench:ingest", main);
