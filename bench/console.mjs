#!/usr/bin/env node
/**
 * `npm run bench:console`: the console's pages at production scale (issue 16), in Chromium.
 *
 * The world of bench/scale-world.ts at the console's size (2,000 servers, 1,000 tenants, 50 groups,
 * 5,000 rules; BENCH_SERVERS / BENCH_TENANTS / BENCH_GROUPS / BENCH_RULES override) is written
 * straight into a fresh embedded database (bench/scale-load.ts), the app (`node scripts/start.mjs`)
 * starts on it with a first admin, and headless Chromium (playwright-core, CHROMIUM_PATH or
 * /usr/bin/chromium) signs in and opens each page BENCH_ROUNDS times (default 3), measuring:
 *
 *  - time to interactive: from navigation start until the page has hydrated, shows its content,
 *    waits for no request of its own and has neither changed nor run a long task for a second
 *    (the time of its last change or the end of its last long task before that quiet second);
 *  - the longest long task (PerformanceObserver 'longtask', tasks over 50 ms) while loading and
 *    while filtering;
 *  - filter latency, on pages with a search box: typing a query at 20 keys/s, the longer of the
 *    slowest key press until its frame was painted (Event Timing: a list filtered on every key
 *    lags there) and the last key until the page stopped changing (no DOM mutation and no long
 *    task for a second, with no request in flight: a list filtered by the server lags there);
 *  - the page's element count once interactive.
 *
 * Medians over the rounds are printed and inserted newest first into docs/benchmarks.md.
 * BENCH_RECORD=0 prints without recording; BENCH_LABEL names the run (e.g. "before").
 */
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { appEnv, machine, machineLines, onCleanup, reportRun, root, run, runBenchmark, sectionTitle, startApp, tempDir } from "./lib.mjs";

const DOC_MARKER = "<!-- bench:console inserts new runs below this line, newest first -->";
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const envNumber = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SIZES = {
  tenants: envNumber("BENCH_TENANTS", 1000),
  servers: envNumber("BENCH_SERVERS", 2000),
  groups: envNumber("BENCH_GROUPS", 50),
  rules: envNumber("BENCH_RULES", 5000),
};
const FULL = SIZES.tenants === 1000 && SIZES.servers === 2000 && SIZES.groups === 50 && SIZES.rules === 5000;
const ADMIN = { email: "bench@console.example", password: "bench-console-password-1" };
const QUIET_MS = 1000;
const SETTLE_TIMEOUT_MS = 60_000;
const KEY_DELAY_MS = 50;

/** Installed before any page script: long tasks and the time of the last DOM change. */
const PROBE = `(() => {
  const bench = (window.__bench = { longTasks: [], keys: [], lastMutation: 0, lastKey: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: "longtask", buffered: true });
    // Event Timing: from each key press until the frame that showed its effect was painted.
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name === "keydown" || entry.name === "input") bench.keys.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: "event", durationThreshold: 16, buffered: true });
  } catch {}
  new MutationObserver(() => (bench.lastMutation = performance.now())).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  addEventListener("keydown", (event) => (bench.lastKey = event.timeStamp), true);
})();`;

/**
 * Waits until no request of the page's own (tRPC, RSC) is in flight and nothing changed in the
 * page and no long task ran for QUIET_MS; returns the page's time of its last change.
 */
async function settle(page, since, inflight) {
  const started = Date.now();
  for (;;) {
    const { now, last } = await page.evaluate((since) => {
      const bench = window.__bench;
      const lastTask = bench.longTasks.reduce((end, t) => Math.max(end, t.start + t.duration), 0);
      return { now: performance.now(), last: Math.max(since, bench.lastMutation, lastTask) };
    }, since);
    if ((inflight.size === 0 && now - last >= QUIET_MS) || Date.now() - started > SETTLE_TIMEOUT_MS) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The page's requests to the app still in flight; Next's prefetches of links in view do not hold a page up. */
function trackRequests(page, baseUrl) {
  const inflight = new Set();
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith(baseUrl) && !url.includes("/_next/static/") && !request.headers()["next-router-prefetch"]) inflight.add(request);
  });
  for (const event of ["requestfinished", "requestfailed"]) page.on(event, (request) => inflight.delete(request));
  return inflight;
}

const longestTask = (tasks, from = 0) => tasks.filter((t) => t.start >= from).reduce((max, t) => Math.max(max, t.duration), 0);

async function measurePage(context, baseUrl, target) {
  const page = await context.newPage();
  const inflight = trackRequests(page, baseUrl);
  try {
    await page.goto(`${baseUrl}${target.path}`, { waitUntil: "commit", timeout: 120_000 });
    await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 120_000 });
    await page.locator(target.ready).first().waitFor({ state: "visible", timeout: 120_000 });
    const readyAt = await page.evaluate(() => performance.now());
    const interactiveAt = await settle(page, readyAt, inflight);
    const loaded = await page.evaluate(() => ({ tasks: window.__bench.longTasks, elements: document.getElementsByTagName("*").length }));
    const result = { tti: interactiveAt, loadLongest: longestTask(loaded.tasks), elements: loaded.elements, filter: null, filterLongest: null };
    if (target.search && (await page.locator(target.search).count()) > 0) {
      const box = page.locator(target.search).first();
      await box.click();
      const typingFrom = await page.evaluate(() => performance.now());
      await box.pressSequentially(target.query, { delay: KEY_DELAY_MS });
      const lastKey = await page.evaluate(() => window.__bench.lastKey);
      const settledAt = await settle(page, lastKey, inflight);
      const { tasks, keys } = await page.evaluate(() => ({ tasks: window.__bench.longTasks, keys: window.__bench.keys }));
      const slowestKey = keys.filter((k) => k.start >= typingFrom).reduce((max, k) => Math.max(max, k.duration), 0);
      result.filter = Math.max(slowestKey, settledAt - lastKey);
      result.filterLongest = longestTask(tasks, typingFrom);
      result.rowsAfterFilter = await page.locator("main tbody tr, main [role=row]").count();
    }
    return result;
  } finally {
    await page.close();
  }
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => (value === null ? "–" : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);
const n = (value) => value.toLocaleString("en-US");

function pagesOf(world) {
  const tenant = world.tenants[Math.floor(world.tenants.length * 0.42)].name;
  const server = world.servers[Math.floor(world.servers.length * 0.39)].name;
  const table = "main table tbody tr, main [role=row]";
  return [
    { name: "Dashboard", path: "/", ready: "main h1" },
    { name: "Catalog (reference: paginated)", path: "/servers", ready: table, search: "main input[type=search]", query: server },
    // The rules' server filter (the compiler warnings' filter comes first on the page since issue 16).
    { name: "Rules", path: "/rules", ready: table, search: "main input[placeholder='name or pattern']", query: server },
    { name: "Tenants", path: "/tenants", ready: table, search: "main input[type=search]", query: tenant },
    { name: "Tenant detail", path: `/tenants/${tenant}`, ready: "main h1" },
    { name: "Groups", path: "/groups", ready: table, search: "main input[type=search]", query: world.groups[7]?.name ?? "group" },
    { name: "Access matrix", path: "/access", ready: "main [role=gridcell]", search: "main input[placeholder='name or team']", query: tenant },
    { name: "Sources", path: "/sources", ready: "main h1" },
    { name: "Review", path: "/review", ready: "main h1" },
    { name: "Users", path: "/users", ready: table },
    { name: "API tokens", path: "/settings/tokens", ready: "main h1" },
  ];
}

async function loadWorld(env, dir) {
  const json = path.join(dir, "world.json");
  const result = await run(process.execPath, ["--import", "tsx", "bench/scale-load.ts"], {
    cwd: root,
    env: { ...env, BENCH_SIZES: JSON.stringify(SIZES), BENCH_JSON: json },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.code !== 0 || !fs.existsSync(json)) throw new Error("bench/scale-load.ts failed");
  return JSON.parse(fs.readFileSync(json, "utf8"));
}

async function main() {
  const startedAt = new Date();
  const info = machine();
  const dir = tempDir("opencrane-bench-console-");
  const env = appEnv(dir, { OPENCRANE_ADMIN_EMAIL: ADMIN.email, OPENCRANE_ADMIN_PASSWORD: ADMIN.password });
  console.log(
    `loading the world: ${Object.entries(SIZES)
      .map(([k, v]) => `${n(v)} ${k}`)
      .join(", ")}`,
  );
  const world = await loadWorld(env, dir);
  const { app } = await startApp(env);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  onCleanup(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(PROBE);
  const login = await context.request.post(`${app.url}/api/auth/login`, { data: ADMIN, headers: { Origin: app.url } });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);

  const pages = pagesOf(world);
  // One unmeasured visit each, so that no page pays for the server's first compile of its route.
  for (const target of pages) await measurePage(context, app.url, { ...target, search: undefined }).catch(() => {});
  const results = Object.fromEntries(pages.map((p) => [p.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of pages) {
      const result = await measurePage(context, app.url, target);
      results[target.name].push(result);
      console.log(
        `round ${round + 1} ${target.name}: interactive ${ms(result.tti)}, longest task ${ms(result.loadLongest)}, ${n(result.elements)} elements` +
          (result.filter === null ? "" : `; filter ${ms(result.filter)} (longest task ${ms(result.filterLongest)}, ${result.rowsAfterFilter} rows)`),
      );
    }
  }
  const browserVersion = browser.version();
  await browser.close();

  const rows = pages.map((target) => {
    const r = results[target.name];
    const pick = (key) => median(r.map((x) => x[key]));
    const tti = pick("tti");
    const longest = Math.max(pick("loadLongest") ?? 0, pick("filterLongest") ?? 0);
    const ok = tti <= 1500 && longest <= 200 ? "yes" : "no";
    return `| ${target.name} | \`${target.path.replace(/\/tenants\/.+/, "/tenants/{name}")}\` | ${ms(tti)} | ${ms(pick("loadLongest"))} | ${n(pick("elements"))} | ${target.search ? ms(pick("filter")) : "–"} | ${target.search ? ms(pick("filterLongest")) : "–"} | ${ok} |`;
  });
  const label = process.env.BENCH_LABEL ? ` — ${process.env.BENCH_LABEL}` : "";
  const section = [
    sectionTitle(startedAt, `console at scale (bench/console.mjs)${label}`),
    "",
    machineLines(info),
    `- Browser: Chromium ${browserVersion} headless, 1440×900; ${ROUNDS} rounds, medians`,
    `- World (bench/scale-world.ts, embedded database): ${n(SIZES.servers)} servers, ${n(SIZES.tenants)} tenants, ${n(SIZES.groups)} groups, ${n(SIZES.rules)} rules`,
    "",
    "| Page | Path | Interactive | Longest task (load) | Elements | Filter latency | Longest task (filter) | ≤ 1.5 s and ≤ 200 ms |",
    "|---|---|--:|--:|--:|--:|--:|---|",
    ...rows,
  ].join("\n");
  reportRun(DOC_MARKER, section, !FULL ? "not the full world" : process.env.BENCH_RECORD === "0" ? "BENCH_RECORD=0" : null);
}

runBenchmark("bench:console", main);
