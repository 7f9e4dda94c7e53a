#!/usr/bin/env node
/**
 * `npm run bench:feeds`: GET /api/internal/obot-registry served by the app, on its main port
 * (the Next.js route handler) and on its internal port (the plain node:http listener), against
 * nginx serving the same bytes as static files, all measured with wrk in one run. The ratios to
 * nginx are the figures to compare across runs; absolute numbers move with the load on the machine.
 * Results are printed and inserted, newest first, into docs/benchmarks.md.
 *
 * Env: BENCH_DURATION (wrk -d per round, default 10s), BENCH_ROUNDS (default 3).
 */
import { gzipSync } from "node:zlib";
import {
  appEnv,
  checkAnswer,
  DURATION,
  get,
  machine,
  machineLines,
  measureScenarios,
  reportRun,
  requireBinaries,
  resultTable,
  root,
  ROUNDS,
  run,
  runBenchmark,
  sectionTitle,
  startApp,
  startNginx,
  tempDir,
  WARMUP,
  WRK_LOAD,
  writeStaticFiles,
  wrkScript,
} from "./lib.mjs";

const FEED_PATH = "/api/internal/obot-registry";
const DOC_MARKER = "<!-- bench:feeds inserts new runs below this line, newest first -->";

const SCENARIOS = [
  { name: "GET → 200", status: 200, headers: () => ({}) },
  { name: "If-None-Match → 304", status: 304, headers: (target) => ({ "If-None-Match": target.etag }) },
  { name: "Accept-Encoding: gzip → 200", status: 200, encoding: "gzip", headers: () => ({ "Accept-Encoding": "gzip" }) },
];

// gzip_static: a file compressed once, as the internal port compresses once per snapshot (the
// main port gzips every response).
const NGINX_LOCATION = `    location = ${FEED_PATH} {
      default_type application/json;
      etag on;
      gzip_static on;
      gzip_vary on;
    }`;

function report({ rows, info, feed, startedAt }) {
  return `${sectionTitle(startedAt, "Obot feed (bench/feeds.mjs)")}

${machineLines(info)}
- Load: \`wrk ${WRK_LOAD.join(" ")} -d${DURATION}\`, ${ROUNDS} rounds per scenario rotating the three targets, after a ${WARMUP} warm-up of each
- Feed: ${feed.entries} entries, ${feed.bytes} bytes; gzip ${feed.gzipApp} bytes from the main port (on the fly), ${feed.gzipInternal} from the internal port and ${feed.gzipNginx} from nginx (both precompressed)

${resultTable(rows)}`;
}

async function main() {
  const bin = requireBinaries("bench:feeds");
  if (!bin) return;
  const startedAt = new Date();
  const info = machine(bin);

  const dir = tempDir();
  const env = appEnv(dir);

  console.log("seeding the demo catalog…");
  const seed = await run("npm", ["run", "--silent", "seed:demo"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  if (seed.code !== 0) throw new Error("npm run seed:demo failed");

  const { app, internal, waitForInternal } = await startApp(env);

  const feedResponse = await get(`${app.url}${FEED_PATH}`);
  if (feedResponse.status !== 200) throw new Error(`the app answered the feed with ${feedResponse.status}`);
  const body = feedResponse.body;
  app.etag = feedResponse.headers.etag;
  await waitForInternal();
  internal.etag = (await get(`${internal.url}${FEED_PATH}`)).headers.etag;

  writeStaticFiles(dir, { [FEED_PATH]: body, [`${FEED_PATH}.gz`]: gzipSync(body, { level: 9 }) });
  const nginx = await startNginx(bin.nginx, dir, NGINX_LOCATION, FEED_PATH);
  nginx.etag = (await get(`${nginx.url}${FEED_PATH}`)).headers.etag;

  const targets = [app, internal, nginx];
  const gzipBytes = {};
  for (const target of targets) {
    for (const scenario of SCENARIOS) {
      const size = await checkAnswer(target, FEED_PATH, scenario, body);
      if (scenario.encoding) gzipBytes[target.key] = size;
    }
  }

  const rows = await measureScenarios({
    wrkBin: bin.wrk,
    scriptFile: wrkScript(dir),
    scenarios: SCENARIOS,
    targets,
    urlPath: FEED_PATH,
    bodyBytes: (target, scenario) => (scenario.encoding ? gzipBytes[target.key] : body.length),
  });

  const section = report({
    rows,
    info,
    startedAt,
    feed: {
      entries: JSON.parse(body.toString("utf8")).length,
      bytes: body.length,
      gzipApp: gzipBytes.app,
      gzipInternal: gzipBytes.internal,
      gzipNginx: gzipBytes.nginx,
    },
  });
  reportRun(DOC_MARKER, section);
}

runBenchmark("bench:feeds", main);
