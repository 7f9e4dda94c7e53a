#!/usr/bin/env node
/**
 * `npm run bench:scale`: the control plane at production scale (issue 13). The world of
 * bench/scale-world.ts (by default 2,000 servers of which ~1,700 active with real tool previews,
 * 10,000 tenants each with a tenant token, 200 groups, 20,000 rules) is written straight into a
 * fresh database (bench/scale-load.ts), then the app (`node scripts/start.mjs`) runs on it and is
 * measured from outside, phase by phase:
 *
 *  1. start-up to readyz 200, on the first start with the world and on a restart;
 *  2. resident memory after start, after every tenant polled its contract once, after the write
 *     phases, and after every tenant polled again;
 *  3. writes through REST (a grant, a tenant, a group and a server change in turn): the first
 *     BENCH_FIRST_WRITES after start from BENCH_WRITE_CLIENTS concurrent clients (what an admin
 *     meets right after a restart, while the server's code and the database's prepared
 *     statements warm up), then one client, then BENCH_WRITE_CLIENTS concurrent ones, while a
 *     prober in another process asks the internal port for the Obot feed, a contract and healthz
 *     (with their ETags, as pollers do);
 *  4. how long after a grant for a tenant its contract (polled on the internal port with its
 *     token) shows the server;
 *  5. the feed and a contract (200, and 304 with the ETag) on the main and internal ports against
 *     nginx serving the same bytes as static files, with wrk, as bench:feeds does;
 *  6. "many pods": BENCH_PODS tenants' tokens rotating with their ETags (wrk with a Lua script that
 *     rotates path, token and If-None-Match per request), against nginx serving each tenant's bytes.
 *
 * Every phase is bounded in count and time, so a slow build still finishes; the report says how
 * much each phase measured. Results are printed and, for the full default world, inserted newest
 * first into docs/benchmarks.md.
 *
 * Env: BENCH_DATABASE (postgres, the default, or pglite); BENCH_DATABASE_URL or TEST_DATABASE_URL
 * (a Postgres server on which a throw-away database is created and dropped); BENCH_SCALE (default 1)
 * or BENCH_TENANTS / BENCH_SERVERS / BENCH_GROUPS / BENCH_RULES; BENCH_WRITES (writes per measured write phase,
 * default 200), BENCH_FIRST_WRITES (default 40), BENCH_WRITE_SECONDS (default 120 per write phase), BENCH_WRITE_CLIENTS (default 8),
 * BENCH_VISIBILITY_WRITES (default 5), BENCH_POLL_SECONDS (default 300 per pass over every tenant),
 * BENCH_PODS (default 1000); BENCH_WRITE_TRACE=1 prints each write's start and latency; BENCH_POD_MEMORY_MB (default 512: the measured restart runs in a memory
 * cgroup of that size, as a pod with that limit does; 0 for none); BENCH_DURATION and BENCH_ROUNDS
 * for wrk as in the other benchmarks.
 * BENCH_ONLY=memory runs a focused part instead (minutes, not half an hour): one start, RSS after
 * it and after every tenant polled its contract once and then again; BENCH_ONLY=memory,nginx adds
 * the feed and a contract against nginx. Recorded (full world) under its own heading.
 * BENCH_SERVER=internal (focused runs only) serves the internal port alone, without Next.js
 * (bench/internal-only.ts): no `next build`, and the memory figures leave out Next's share.
 */
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import {
  appEnv,
  checkAnswer,
  cpuBetween,
  cpuByProcessName,
  freePort,
  DURATION,
  get,
  latencyStats,
  machine,
  machineLines,
  measureScenarios,
  onCleanup,
  reportRun,
  request,
  requireBinaries,
  residentMemory,
  resultTable,
  root,
  ROUNDS,
  run,
  runBenchmark,
  sectionTitle,
  serverPid,
  memoryCgroup,
  startApp,
  startNginx,
  startStaticNode,
  startProcess,
  tempDir,
  WARMUP,
  WRK_LOAD,
  WRK_REPORT,
  whileProbing,
  writeStaticFiles,
  wrkScript,
} from "./lib.mjs";
import { FULL_SIZES, scaledSizes } from "./policy-world.mjs";

const DOC_MARKER = "<!-- bench:scale inserts new runs below this line, newest first -->";
const FEED_PATH = "/api/internal/obot-registry";
const contractPath = (tenant) => `/api/internal/contract/${tenant}`;

function envNumber(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0 (got '${text}')`);
  return value;
}

const SCALE = envNumber("BENCH_SCALE", 1);
const scaled = scaledSizes(SCALE);
const SIZES = {
  tenants: envNumber("BENCH_TENANTS", scaled.tenants),
  servers: envNumber("BENCH_SERVERS", scaled.servers),
  groups: envNumber("BENCH_GROUPS", scaled.groups),
  rules: envNumber("BENCH_RULES", scaled.rules),
};
const FULL_WORLD = Object.keys(FULL_SIZES).every((key) => SIZES[key] === FULL_SIZES[key]);
const WRITES = envNumber("BENCH_WRITES", 200);
const FIRST_WRITES = envNumber("BENCH_FIRST_WRITES", 40);
const WRITE_SECONDS = envNumber("BENCH_WRITE_SECONDS", 120);
const CLIENTS = Math.max(1, envNumber("BENCH_WRITE_CLIENTS", 8));
const VISIBILITY_WRITES = envNumber("BENCH_VISIBILITY_WRITES", 5);
const POLL_SECONDS = envNumber("BENCH_POLL_SECONDS", 300);
const PODS = envNumber("BENCH_PODS", 1000);
const DATABASE = process.env.BENCH_DATABASE || "postgres";
const POSTGRES_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || null;
const SERVER = process.env.BENCH_SERVER || "app";
const ONLY = new Set((process.env.BENCH_ONLY ?? "").split(",").filter(Boolean));
for (const part of ONLY) if (!["memory", "nginx", "writes"].includes(part)) throw new Error(`BENCH_ONLY takes memory, nginx and writes (got '${part}')`);
if (ONLY.has("writes") && ONLY.size > 1) throw new Error("BENCH_ONLY=writes runs alone");

/** A write slower than this counts as failed (today's main takes seconds per write at full scale). */
const WRITE_TIMEOUT_MS = 120_000;
/** How long a contract may take to show a granted server before the attempt counts as not seen. */
const VISIBILITY_TIMEOUT_MS = 30_000;
const VISIBILITY_POLL_MS = 10;
const POLL_CONCURRENCY = 8;
const IDLE_PROBE_MS = 5_000;
const READY_POLL_MS = 50;
/** The measured restart runs in a memory cgroup of this size, as in a pod with that limit (0: none). */
const POD_MEMORY_MIB = envNumber("BENCH_POD_MEMORY_MB", 512);
/** Writes may leave rebuilds behind them: wait (at most this long) until the snapshot stays put. */
const QUIET_TIMEOUT_MS = 120_000;
const WRK_ARGS = ["--timeout", "10s"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const n = (value) => value.toLocaleString("en-US");
const MiB = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : "–");
const msText = (value) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : "–");
const lat = (l) => `${msText(l.p50)} / ${msText(l.p99)} (max ${msText(l.max)})`;

// ---------------------------------------------------------------------------------------------
// The database and the world

/** A throw-away Postgres database, dropped at cleanup; returns its URL. */
async function createPostgresDatabase() {
  if (!POSTGRES_URL) throw new Error("BENCH_DATABASE=postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL (or set BENCH_DATABASE=pglite)");
  const name = `opencrane_bench_scale_${process.pid}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  onCleanup(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function loadWorld(env, dir) {
  const json = path.join(dir, "world.json");
  console.log(
    `loading the world (${Object.entries(SIZES)
      .map(([k, v]) => `${n(v)} ${k}`)
      .join(", ")}): node --import tsx bench/scale-load.ts`,
  );
  const started = performance.now();
  const result = await run(process.execPath, ["--import", "tsx", "bench/scale-load.ts"], {
    cwd: root,
    env: { ...env, BENCH_SIZES: JSON.stringify(SIZES), BENCH_JSON: json },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.code !== 0 || !fs.existsSync(json)) throw new Error("bench/scale-load.ts failed");
  return { ...JSON.parse(fs.readFileSync(json, "utf8")), wallMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Reading from the app

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/** The app's server process's memory, after `what`. */
function memoryAfter(pid, what, memory) {
  const m = residentMemory(pid);
  memory.push({ what, rss: m?.rss ?? NaN, peak: m?.peak ?? NaN });
  console.log(`RSS ${what}: ${MiB(m?.rss)} (peak ${MiB(m?.peak)})`);
}

/** Runs `work` over `items` with `concurrency` workers until done or `deadline` (performance.now()). */
async function inPool(items, concurrency, deadline, work) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && performance.now() < deadline) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Math.min(next, items.length);
}

/**
 * Every tenant's contract once, on the internal port with its token, POLL_CONCURRENCY at a time,
 * for at most POLL_SECONDS. Keeps each tenant's ETag and size, and the bodies of `keepBodies`.
 */
async function pollEveryTenant(internal, credentials, keepBodies) {
  const latencies = [];
  const seen = new Map();
  let failures = 0;
  const started = performance.now();
  const polled = await inPool(credentials, POLL_CONCURRENCY, started + POLL_SECONDS * 1000, async ({ tenant, token }) => {
    const requestStarted = performance.now();
    const response = await get(`${internal.url}${contractPath(tenant)}`, bearer(token)).catch((error) => ({ status: error.message }));
    latencies.push(performance.now() - requestStarted);
    if (response.status !== 200) {
      if (failures++ === 0) console.warn(`contract of ${tenant}: ${response.status}`);
      return;
    }
    seen.set(tenant, { etag: response.headers.etag, bytes: response.body.length, body: keepBodies.has(tenant) ? response.body : null });
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`polled ${n(polled)} of ${n(credentials.length)} contracts in ${seconds.toFixed(1)} s (${failures} not 200)`);
  return { polled, of: credentials.length, failures, seconds, latency: latencyStats(latencies), seen };
}

/** Waits until the snapshot has not been rebuilt for a few seconds (writes may leave rebuilds behind). */
async function waitUntilQuiet(internal) {
  const started = performance.now();
  let last = null;
  let steady = 0;
  while (performance.now() - started < QUIET_TIMEOUT_MS && steady < 3) {
    const response = await get(`${internal.url}/api/readyz`).catch(() => null);
    const built = response?.status === 200 ? JSON.parse(response.body.toString("utf8")).snapshotBuiltAt : null;
    steady = built !== null && built === last ? steady + 1 : 0;
    last = built;
    await sleep(1000);
  }
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Writes

/**
 * An endless sequence of single changes through REST, a grant, a tenant, a group and a server
 * change in turn, each on another object so concurrent ones do not collide: a new allow rule for
 * a tenant, a label on a tenant, one member more or less in a group, a published server's short
 * description (with the version last read).
 */
function writePlan(world) {
  const published = world.servers.filter((s) => s.status === "active");
  const grantable = published.filter((s) => s.scope !== "personal");
  const members = new Map(world.groups.map((g) => [g.name, new Set(g.members)]));
  const versions = new Map();
  const pick = (list, i, stride) => list[(i * stride) % list.length];
  let count = 0;
  return () => {
    const i = count++;
    switch (i % 4) {
      case 0: {
        const tenant = pick(world.tenants, i, 7919);
        const server = pick(grantable.length > 0 ? grantable : published, i, 104_729);
        const json = { subject: { type: "tenant", name: tenant.name }, servers: server.name, access: "allow", note: `bench:scale write ${i}` };
        return { kind: "grant", method: "POST", path: "/api/v1/grants", json };
      }
      case 1: {
        const tenant = pick(world.tenants, i, 6007);
        return { kind: "tenant", method: "PATCH", path: `/api/v1/tenants/${tenant.name}`, json: { labels: { ...tenant.labels, "bench-write": String(i) } } };
      }
      case 2: {
        const group = pick(world.groups, i, 1);
        const tenant = pick(world.tenants, i, 3001).name;
        const current = members.get(group.name);
        const next = new Set(current);
        if (next.has(tenant)) next.delete(tenant);
        else next.add(tenant);
        return {
          kind: "group",
          method: "PATCH",
          path: `/api/v1/groups/${group.name}`,
          json: { members: [...next] },
          done: () => members.set(group.name, next),
        };
      }
      default: {
        const server = pick(published, i, 1);
        const version = versions.get(server.name) ?? 1;
        return {
          kind: "server",
          method: "PATCH",
          path: `/api/v1/mcp-servers/${server.name}`,
          json: { version, shortDescription: `edited by bench:scale, write ${i}` },
          done: (body) => versions.set(server.name, body.version),
        };
      }
    }
  };
}

/** One write through REST, timed; a failure is recorded, not thrown. */
async function write(app, adminToken, change) {
  const started = performance.now();
  try {
    const response = await request(`${app.url}${change.path}`, {
      method: change.method,
      json: change.json,
      headers: bearer(adminToken),
      timeoutMs: WRITE_TIMEOUT_MS,
    });
    const ms = performance.now() - started;
    if (response.status >= 300)
      return { kind: change.kind, ms, error: `${change.method} ${change.path} answered ${response.status}: ${response.body.toString("utf8").slice(0, 200)}` };
    change.done?.(JSON.parse(response.body.toString("utf8")));
    return { kind: change.kind, ms };
  } catch (error) {
    return { kind: change.kind, ms: performance.now() - started, error: error.message };
  }
}

/** Up to WRITES writes from `clients` concurrent clients, for at most WRITE_SECONDS. */
async function writePhase(app, adminToken, nextChange, clients, writes = WRITES) {
  const results = [];
  const started = performance.now();
  const deadline = started + WRITE_SECONDS * 1000;
  let begun = 0;
  const client = async () => {
    while (begun < writes && performance.now() < deadline && results.filter((r) => r.error).length < 5) {
      begun++;
      const at = performance.now() - started;
      const result = await write(app, adminToken, nextChange());
      result.at = at;
      if (result.error) console.warn(`write failed: ${result.error}`);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => !r.error);
  const byKind = Object.fromEntries(
    ["grant", "tenant", "group", "server"].map((kind) => [kind, latencyStats(ok.filter((r) => r.kind === kind).map((r) => r.ms))]),
  );
  const summary = {
    clients,
    writes: ok.length,
    failed: results.length - ok.length,
    errors: results.filter((r) => r.error).map((r) => r.error),
    seconds,
    perSecond: ok.length / seconds,
    latency: latencyStats(ok.map((r) => r.ms)),
    byKind,
  };
  // BENCH_WRITE_TRACE=1: every write's start (ms into the phase) and latency, in the order sent.
  if (process.env.BENCH_WRITE_TRACE) console.log(results.map((r) => `${Math.round(r.at)}+${Math.round(r.ms)}`).join(" "));
  console.log(
    `${clients} client(s): ${ok.length} writes in ${seconds.toFixed(1)} s, p50 ${msText(summary.latency.p50)} ms, p99 ${msText(summary.latency.p99)} ms, ${summary.failed} failed`,
  );
  return summary;
}

/**
 * What the server itself saw, from its /api/metrics (prom-client's default metrics): garbage
 * collection pauses by kind (cumulative) and the event loop's lag since the previous scrape.
 */
async function serverLoopMetrics(internal) {
  const text = (await get(`${internal.url}/api/metrics`)).body.toString("utf8");
  const value = (pattern) => Number(new RegExp(`^${pattern} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  const gc = {};
  for (const kind of ["minor", "major", "incremental", "weakcb"]) {
    gc[kind] = {
      count: value(`opencrane_nodejs_gc_duration_seconds_count\\{kind="${kind}"\\}`) || 0,
      seconds: value(`opencrane_nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\}`) || 0,
    };
  }
  const builds = {};
  for (const phase of ["load", "compute", "settle"]) {
    builds[phase] = {
      count: value(`opencrane_snapshot_build_phase_duration_seconds_count\\{phase="${phase}"\\}`) || 0,
      seconds: value(`opencrane_snapshot_build_phase_duration_seconds_sum\\{phase="${phase}"\\}`) || 0,
    };
  }
  return {
    gc,
    builds,
    lagP99Ms: value("opencrane_nodejs_eventloop_lag_p99_seconds") * 1000,
    lagMaxMs: value("opencrane_nodejs_eventloop_lag_max_seconds") * 1000,
  };
}

/** Runs `work` while a prober polls the feed, a contract and healthz on the internal port. */
async function probedInternal(internal, probeTenant, work) {
  const urls = { feed: `${internal.url}${FEED_PATH}`, contract: `${internal.url}${contractPath(probeTenant.tenant)}`, healthz: `${internal.url}/api/healthz` };
  // Scraping resets the server's lag histogram: the second scrape covers the work alone.
  const before = await serverLoopMetrics(internal);
  const { result, latency } = await whileProbing(Object.values(urls), work, { headers: { [urls.contract]: bearer(probeTenant.token) }, conditional: true });
  const after = await serverLoopMetrics(internal);
  const gc = Object.fromEntries(
    Object.keys(after.gc).map((kind) => [
      kind,
      { count: after.gc[kind].count - before.gc[kind].count, ms: (after.gc[kind].seconds - before.gc[kind].seconds) * 1000 },
    ]),
  );
  const builds = Object.fromEntries(
    Object.keys(after.builds).map((phase) => [
      phase,
      { count: after.builds[phase].count - before.builds[phase].count, ms: (after.builds[phase].seconds - before.builds[phase].seconds) * 1000 },
    ]),
  );
  return {
    result,
    latency: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, latency[url]])),
    server: { gc, builds, lagP99Ms: after.lagP99Ms, lagMaxMs: after.lagMaxMs },
  };
}

const globMatches = (pattern, name) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(name);

/**
 * For up to VISIBILITY_WRITES tenants in turn: a new allow rule for a published server the
 * tenant's contract neither allows nor denies, while its contract is polled on the internal port
 * (If-None-Match, every VISIBILITY_POLL_MS) from the moment the write is sent. Times the REST
 * answer and the first contract that lists the server.
 */
async function visibilityPhase(app, internal, adminToken, loaded) {
  const plain = new Set(loaded.tenants.filter((t) => t.mcpPolicy.allow.length === 0 && t.mcpPolicy.deny.length === 0).map((t) => t.name));
  const candidates = loaded.credentials.filter((c) => plain.has(c.tenant));
  const grantable = loaded.servers.filter((s) => s.status === "active" && s.scope !== "personal");
  const attempts = [];
  for (let k = 0; k < VISIBILITY_WRITES && candidates.length > 0 && grantable.length > 0; k++) {
    const { tenant, token } = candidates[(k * 7907 + 13) % candidates.length];
    const url = `${internal.url}${contractPath(tenant)}`;
    const before = await get(url, bearer(token));
    if (before.status !== 200) throw new Error(`the contract of ${tenant} answered ${before.status}`);
    const { allow, deny } = JSON.parse(before.body.toString("utf8")).policy.mcpServers;
    const server = grantable
      .map((_, i) => grantable[(i + k * 101) % grantable.length])
      .find((s) => !allow.includes(s.name) && !deny.some((p) => globMatches(p, s.name)));
    if (!server) continue;
    const started = performance.now();
    let etag = before.headers.etag;
    let visibleMs = null;
    const poll = (async () => {
      while (performance.now() - started < VISIBILITY_TIMEOUT_MS) {
        const response = await get(url, { ...bearer(token), "If-None-Match": etag }).catch(() => null);
        if (response?.status === 200) {
          etag = response.headers.etag;
          if (JSON.parse(response.body.toString("utf8")).policy.mcpServers.allow.includes(server.name)) {
            visibleMs = performance.now() - started;
            return;
          }
        }
        await sleep(VISIBILITY_POLL_MS);
      }
    })();
    const json = { subject: { type: "tenant", name: tenant }, servers: server.name, access: "allow", note: "bench:scale visibility" };
    const answer = await write(app, adminToken, { kind: "grant", method: "POST", path: "/api/v1/grants", json });
    await poll;
    attempts.push({ tenant, server: server.name, restMs: answer.error ? null : answer.ms, error: answer.error ?? null, visibleMs });
    console.log(
      `grant ${tenant} → ${server.name}: REST ${msText(answer.ms)} ms${answer.error ? ` (${answer.error})` : ""}, contract shows it after ${visibleMs === null ? `more than ${VISIBILITY_TIMEOUT_MS / 1000} s` : `${msText(visibleMs)} ms`}`,
    );
  }
  return attempts;
}

// ---------------------------------------------------------------------------------------------
// Against nginx

const NGINX_LOCATIONS = `    location = ${FEED_PATH} {
      default_type application/json;
      etag on;
    }
    location /api/internal/contract/ {
      default_type application/json;
      etag on;
    }`;

const scenarioPair = (what) => [
  { name: `${what}: GET → 200`, status: 200, headers: (target) => ({ ...(target.authorization ? { Authorization: target.authorization } : {}) }) },
  {
    name: `${what}: If-None-Match → 304`,
    status: 304,
    headers: (target) => ({ ...(target.authorization ? { Authorization: target.authorization } : {}), "If-None-Match": target.etag }),
  },
];

/**
 * measureScenarios, or a note of why it could not measure (wrk errors, unexpected answers): one
 * scenario failing, e.g. the main port timing out under a 10 MB feed, must not lose the rest of a run.
 */
async function measureOrNote(what, measure, notes) {
  try {
    return await measure();
  } catch (error) {
    console.warn(`${what} not measured: ${error.message}`);
    notes.push(`${what}: ${error.message.slice(0, 300)}`);
    return [];
  }
}

/** The feed and one contract, 200 and 304, on both ports and nginx; the static files are written here. */
async function againstNginx(bin, dir, app, internal, contract, notes) {
  const feedBody = (await get(`${internal.url}${FEED_PATH}`)).body;
  const contractUrl = contractPath(contract.tenant);
  const contractBody = (await get(`${internal.url}${contractUrl}`, bearer(contract.token))).body;
  writeStaticFiles(dir, { [FEED_PATH]: feedBody, [contractUrl]: contractBody });
  const nginx = await startNginx(bin.nginx, dir, NGINX_LOCATIONS, FEED_PATH);
  const node = await startStaticNode(dir, FEED_PATH);
  const targets = [app, internal, nginx, node].filter(Boolean);
  const rows = [];
  for (const [urlPath, body, authorization, what] of [
    [FEED_PATH, feedBody, null, "Obot feed"],
    [contractUrl, contractBody, `Bearer ${contract.token}`, "contract"],
  ]) {
    const scenarios = scenarioPair(what);
    const measured = await measureOrNote(
      what,
      async () => {
        for (const target of targets) {
          target.authorization = authorization; // nginx ignores it; every target gets the same request bytes
          target.etag = (await get(`${target.url}${urlPath}`, authorization ? { Authorization: authorization } : {})).headers.etag;
          for (const scenario of scenarios) await checkAnswer(target, urlPath, scenario, body);
        }
        return measureScenarios({ wrkBin: bin.wrk, scriptFile: wrkScript(dir), scenarios, targets, urlPath, bodyBytes: () => body.length, wrkArgs: WRK_ARGS });
      },
      notes,
    );
    rows.push(...measured);
  }
  node.stop();
  return { nginx, rows, feedBytes: feedBody.length, feedEntries: JSON.parse(feedBody.toString("utf8")).length, contractBytes: contractBody.length };
}

/**
 * wrk rotating over the pods' requests: each line of pods-<port>.tsv (the target's port) is a
 * contract path, a token and that target's ETag; each thread starts elsewhere in the list.
 */
function rotationScript(dir, conditional) {
  const file = path.join(dir, `rotate-${conditional ? "304" : "200"}.lua`);
  fs.writeFileSync(
    file,
    `local requests = {}
local next_request = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  local file = assert(io.open("${dir}/pods-" .. wrk.port .. ".tsv"))
  for line in file:lines() do
    local p, token, etag = line:match("^([^\\t]+)\\t([^\\t]+)\\t([^\\t]+)$")
    local headers = { ["Authorization"] = "Bearer " .. token }
    ${conditional ? 'headers["If-None-Match"] = etag' : ""}
    requests[#requests + 1] = wrk.format("GET", p, headers)
  end
  file:close()
  next_request = ((id or 1) * 7919) % #requests
end
function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
${WRK_REPORT}`,
  );
  return file;
}

/** BENCH_PODS tenants' contracts, rotating, with their ETags (304) and without (200). */
async function manyPods(bin, dir, app, internal, nginx, pods, notes) {
  writeStaticFiles(dir, Object.fromEntries(pods.map((p) => [contractPath(p.tenant), p.body])));
  const node = await startStaticNode(dir, contractPath(pods[0].tenant));
  const targets = [app, internal, nginx, node];
  for (const target of targets) {
    const lines = [];
    for (const pod of pods) {
      const response = await get(`${target.url}${contractPath(pod.tenant)}`, bearer(pod.token));
      if (response.status !== 200 || !response.body.equals(pod.body))
        throw new Error(`${target.name}: the contract of ${pod.tenant} answered ${response.status} or other bytes`);
      lines.push(`${contractPath(pod.tenant)}\t${pod.token}\t${response.headers.etag}`);
    }
    fs.writeFileSync(path.join(dir, `pods-${new URL(target.url).port}.tsv`), `${lines.join("\n")}\n`);
    target.authorization = null;
  }
  const minBytes = Math.min(...pods.map((p) => p.body.length));
  const rows = [];
  for (const conditional of [true, false]) {
    const scenario = {
      name: `${n(pods.length)} tenants rotating: ${conditional ? "If-None-Match → 304" : "GET → 200"}`,
      status: conditional ? 304 : 200,
      headers: () => ({}),
    };
    const measure = () =>
      measureScenarios({
        wrkBin: bin.wrk,
        scriptFile: rotationScript(dir, conditional),
        scenarios: [scenario],
        targets,
        urlPath: contractPath(pods[0].tenant),
        bodyBytes: () => minBytes,
        wrkArgs: WRK_ARGS,
      });
    rows.push(...(await measureOrNote(scenario.name, measure, notes)));
  }
  node.stop();
  return { rows, minBytes, maxBytes: Math.max(...pods.map((p) => p.body.length)) };
}

// ---------------------------------------------------------------------------------------------
// The report

function writeTable(phases) {
  const row = (label, w) =>
    `| ${label} | ${n(w.writes)}${w.failed ? ` (+${w.failed} failed)` : ""} in ${w.seconds.toFixed(0)} s | ${w.perSecond.toFixed(2)} | ${lat(w.latency)} | ${["grant", "tenant", "group", "server"].map((k) => `${msText(w.byKind[k].p50)} / ${msText(w.byKind[k].p99)}`).join(" · ")} |`;
  return [
    "| Writes through REST | Measured | Writes/s | p50 / p99 ms | p50 / p99 ms of a grant · tenant · group · server change |",
    "|---|--:|--:|--:|--:|",
    row(`the first writes after start, ${CLIENTS} concurrent clients`, phases.first.result),
    row("1 client, sequential", phases.sequential.result),
    row(`${CLIENTS} concurrent clients`, phases.concurrent.result),
  ].join("\n");
}

function probeTable(phases) {
  const failures = (l) =>
    Object.entries(l.statuses)
      .filter(([status]) => status !== "200" && status !== "304")
      .map(([status, count]) => `${count} × ${status}`)
      .join(", ");
  // The feed's 304s wait only for the event loop; its 200s (after a server change) also carry 13 MB.
  const feedSplit = (l) => {
    const unchanged = l.byStatus?.["304"];
    const changed = l.byStatus?.["200"];
    return `${unchanged ? `${msText(unchanged.p99)} (max ${msText(unchanged.max)})` : "–"} · ${changed ? `${n(changed.n)} × 200, p50 ${msText(changed.p50)}` : "no 200"}`;
  };
  const serverSide = (server) => {
    if (!server) return "–";
    const pauses = Object.entries(server.gc)
      .filter(([, g]) => g.count > 0)
      .map(([kind, g]) => `${kind} ${g.count} × ${msText(g.ms / g.count)}`)
      .join(", ");
    return `${msText(server.lagP99Ms)} / ${msText(server.lagMaxMs)} · ${pauses || "none"}`;
  };
  const row = (label, p, server) =>
    `| ${label} | ${lat(p.feed)} | ${feedSplit(p.feed)} | ${lat(p.contract)} | ${lat(p.healthz)} | ${n(p.feed.n + p.contract.n + p.healthz.n)} | ${[failures(p.feed), failures(p.contract), failures(p.healthz)].filter(Boolean).join("; ") || "none"} | ${serverSide(server)} |`;
  return [
    "| Internal port, while | Obot feed p50 / p99 ms | feed 304s p99 ms · its 200s | contract p50 / p99 ms | healthz p50 / p99 ms | Samples | Not 200/304 | server: loop lag p99 / max ms · GC pauses (count × mean ms) |",
    "|---|--:|--:|--:|--:|--:|---|---|",
    row("idle", phases.idle, phases.idleServer),
    row("the first writes after start", phases.first.latency, phases.first.server),
    row("sequential writes", phases.sequential.latency, phases.sequential.server),
    row(`${CLIENTS} concurrent writers (the burst)`, phases.concurrent.latency, phases.concurrent.server),
  ].join("\n");
}

function report(r) {
  const w = r.world;
  const c = w.counts;
  const vis = r.visibility;
  const seen = vis.filter((a) => a.visibleMs !== null);
  const visText =
    vis.length === 0
      ? "no attempt (no tenant without overrides, or no grantable server)"
      : `${vis.length} grants; REST answered in p50 ${msText(latencyStats(vis.filter((a) => a.restMs !== null).map((a) => a.restMs)).p50)} ms; the contract showed the server after ${seen.map((a) => `${msText(a.visibleMs)}`).join(", ") || "–"} ms${seen.length < vis.length ? `; ${vis.length - seen.length} not within ${VISIBILITY_TIMEOUT_MS / 1000} s` : ""}`;
  const poll = (p, label) =>
    `${label}: ${n(p.polled)} of ${n(p.of)} tenants in ${p.seconds.toFixed(0)} s${p.failures ? ` (${p.failures} not 200)` : ""}, p50 ${msText(p.latency.p50)} ms, p99 ${msText(p.latency.p99)} ms`;
  const sizes = `${n(w.sizes.tenants)} tenants, ${n(w.sizes.servers)} servers, ${n(w.sizes.groups)} groups, ${n(w.sizes.rules)} rules`;
  const heading = `${sectionTitle(r.startedAt, `production scale on ${r.database === "pglite" ? "PGlite" : "Postgres"}, ${sizes} (bench/scale.mjs)`)}`;
  return `${heading}

${machineLines(r.info)}
- World (bench/scale-world.ts, loaded in ${(w.wallMs / 1000).toFixed(0)} s, of which ${(w.ms.total / 1000).toFixed(0)} s in the database): ${n(c.servers)} servers (${n(c.activeServers)} published; ${n(c.toolPreviews)} tool previews ${w.catalogTemplates > 0 ? `from ${w.catalogTemplates} real Obot catalog entries` : "(synthetic: no ../shared/data)"}), ${n(c.tenants)} tenants with a token each, ${n(c.groups)} groups (${n(c.memberships)} memberships), ${n(c.rules)} rules in bench:policy's mix; catalog revision ${w.revision}${FULL_WORLD ? "" : `; BENCH_SCALE=${SCALE}: a smaller world`}
- Start-up, from the server process's start to readyz 200 (polled every ${READY_POLL_MS} ms): ${msText(r.startup.first / 1000)} s on the first start with the world, ${msText(r.startup.restart / 1000)} s on a restart
- Resident memory of the server process: ${r.memory.map((m) => `${MiB(m.rss)} ${m.what}`).join("; ")}; peak ${MiB(Math.max(...r.memory.map((m) => m.peak)))}; the restarted app ran ${r.podLine}
- Contracts polled once each on the internal port with their tokens, ${POLL_CONCURRENCY} at a time: ${poll(r.polls.first, "after start")}; ${poll(r.polls.again, "after the writes")}
- Writes: a grant (new allow rule for a tenant), a tenant (a label), a group (one member more or less) and a server change (short description, with its version) in turn, each on another object; first ${FIRST_WRITES} writes after start from ${CLIENTS} clients, then at most ${WRITES} writes or ${WRITE_SECONDS} s per phase; meanwhile probers in other processes (bench/latency-probe.mjs, one per URL) ask the internal port every 50 ms for the Obot feed, the contract of \`${r.probeTenant}\` (with its token) and healthz, with the ETag it last got, as pollers do; "idle" is ${IDLE_PROBE_MS / 1000} s of the same without writes${
    [r.phases.first, r.phases.sequential, r.phases.concurrent].some((p) => p.result.errors.length > 0)
      ? `; errors: ${[r.phases.first, r.phases.sequential, r.phases.concurrent]
          .flatMap((p) => p.result.errors)
          .slice(0, 3)
          .join("; ")}`
      : ""
  }
- Time until the changed tenant's contract shows the change (grant → contract polled every ${VISIBILITY_POLL_MS} ms on the internal port from the moment the write is sent): ${visText}; after the writes the snapshot was quiet after ${r.quietSeconds.toFixed(0)} s
- Against nginx: \`wrk ${[...WRK_LOAD, ...WRK_ARGS].join(" ")} -d${DURATION}\`, ${ROUNDS} rounds per scenario rotating the targets, after a ${WARMUP} warm-up of each; the feed (${n(r.nginx.feedEntries)} entries, ${n(r.nginx.feedBytes)} bytes) and the contract of \`${r.contractTenant}\` (the median size, ${n(r.nginx.contractBytes)} bytes) with its token; nginx serves the same bytes as static files (one worker, \`etag on\`); so does \`bare node:http\` (bench/static-node.mjs: the bytes in memory, ETag and 304, nothing else), the ceiling of Node's own HTTP stack on this machine
- Many pods: ${n(r.pods.count)} tenants' contracts (${n(r.pods.minBytes)}–${n(r.pods.maxBytes)} bytes), wrk with a Lua script rotating path, token and ETag per request (the same against nginx, with nginx's ETags); 10,000 pods polling every 30 s make 333 requests/s${r.notes.length > 0 ? `\n- Not measured: ${r.notes.join("; ")}` : ""}

${writeTable(r.phases)}

${probeTable(r.phases)}

${resultTable([...r.nginx.rows, ...r.pods.rows])}`;
}

// ---------------------------------------------------------------------------------------------

/** bench/internal-only.ts on a free internal port, like startApp but with no main port (app is null). */
async function startInternalOnly(env) {
  const internal = { name: "internal port", key: "internal", url: `http://127.0.0.1:${await freePort()}` };
  const started = performance.now();
  const appProcess = startProcess("internal-only", process.execPath, ["--import", "tsx", "bench/internal-only.ts"], {
    cwd: root,
    env: { ...env, OPENCRANE_INTERNAL_PORT: new URL(internal.url).port, OPENCRANE_INTERNAL_HOST: "127.0.0.1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const ready = async () => (await get(`${internal.url}/api/readyz`).catch(() => ({ status: 0 }))).status === 200;
  while (!(await ready())) {
    if (appProcess.child.exitCode !== null) throw new Error("bench/internal-only.ts exited");
    await sleep(READY_POLL_MS);
  }
  return { app: null, internal, appProcess, waitForInternal: async () => {}, startupMs: performance.now() - started };
}

/**
 * BENCH_ONLY: one start with the world, the memory phases (every tenant polled once, then again:
 * with a bounded contract cache the second pass renders most contracts anew) and, with `nginx`,
 * the feed and the median contract against nginx. No writes.
 */
async function focusedParts({ bin, info, startedAt, dir, env, world }) {
  const { app, internal, appProcess, waitForInternal, startupMs } =
    SERVER === "internal" ? await startInternalOnly(env) : await startApp(env, { readyPollMs: READY_POLL_MS });
  await waitForInternal();
  const pid = SERVER === "internal" ? appProcess.child.pid : serverPid(appProcess);
  const memory = [];
  memoryAfter(pid, "after start", memory);
  const credentials = world.credentials;
  const once = await pollEveryTenant(internal, credentials, new Set());
  memoryAfter(pid, "after every tenant polled once", memory);
  const again = await pollEveryTenant(internal, credentials, new Set());
  memoryAfter(pid, "after every tenant polled again", memory);
  const notes = [];
  let nginxPart = null;
  let contractTenant = null;
  if (ONLY.has("nginx")) {
    const bySize = [...again.seen.entries()].sort((a, b) => a[1].bytes - b[1].bytes || (a[0] < b[0] ? -1 : 1));
    contractTenant = bySize[Math.floor(bySize.length / 2)][0];
    nginxPart = await againstNginx(
      bin,
      dir,
      app,
      internal,
      credentials.find((c) => c.tenant === contractTenant),
      notes,
    );
    memoryAfter(pid, "after the nginx comparison", memory);
  }
  const w = world;
  const poll = (p, label) =>
    `${label}: ${n(p.polled)} of ${n(p.of)} tenants in ${p.seconds.toFixed(0)} s${p.failures ? ` (${p.failures} not 200)` : ""}, p50 ${msText(p.latency.p50)} ms, p99 ${msText(p.latency.p99)} ms`;
  const sizes = `${n(w.sizes.tenants)} tenants, ${n(w.sizes.servers)} servers, ${n(w.sizes.groups)} groups, ${n(w.sizes.rules)} rules`;
  const section = `${sectionTitle(startedAt, `${[...ONLY].join(" and ")} only (BENCH_ONLY), on ${DATABASE === "pglite" ? "PGlite" : "Postgres"}, ${sizes} (bench/scale.mjs)`)}

${machineLines(info)}
- World as in the full runs below (bench/scale-world.ts): ${n(w.counts.activeServers)} published servers, ${n(w.counts.tenants)} tenants with a token each; one start (${msText((startupMs ?? NaN) / 1000)} s to readyz 200), no writes${SERVER === "internal" ? "; BENCH_SERVER=internal: the services and the internal port alone (bench/internal-only.ts), without Next.js" : ""}
- Resident memory of the server process: ${memory.map((m) => `${MiB(m.rss)} ${m.what}`).join("; ")}; peak ${MiB(Math.max(...memory.map((m) => m.peak)))}
- Contracts polled on the internal port with their tokens, ${POLL_CONCURRENCY} at a time, without ETags: ${poll(once, "once")}; ${poll(again, "again")}${
    nginxPart
      ? `
- Against nginx: \`wrk ${[...WRK_LOAD, ...WRK_ARGS].join(" ")} -d${DURATION}\`, ${ROUNDS} rounds per scenario rotating the targets (with bare node:http, bench/static-node.mjs, as the ceiling of Node's own HTTP stack), after a ${WARMUP} warm-up of each; the feed (${n(nginxPart.feedEntries)} entries, ${n(nginxPart.feedBytes)} bytes) and the contract of \`${contractTenant}\` (the median size, ${n(nginxPart.contractBytes)} bytes) with its token${notes.length > 0 ? `\n- Not measured: ${notes.join("; ")}` : ""}

${resultTable(nginxPart.rows)}`
      : ""
  }`;
  reportRun(DOC_MARKER, section, FULL_WORLD ? null : "a smaller world than the default");
}

/**
 * BENCH_ONLY=writes: one start in the pod's cgroup, every tenant polled once, then the three write
 * phases with the probers, printed and not recorded: a developer's loop for write latency (a few
 * minutes). BENCH_SERVER_FLAGS adds Node flags to the server (say `--cpu-prof --cpu-prof-dir=DIR`).
 */
async function focusedWrites({ env, world }) {
  // As in the full run: the first start builds the app and settles every contract's revision.
  await (await startApp(env, { readyPollMs: READY_POLL_MS })).stop();
  const pod = POD_MEMORY_MIB > 0 ? memoryCgroup(POD_MEMORY_MIB) : { cgroup: null, reason: "BENCH_POD_MEMORY_MB=0" };
  const { app, internal, appProcess, waitForInternal } = await startApp(env, { readyPollMs: READY_POLL_MS, cgroup: pod.cgroup });
  await waitForInternal();
  const credentials = world.credentials;
  const probeTenant = credentials[Math.floor(credentials.length / 2)];
  // As in the full run, so that the first writes come as long after start.
  await probedInternal(internal, probeTenant, () => sleep(IDLE_PROBE_MS));
  await pollEveryTenant(internal, credentials, new Set());
  const nextChange = writePlan(world);
  const phases = [
    ["first writes", () => writePhase(app, adminTokenOf(env), nextChange, CLIENTS, FIRST_WRITES)],
    ["sequential", () => writePhase(app, adminTokenOf(env), nextChange, 1)],
    [`${CLIENTS} clients`, () => writePhase(app, adminTokenOf(env), nextChange, CLIENTS)],
  ];
  for (const [name, work] of phases) {
    let cpu = null;
    const measured = async () => {
      const before = cpuByProcessName();
      const started = performance.now();
      const result = await work();
      cpu = `${cpuBetween(before, cpuByProcessName(), performance.now() - started)} (the server is node ${serverPid(appProcess)})`;
      return result;
    };
    const { result, latency, server } = await probedInternal(internal, probeTenant, measured);
    const probes = Object.entries(latency)
      .map(([url, l]) => `${url} ${lat(l)}`)
      .join(" · ");
    console.log(
      `${name}: ${result.writes} writes, ${result.perSecond.toFixed(1)}/s, p50 ${msText(result.latency.p50)} p99 ${msText(result.latency.p99)} ms; probes p50/p99 ${probes}; loop lag p99 ${msText(server.lagP99Ms)}; gc ${Object.entries(
        server.gc,
      )
        .map(([kind, g]) => `${kind} ${g.count} × ${msText(g.ms / Math.max(1, g.count))}`)
        .join(", ")}; builds ${server.builds.load.count}, mean ${Object.entries(server.builds)
        .map(([phase, b]) => `${phase} ${msText(b.ms / Math.max(1, b.count))}`)
        .join(" · ")} ms; CPU: ${cpu}`,
    );
  }
}

const adminTokenOf = (env) => env.OPENCRANE_BOOTSTRAP_TOKEN;

async function main() {
  const bin = requireBinaries("bench:scale");
  if (!bin) return;
  if (!["postgres", "pglite"].includes(DATABASE)) throw new Error(`BENCH_DATABASE must be postgres or pglite (got '${DATABASE}')`);
  const startedAt = new Date();
  const info = machine(bin);
  const dir = tempDir("opencrane-bench-scale-");
  const adminToken = `bench-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const env = appEnv(dir, { OPENCRANE_BOOTSTRAP_TOKEN: adminToken, ...(DATABASE === "postgres" ? { DATABASE_URL: await createPostgresDatabase() } : {}) });

  const world = await loadWorld(env, dir);
  if (ONLY.has("writes")) return focusedWrites({ env, world });
  if (ONLY.size > 0) return focusedParts({ bin, info, startedAt, dir, env, world });

  // The first start settles every tenant's contract revision; a restart finds them settled.
  console.log("first start with the world…");
  const first = await startApp(env, { readyPollMs: READY_POLL_MS });
  await first.stop();
  const pod = POD_MEMORY_MIB > 0 ? memoryCgroup(POD_MEMORY_MIB) : { cgroup: null, reason: "BENCH_POD_MEMORY_MB=0" };
  console.log(
    pod.cgroup
      ? `restart in a ${POD_MEMORY_MIB} MiB memory cgroup (Node's heap limit there: ${MiB(pod.cgroup.heapLimit)})…`
      : `restart, with no memory limit (${pod.reason})…`,
  );
  const { app, internal, appProcess, waitForInternal, startupMs } = await startApp(env, { readyPollMs: READY_POLL_MS, cgroup: pod.cgroup });
  await waitForInternal();
  const startup = { first: first.startupMs ?? NaN, restart: startupMs ?? NaN };
  console.log(`start-up to readyz 200: ${msText(startup.first)} ms first, ${msText(startup.restart)} ms on a restart`);
  const pid = serverPid(appProcess);
  const memory = [];
  memoryAfter(pid, "after start", memory);

  const credentials = world.credentials;
  const pods = new Set(credentials.slice(0, PODS).map((c) => c.tenant));
  const probeTenant = credentials[Math.floor(credentials.length / 2)];
  const { latency: idle, server: idleServer } = await probedInternal(internal, probeTenant, () => sleep(IDLE_PROBE_MS));
  const firstPoll = await pollEveryTenant(internal, credentials, new Set());
  memoryAfter(pid, "after every tenant polled once", memory);

  const nextChange = writePlan(world);
  console.log(`the first ${FIRST_WRITES} writes after start, ${CLIENTS} concurrent clients…`);
  const firstWrites = await probedInternal(internal, probeTenant, () => writePhase(app, adminToken, nextChange, CLIENTS, FIRST_WRITES));
  console.log("writes, one client…");
  const sequential = await probedInternal(internal, probeTenant, () => writePhase(app, adminToken, nextChange, 1));
  console.log(`writes, ${CLIENTS} concurrent clients…`);
  const concurrent = await probedInternal(internal, probeTenant, () => writePhase(app, adminToken, nextChange, CLIENTS));
  console.log("time until a contract shows a grant…");
  const visibility = await visibilityPhase(app, internal, adminToken, world);
  const quietSeconds = await waitUntilQuiet(internal);
  memoryAfter(pid, "after the writes", memory);
  const again = await pollEveryTenant(internal, credentials, pods);
  memoryAfter(pid, "after every tenant polled again", memory);

  const bySize = [...again.seen.entries()].sort((a, b) => a[1].bytes - b[1].bytes || (a[0] < b[0] ? -1 : 1));
  if (bySize.length === 0) throw new Error("no contract answered");
  const contractTenant = bySize[Math.floor(bySize.length / 2)][0];
  const contract = credentials.find((c) => c.tenant === contractTenant);
  const notes = [];
  const nginxPart = await againstNginx(bin, dir, app, internal, contract, notes);
  const podList = credentials.filter((c) => again.seen.get(c.tenant)?.body).map((c) => ({ ...c, body: again.seen.get(c.tenant).body }));
  const podsPart =
    podList.length > 0
      ? await manyPods(bin, dir, app, internal, nginxPart.nginx, podList, notes).catch((error) => {
          notes.push(`many pods: ${error.message.slice(0, 300)}`);
          return { rows: [], minBytes: NaN, maxBytes: NaN };
        })
      : { rows: [], minBytes: NaN, maxBytes: NaN };
  memoryAfter(pid, "at the end", memory);
  const podLine = pod.cgroup
    ? `in a memory cgroup of ${POD_MEMORY_MIB} MiB, as a container with \`limits.memory: ${POD_MEMORY_MIB}Mi\` (the server alone, started as the Docker image starts it; Node's heap limit there ${MiB(pod.cgroup.heapLimit)}); OOM kills: ${pod.cgroup.oomKills()}`
    : `with no memory limit (${pod.reason})`;

  const section = report({
    startedAt,
    info,
    database: DATABASE,
    world,
    startup,
    memory,
    podLine,
    polls: { first: firstPoll, again },
    probeTenant: probeTenant.tenant,
    phases: { idle, idleServer, first: firstWrites, sequential, concurrent },
    visibility,
    quietSeconds,
    contractTenant,
    nginx: nginxPart,
    pods: { count: podList.length, minBytes: podsPart.minBytes, maxBytes: podsPart.maxBytes, rows: podsPart.rows },
    notes,
  });
  reportRun(DOC_MARKER, section, FULL_WORLD ? null : "a smaller world than the default");
}

runBenchmark("bench:scale", main);
