#!/usr/bin/env node
/**
 * `npm run bench:policy`, in two parts:
 *
 * 1. Compile (bench/policy-compile.ts, in its own process with --expose-gc, before the app
 *    starts): compilePolicy at 10,000 tenants × 2,000 servers × 20,000 rules, the heap the
 *    compiled policy retains, and rendering every tenant's contract. No external reference
 *    exists for these; the world is identical in every run, so runs compare by their numbers and
 *    the machine's load printed with them.
 * 2. HTTP: GET /api/internal/contract/{tenant} with a tenant token, on the app's main port (Next.js
 *    route) and internal port (node:http), against nginx serving the same bytes as a static file,
 *    measured with wrk in one run like bench/feeds.mjs: the ratios to nginx are the figures to
 *    compare across runs.
 *
 * Results are printed and inserted, newest first, into docs/benchmarks.md.
 *
 * Env: BENCH_DURATION (wrk -d per round, default 10s), BENCH_ROUNDS (default 3), BENCH_PART
 * (compile or http: run only that part), and for the compile part BENCH_COMPILE_RUNS,
 * BENCH_RENDER_RUNS and BENCH_SCALE (see bench/policy-compile.ts). Only complete runs of the full
 * world are recorded.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  appEnv,
  checkAnswer,
  DURATION,
  get,
  machine,
  machineLines,
  measureScenarios,
  reportRun,
  request,
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
import { generateWorld } from "./policy-world.mjs";

const DOC_MARKER = "<!-- bench:policy inserts new runs below this line, newest first -->";
const PART = process.env.BENCH_PART || "all";
/**
 * The world seeded over REST for the HTTP part: about 50 published servers, and more group,
 * selector and everyone rules than the compile part's mix, so a typical contract lists about 20.
 */
const HTTP_SIZES = { tenants: 300, servers: 60, groups: 20, rules: 800 };
const HTTP_SUBJECTS = { tenant: 0.25, group: 0.45, selector: 0.25, everyone: 0.05 };
const SEED_CONCURRENCY = 4;
/**
 * wrk's default timeout (2s) counts the main port's slowest answers as errors when the shared
 * machine is busy; with 10s they are measured (p99) instead. A run with any error still fails.
 */
const WRK_ARGS = ["--timeout", "10s"];

const contractPath = (tenant) => `/api/internal/contract/${tenant}`;

const SCENARIOS = [
  { name: "GET → 200", status: 200, headers: (target) => ({ Authorization: target.authorization }) },
  {
    name: "If-None-Match → 304",
    status: 304,
    headers: (target) => ({ Authorization: target.authorization, "If-None-Match": target.etag }),
  },
];

// ---------------------------------------------------------------------------------------------
// Part 1: compile

async function compilePart(dir) {
  const json = path.join(dir, "compile.json");
  console.log("compile part: node --expose-gc --import tsx bench/policy-compile.ts");
  const result = await run(process.execPath, ["--expose-gc", "--import", "tsx", "bench/policy-compile.ts"], {
    cwd: root,
    env: { ...process.env, BENCH_JSON: json },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.code !== 0 || !fs.existsSync(json)) throw new Error("bench/policy-compile.ts failed");
  return JSON.parse(fs.readFileSync(json, "utf8"));
}

const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const n = (value) => value.toLocaleString("en-US");
const msText = (value) => `${value.toFixed(0)} ms`;

function compileReport(c) {
  const w = c.world;
  const scope = w.serversByScope;
  const subjects = w.rulesBySubject;
  const bullets = `- Compile part: load average ${c.load.start} at its start, ${c.load.end} at its end; ${c.compile.runs.length} timed compiles and ${c.render.runs.length} timed render passes, each after a warm-up${c.scale !== 1 ? `; BENCH_SCALE=${c.scale}: a smaller world` : ""}
- World \`${w.fingerprint}\` (seed ${w.seed}, clock ${w.now}): ${n(w.tenants)} tenants (${n(w.tenantsWithAllowOverride)} with an allow override, ${n(w.tenantsWithDenyOverride)} with a deny override); ${n(w.servers)} servers (${n(w.serversByStatus.active ?? 0)} active, ${n(w.serversByStatus.draft ?? 0)} draft, ${n(w.serversByStatus.disabled ?? 0)} disabled; scope org ${n(scope.org ?? 0)}, department ${n(scope.department ?? 0)}, project ${n(scope.project ?? 0)}, personal ${n(scope.personal ?? 0)}); ${n(w.groups)} groups of ${w.groupSizes.min}–${n(w.groupSizes.max)} members (median ${w.groupSizes.median}; ${n(w.memberships)} memberships); ${n(w.rules)} rules (subject tenant ${n(subjects.tenant ?? 0)}, group ${n(subjects.group ?? 0)}, selector ${n(subjects.selector ?? 0)}, everyone ${n(subjects.everyone ?? 0)}; ${n(w.denyRules)} deny; ${n(w.globRules)} globs; ${n(w.rulesWithExpiry)} with an expiry, ${n(c.access.expiredRules)} of them past at the clock; ${n(c.access.deadRules)} dead, mostly naming draft or disabled servers)`;
  const table = `| Compile part | Result |
|---|--:|
| \`compilePolicy\`, median (min) of ${c.compile.runs.length} | ${msText(c.compile.medianMs)} (${msText(c.compile.minMs)}); CPU ${msText(c.compile.medianCpuMs)} |
| \`compilePolicy\`, first (cold) run | ${msText(c.compile.coldMs)} |
| Retained by one compiled policy | ${MiB(c.retained.heapBytes)} heap + ${MiB(c.retained.arrayBufferBytes)} array buffers |
| Allow list per tenant | mean ${c.access.allowMean.toFixed(1)}, median ${c.access.allowMedian}, p90 ${c.access.allowP90}, max ${c.access.allowMax} of ${n(c.access.activeServers)} active servers; explicit denies mean ${c.access.denyMean.toFixed(1)} |
| Render all ${n(c.sizes.tenants)} contracts (\`renderTenantContract\` + \`JSON.stringify\`), median (min) of ${c.render.runs.length} | ${msText(c.render.medianMs)} (${msText(c.render.minMs)}); CPU ${msText(c.render.medianCpuMs)}; ${(c.render.medianMs / c.sizes.tenants).toFixed(2)} ms per tenant |
| Their bytes | ${MiB(c.render.totalBytes)} in all; mean ${(c.render.meanBytes / 1024).toFixed(1)} KiB, max ${(c.render.maxBytes / 1024).toFixed(1)} KiB |
| Fingerprint all ${n(w.tenants)} contracts (\`contractStatesOf\`, a full snapshot build), median (min) of ${c.fingerprint.runs.length} | ${msText(c.fingerprint.medianMs)} (${msText(c.fingerprint.minMs)}); CPU ${msText(c.fingerprint.medianCpuMs)} |
| \`contractBody\` for every tenant (render, encode, hash, cache), once | ${msText(c.cache.ms)}; CPU ${msText(c.cache.cpuMs)}; the snapshot's cache then holds ${MiB(c.cache.heapBytes)} heap + ${MiB(c.cache.arrayBufferBytes)} array buffers |`;
  return { bullets, table };
}

// ---------------------------------------------------------------------------------------------
// Part 2: HTTP

/** Runs `work` over `items`, a few at a time. */
async function inPool(items, work) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

/** Seeds a smaller world of the same kind as the compile part's through the REST API. */
async function seedWorld(app, bootstrapToken) {
  const world = generateWorld(HTTP_SIZES, { now: new Date(), expired: false, subjects: HTTP_SUBJECTS });
  const rest = async (method, urlPath, json, expected = [200, 201]) => {
    const response = await request(`${app.url}${urlPath}`, { method, json, headers: { Authorization: `Bearer ${bootstrapToken}` } });
    if (!expected.includes(response.status))
      throw new Error(`${method} ${urlPath} answered ${response.status}: ${response.body.toString("utf8").slice(0, 300)}`);
    return JSON.parse(response.body.toString("utf8") || "null");
  };
  const started = Date.now();
  const phases = [];
  const phase = async (what, items, work) => {
    const phaseStarted = Date.now();
    await inPool(items, work);
    phases.push(`${items.length} ${what} in ${((Date.now() - phaseStarted) / 1000).toFixed(0)}s`);
  };
  // Tenants first: a personal server names its owner tenant.
  await phase("tenants", world.tenants, (t) =>
    rest("POST", "/api/v1/tenants", { name: t.name, displayName: t.displayName, team: t.team, labels: t.labels, mcpPolicy: t.mcpPolicy }),
  );
  await phase("servers", world.servers, async (s) => {
    await rest("POST", "/api/v1/mcp-servers", {
      name: s.name,
      displayName: s.displayName,
      shortDescription: s.shortDescription,
      endpoint: `https://mcp.internal.example/${s.name}/mcp`,
      scope: s.scope,
      ownerTenant: s.owner ?? null,
      toolPreview: s.tools.map((tool) => ({ name: tool, description: `${tool.replace(/_\d+$/, "").replace("_", " ")} in ${s.family}` })),
    });
    if (s.status === "active") await rest("POST", `/api/v1/mcp-servers/${s.name}/publish`);
    if (s.status === "disabled") await rest("POST", `/api/v1/mcp-servers/${s.name}/disable`);
  });
  await phase("groups", world.groups, (g) => rest("POST", "/api/v1/groups", { name: g.name, members: g.members }));
  await phase("rules", world.rules, (r) =>
    rest("POST", "/api/v1/grants", { subject: r.subject, servers: r.servers, access: r.access, note: r.note, expiresAt: r.expiresAt?.toISOString() ?? null }),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`seeded through REST: ${phases.join(", ")}`);
  return { world, rest, seconds };
}

/** The tenant with the median allow list (the first by name among equals): a typical contract. */
async function typicalTenant(rest) {
  const { items } = await rest("GET", "/api/v1/tenants");
  const sizes = items.map((t) => ({ name: t.name, allow: t.allowedServers.length })).sort((a, b) => a.allow - b.allow || (a.name < b.name ? -1 : 1));
  const medianSize = sizes[Math.floor(sizes.length / 2)].allow;
  return { tenant: sizes.find((t) => t.allow === medianSize), sizes: sizes.map((t) => t.allow) };
}

async function httpPart(bin, dir) {
  const bootstrapToken = randomBytes(24).toString("base64url");
  const env = appEnv(dir, { OPENCRANE_BOOTSTRAP_TOKEN: bootstrapToken });
  const { app, internal, waitForInternal } = await startApp(env);

  const { world, rest, seconds } = await seedWorld(app, bootstrapToken);
  const { tenant, sizes } = await typicalTenant(rest);
  const { token } = await rest("POST", `/api/v1/tenants/${tenant.name}/tokens`, { name: "bench-policy", expiresInDays: 1 });
  if (!token?.startsWith("octt_")) throw new Error("no tenant token in the answer");
  const urlPath = contractPath(tenant.name);

  const authorization = `Bearer ${token}`;
  // The app must refuse a request without the token: the benchmark measures the authenticated path.
  await waitForInternal();
  const refusals = {};
  for (const target of [app, internal]) {
    const anonymous = await get(`${target.url}${urlPath}`);
    if (anonymous.status === 200 || anonymous.status === 304) throw new Error(`the ${target.name} answered a request without a token with ${anonymous.status}`);
    refusals[target.key] = anonymous.status;
  }
  if (Object.values(refusals).some((status) => status !== 401)) {
    console.warn(`warning: without a token the main port answers ${refusals.app} and the internal port ${refusals.internal} (expected 401)`);
  }
  const contractResponse = await get(`${app.url}${urlPath}`, { Authorization: authorization });
  if (contractResponse.status !== 200) throw new Error(`the main port answered the contract with ${contractResponse.status}`);
  const body = contractResponse.body;
  const contract = JSON.parse(body.toString("utf8"));
  app.etag = contractResponse.headers.etag;
  internal.etag = (await get(`${internal.url}${urlPath}`, { Authorization: authorization })).headers.etag;

  writeStaticFiles(dir, { [urlPath]: body });
  const location = `    location = ${urlPath} {
      default_type application/json;
      etag on;
    }`;
  const nginx = await startNginx(bin.nginx, dir, location, urlPath);
  nginx.etag = (await get(`${nginx.url}${urlPath}`)).headers.etag;

  const targets = [app, internal, nginx];
  for (const target of targets) {
    target.authorization = authorization; // nginx ignores it; every target gets the same request bytes
    for (const scenario of SCENARIOS) await checkAnswer(target, urlPath, scenario, body);
  }

  const rows = await measureScenarios({
    wrkBin: bin.wrk,
    scriptFile: wrkScript(dir),
    scenarios: SCENARIOS,
    targets,
    urlPath,
    bodyBytes: () => body.length,
    wrkArgs: WRK_ARGS,
  });
  // The answer is still the same one after the load (no rebuild, no expiry in between).
  for (const target of targets) for (const scenario of SCENARIOS) await checkAnswer(target, urlPath, scenario, body);

  const published = world.servers.filter((s) => s.status === "active").length;
  return {
    rows,
    world: { ...HTTP_SIZES, published, seconds, allowMedian: sizes[Math.floor(sizes.length / 2)], allowMax: sizes[sizes.length - 1] },
    refusals,
    contract: { tenant: tenant.name, bytes: body.length, allow: contract.policy.mcpServers.allow.length, deny: contract.policy.mcpServers.deny.length },
  };
}

function httpReport(h) {
  const bullets = `- HTTP part: \`wrk ${[...WRK_LOAD, ...WRK_ARGS].join(" ")} -d${DURATION}\`, ${ROUNDS} rounds per scenario rotating the three targets, after a ${WARMUP} warm-up of each; \`Authorization: Bearer octt_…\` (a tenant token) on every request
- Seeded through REST in ${h.world.seconds.toFixed(0)}s: ${h.world.servers} servers (${h.world.published} published, with tool previews), ${h.world.tenants} tenants, ${h.world.groups} groups, ${h.world.rules} rules (subject tenant ${HTTP_SUBJECTS.tenant * 100}%, group ${HTTP_SUBJECTS.group * 100}%, selector ${HTTP_SUBJECTS.selector * 100}%, everyone ${HTTP_SUBJECTS.everyone * 100}%; allow lists: median ${h.world.allowMedian}, max ${h.world.allowMax})
- Contract of \`${h.contract.tenant}\` (the median allow list): ${h.contract.allow} servers allowed, ${h.contract.deny} denied, ${n(h.contract.bytes)} bytes; without a token the main port answers ${h.refusals.app} and the internal port ${h.refusals.internal}`;
  return { bullets, table: resultTable(h.rows) };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const bin = requireBinaries("bench:policy");
  if (!bin) return;
  if (!["all", "compile", "http"].includes(PART)) throw new Error(`BENCH_PART must be compile or http (got '${PART}')`);
  const startedAt = new Date();
  const info = machine(bin);
  const dir = tempDir();

  const compiled = PART === "http" ? null : await compilePart(dir);
  const http = PART === "compile" ? null : await httpPart(bin, dir);

  const parts = [...(compiled ? [compileReport(compiled)] : []), ...(http ? [httpReport(http)] : [])];
  const section = [
    sectionTitle(startedAt, "tenant policy (bench/policy.mjs)"),
    "",
    machineLines(info),
    ...parts.map((part) => part.bullets),
    ...parts.flatMap((part) => ["", part.table]),
  ].join("\n");
  const partial = PART !== "all" ? `BENCH_PART=${PART}` : compiled.scale !== 1 ? `BENCH_SCALE=${compiled.scale}` : null;
  reportRun(DOC_MARKER, section, partial);
}

runBenchmark("bench:policy", main);
