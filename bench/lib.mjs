/**
 * What the HTTP benchmarks in bench/ share: processes cleaned up on success, failure and Ctrl-C,
 * the app and nginx started on free loopback ports, wrk runs checked before they are reported,
 * the machine description, and recording a result section in docs/benchmarks.md.
 */
import { fork, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { SERVER_NODE_FLAGS } from "../scripts/node-flags.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DOC = path.join(root, "docs", "benchmarks.md");
export const DURATION = process.env.BENCH_DURATION || "10s";
export const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
export const WARMUP = "3s";
export const WRK_LOAD = ["-t2", "-c32"];

// ---------------------------------------------------------------------------------------------
// Cleanup

const cleanups = [];
let cleaning = null;
let interrupted = false;

/** Registers a cleanup step; steps run in reverse order of registration. */
export function onCleanup(step) {
  cleanups.push(step);
}

export function cleanup() {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await step().catch((error) => console.error(`cleanup: ${error.message}`));
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the app and nginx…`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs a benchmark's main(), reports its failure (not after Ctrl-C) and always cleans up. */
export function runBenchmark(name, main) {
  main()
    .catch((error) => {
      if (!interrupted) console.error(`${name} failed: ${error.message}`);
      process.exitCode = 1;
    })
    .finally(cleanup);
}

/** A temporary directory, removed at cleanup, readable by nginx workers (started as root they serve as "nobody"). */
export function tempDir(prefix = "opencrane-bench-") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.chmodSync(dir, 0o755);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Processes

export function findBinary(name) {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/sbin"];
  return dirs.map((dir) => path.join(dir, name)).find((file) => fs.existsSync(file)) ?? null;
}

/** wrk and nginx, or null (the run failing) after printing how to install them. */
export function requireBinaries(benchmark) {
  const bin = { wrk: findBinary("wrk"), nginx: findBinary("nginx") };
  const missing = Object.keys(bin).filter((name) => !bin[name]);
  if (missing.length === 0) return bin;
  console.error(`${benchmark} needs ${missing.join(" and ")}. Install with:\n  sudo apt-get install -y nginx-light wrk`);
  process.exitCode = 1;
  return null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * A memory cgroup limited to `mib` MiB: what Kubernetes makes for a container with
 * `resources.limits.memory`, the same kernel mechanism, so a process started in it sees the limit
 * as it would in a pod (Node sizes its heap from it; the kernel OOM-kills it past the limit).
 * cgroup v1 (memory controller) or v2 (with memory delegated to this level); null, with the
 * reason, where this machine gives neither (not root, say). Removed at cleanup, after the
 * processes in it have ended (cleanups run in reverse).
 */
export function memoryCgroup(mib) {
  const v1 = "/sys/fs/cgroup/memory";
  const v2 = "/sys/fs/cgroup";
  const name = `opencrane-bench-${process.pid}`;
  const limit = String(mib * 2 ** 20);
  let made;
  try {
    if (fs.existsSync(path.join(v1, "memory.limit_in_bytes"))) {
      const dir = path.join(v1, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "memory.limit_in_bytes"), limit);
      made = { dir, oomKills: () => Number(/^oom_kill (\d+)/m.exec(fs.readFileSync(path.join(dir, "memory.oom_control"), "utf8"))?.[1] ?? 0) };
    } else if (fs.readFileSync(path.join(v2, "cgroup.subtree_control"), "utf8").split(/\s+/).includes("memory")) {
      const dir = path.join(v2, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "memory.max"), limit);
      fs.writeFileSync(path.join(dir, "memory.swap.max"), "0");
      made = { dir, oomKills: () => Number(/^oom_kill (\d+)/m.exec(fs.readFileSync(path.join(dir, "memory.events"), "utf8"))?.[1] ?? 0) };
    } else {
      return { cgroup: null, reason: "no cgroup memory controller is delegated here" };
    }
  } catch (error) {
    return { cgroup: null, reason: `cannot make a memory cgroup (${error.code ?? error.message}; it needs root)` };
  }
  onCleanup(async () => fs.rmdirSync(made.dir));
  const procs = path.join(made.dir, "cgroup.procs");
  // What Node itself makes of the limit: the heap limit the server started in the cgroup gets.
  const heap = spawnSync(
    "/bin/sh",
    ["-c", `echo $$ > '${procs}' && exec "$0" "$@"`, process.execPath, ...SERVER_NODE_FLAGS, "-p", "require('v8').getHeapStatistics().heap_size_limit"],
    {
      encoding: "utf8",
    },
  );
  return { cgroup: { ...made, mib, procs, heapLimit: Number(heap.stdout.trim()) || NaN }, reason: null };
}

/** Starts a long-running process in its own process group (Ctrl-C reaches only us) and registers its shutdown. */
export function startProcess(name, command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.once("error", (error) => console.error(`${name}: ${error.message}`));
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timeout = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timeout);
  });
  return { child, exited };
}

const shortLived = new Set();
onCleanup(async () => shortLived.forEach((child) => child.kill("SIGTERM")));

export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    shortLived.add(child);
    child.once("exit", () => shortLived.delete(child));
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** One HTTP request without keep-alive; the body is sent as JSON when given. */
export function request(url, { method = "GET", headers = {}, json, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? null : Buffer.from(JSON.stringify(json));
    const allHeaders = body ? { "Content-Type": "application/json", "Content-Length": body.length, ...headers } : headers;
    http
      .request(url, { method, headers: allHeaders, agent: false, timeout: timeoutMs }, (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
      })
      .on("timeout", function () {
        this.destroy(new Error(`no answer from ${url} within ${timeoutMs / 1000}s`));
      })
      .on("error", reject)
      .end(body ?? undefined);
  });
}

export const get = (url, headers = {}) => request(url, { headers });

/** Polls until `probe` returns a value; fails early when the process exits. */
export async function waitFor(what, probe, exited, timeoutMs, intervalMs = 250) {
  let stopped = false;
  void exited.then(() => (stopped = true));
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline && !stopped) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what} ${stopped ? "exited before it answered" : `did not answer within ${timeoutMs / 1000}s (${last})`}`);
}

/** How many latencies (ms), their p50, p99 and maximum. */
export function latencyStats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

/**
 * Runs `work` while bench/latency-probe.mjs, in processes of their own (so that our clock is not the
 * one measured), polls each of `urls`; returns the work's result and, per URL, latencyStats() and
 * the statuses answered. `headers` ({url: {name: value}}) go with that URL's requests;
 * `conditional` sends the URL's last ETag as If-None-Match, as a poller would.
 *
 * One process per URL, as separate pollers are: in one process, reading a 13 MB feed held that
 * process's event loop for tens of milliseconds, which the other URLs' answers then waited for
 * and were measured with.
 */
export async function whileProbing(urls, work, { headers = {}, conditional = false } = {}) {
  const probers = urls.map((url) => {
    const prober = fork(path.join(root, "bench", "latency-probe.mjs"), [url], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, BENCH_PROBE_HEADERS: JSON.stringify(headers), BENCH_PROBE_CONDITIONAL: conditional ? "1" : "" },
    });
    onCleanup(async () => void (prober.exitCode === null && prober.kill()));
    return prober;
  });
  await Promise.all(probers.map((prober) => new Promise((resolve) => prober.once("message", resolve))));
  await new Promise((resolve) => setTimeout(resolve, 500));
  let result;
  try {
    result = await work();
  } finally {
    for (const prober of probers) prober.send("stop");
  }
  const samples = Object.assign({}, ...(await Promise.all(probers.map((prober) => new Promise((resolve) => prober.once("message", resolve))))));
  const latency = Object.fromEntries(
    urls.map((url) => [
      url,
      {
        ...latencyStats(samples[url].latencies),
        statuses: samples[url].statuses,
        // A 304 or a health check waits only for the event loop; a 200 also carries a changed body.
        byStatus: Object.fromEntries(Object.entries(samples[url].byStatus ?? {}).map(([status, latencies]) => [status, latencyStats(latencies)])),
      },
    ]),
  );
  return { result, latency };
}

// ---------------------------------------------------------------------------------------------
// The app and nginx

/** The environment for an app on a fresh embedded database in `dir`, never a shared Postgres. */
export function appEnv(dir, extra = {}) {
  // The benchmark's own settings, not the caller's shell: only `extra` may name a database.
  // The benchmark worlds' servers live on made-up hosts: scheduled tool discovery would only
  // probe them in the background of every measurement.
  const env = { ...process.env, OPENCRANE_DATA_DIR: path.join(dir, "data"), OPENCRANE_LISTEN_HOST: "127.0.0.1", OPENCRANE_TOOL_DISCOVERY_MINUTES: "0" };
  delete env.DATABASE_URL;
  delete env.OBOT_REGISTRY_TOKEN;
  return { ...env, ...extra };
}

/**
 * Starts the app (`node scripts/start.mjs`) on a free main port and a free internal port and waits
 * until the main port's /api/readyz answers 200 (the first start after a source change builds
 * the app: minutes). Call waitForInternal() before using the internal port.
 *
 * `startupMs`: from the moment start.mjs hands over to the server (its "serving on" line, after
 * any build) until readyz answered 200, polled every `readyPollMs`; null when that line was not seen.
 * `stop()` ends the app and waits for it. `cgroup`: a memoryCgroup() to run the server in, without
 * start.mjs (the app must be built already, by an earlier start); start-up then counts from spawning it.
 */
/** BENCH_SERVER_FLAGS: more Node flags for the server in a pod (a profile, say); space-separated. */
const EXTRA_SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? "").split(/\s+/).filter(Boolean);

export async function startApp(env, { readyPollMs = 250, cgroup = null } = {}) {
  const app = { name: "main port", key: "app", url: `http://127.0.0.1:${await freePort()}` };
  const internal = { name: "internal port", key: "internal", url: `http://127.0.0.1:${await freePort()}` };
  const ports = { PORT: new URL(app.url).port, OPENCRANE_INTERNAL_PORT: new URL(internal.url).port, OPENCRANE_INTERNAL_HOST: "127.0.0.1" };
  const spawnedAt = performance.now();
  // In a cgroup (memoryCgroup) the server runs as the Docker image runs it, alone: `node <flags> server.mjs`
  // in the standalone build, with the image's environment, entering the cgroup before Node starts.
  const appProcess = cgroup
    ? startProcess(
        "app",
        "/bin/sh",
        [
          "-c",
          `echo $$ > '${cgroup.procs}' && exec "$0" "$@"`,
          process.execPath,
          ...SERVER_NODE_FLAGS,
          ...EXTRA_SERVER_FLAGS,
          path.join(root, "scripts", "server.mjs"),
        ],
        {
          cwd: path.join(root, ".next", "standalone"),
          env: {
            ...env,
            ...ports,
            NODE_ENV: "production",
            NEXT_TELEMETRY_DISABLED: "1",
            NEXT_MANUAL_SIG_HANDLE: "true",
            HOSTNAME: "127.0.0.1",
            OPENCRANE_DATA_DIR: path.resolve(root, env.OPENCRANE_DATA_DIR || ".data"),
          },
          stdio: ["ignore", "pipe", "inherit"],
        },
      )
    : startProcess("app", process.execPath, ["scripts/start.mjs"], { cwd: root, env: { ...env, ...ports }, stdio: ["ignore", "pipe", "inherit"] });
  appProcess.serverIsChild = !cgroup;
  let servingAt = cgroup ? spawnedAt : null;
  appProcess.child.stdout.on("data", (chunk) => {
    if (servingAt === null && chunk.toString("utf8").includes("[opencrane] serving on")) servingAt = performance.now();
    process.stdout.write(chunk);
  });
  // A build on a busy 2-core machine has taken over ten minutes.
  await waitFor("the app", async () => (await get(`${app.url}/api/readyz`)).status === 200, appProcess.exited, 30 * 60_000, readyPollMs);
  const startupMs = servingAt === null ? null : performance.now() - servingAt;
  const waitForInternal = () =>
    waitFor("the internal port", async () => (await get(`${internal.url}/api/readyz`)).status === 200, appProcess.exited, 30_000, readyPollMs);
  const stop = async () => {
    if (appProcess.child.exitCode !== null || appProcess.child.signalCode !== null) return;
    appProcess.child.kill("SIGTERM");
    await appProcess.exited;
  };
  return { app, internal, appProcess, waitForInternal, startupMs, stop };
}

/** The pid of the server process under start.mjs (Linux /proc), or null. */
export function serverPid(appProcess) {
  const pid = appProcess.child.pid;
  if (!appProcess.serverIsChild) return pid;
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || null;
  } catch {
    return null;
  }
}

/** A process's resident memory now and at its peak, in bytes (Linux /proc), or null. */
export function residentMemory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kB = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kB("VmRSS"), peak: kB("VmHWM") };
  } catch {
    return null;
  }
}

/** Writes `files` ({url path: bytes}) under dir/www, readable by nginx workers. */
export function writeStaticFiles(dir, files) {
  for (const [urlPath, bytes] of Object.entries(files)) {
    const file = path.join(dir, "www", urlPath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    for (let sub = path.dirname(file); sub.startsWith(dir) && sub !== dir; sub = path.dirname(sub)) fs.chmodSync(sub, 0o755);
  }
}

function nginxConfig(dir, port, locations) {
  const temp = (kind) => `${kind}_temp_path ${dir}/nginx-${kind};`;
  // One worker: the app answers from one Node event loop.
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join("\n  ")}
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
${locations}
  }
}
`;
}

/**
 * Starts nginx as the current user with a generated config in `dir` serving dir/www with the given
 * `location` blocks, and waits until `probePath` answers 200.
 */
export async function startNginx(bin, dir, locations, probePath) {
  const nginx = { name: "nginx", key: "nginx", url: `http://127.0.0.1:${await freePort()}` };
  fs.writeFileSync(path.join(dir, "nginx.conf"), nginxConfig(dir, new URL(nginx.url).port, locations));
  const nginxArgs = ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "nginx-error.log"), "-g", "daemon off;"];
  const nginxProcess = startProcess("nginx", bin, nginxArgs, { stdio: ["ignore", "inherit", "inherit"] });
  await waitFor("nginx", async () => (await get(`${nginx.url}${probePath}`)).status === 200, nginxProcess.exited, 10_000).catch((error) => {
    const log = path.join(dir, "nginx-error.log");
    throw new Error(`${error.message}; its log:\n${fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "(empty)"}`);
  });
  return nginx;
}

/**
 * Starts bench/static-node.mjs on the files written to dir/www (write them first), the bare
 * node:http reference, and waits until `probePath` answers 200.
 */
export async function startStaticNode(dir, probePath) {
  const node = { name: "bare node:http", key: "node", url: `http://127.0.0.1:${await freePort()}` };
  const started = startProcess("static node", process.execPath, [path.join(root, "bench", "static-node.mjs"), dir, new URL(node.url).port], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitFor("bare node:http", async () => (await get(`${node.url}${probePath}`)).status === 200, started.exited, 10_000);
  return { ...node, stop: () => started.child.kill("SIGTERM") };
}

// ---------------------------------------------------------------------------------------------
// wrk

// wrk's own summary counts 4xx/5xx as errors but not an unexpected 200/304; checkRun() covers that by size.
export const WRK_REPORT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%.0f,"durationUs":%.0f,"bytes":%.0f,"p50Us":%.0f,"p99Us":%.0f,"errors":%.0f,' ..
    '"errorKinds":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout, e.connect, e.read, e.write, e.status, e.timeout))
end
`;

/** Writes the wrk report script into `dir` and returns its path. */
export function wrkScript(dir) {
  const script = path.join(dir, "report.lua");
  fs.writeFileSync(script, WRK_REPORT);
  return script;
}

/** `extraArgs`: more wrk options, such as `--timeout 10s` (wrk counts answers slower than its timeout, 2s by default, as errors). */
export async function wrk(bin, target, scenario, urlPath, duration, scriptFile, extraArgs = []) {
  const headers = Object.entries(scenario.headers(target)).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const result = await run(bin, [...WRK_LOAD, ...extraArgs, `-d${duration}`, "-s", scriptFile, ...headers, `${target.url}${urlPath}`]);
  const line = result.stdout.split("\n").find((l) => l.startsWith("{"));
  if (result.code !== 0 || !line) throw new Error(`wrk failed against ${target.name}: ${result.stderr || result.stdout}`);
  return JSON.parse(line);
}

/** wrk counts bytes received; a response of the wrong kind (a 200 where a 304 was expected) shows up in their size. */
export function checkRun(target, scenario, result, bodyBytes) {
  const perResponse = result.bytes / result.requests;
  const plausible = scenario.status === 304 ? perResponse < 1024 : perResponse > bodyBytes;
  if (result.errors > 0 || result.requests === 0 || !plausible) {
    throw new Error(
      `${target.name}, "${scenario.name}": ${result.errors} errors ${JSON.stringify(result.errorKinds)}, ${result.requests} requests, ${perResponse.toFixed(0)} bytes per response`,
    );
  }
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const ms = (us) => (us / 1000).toFixed(2);
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

export function summarize(rounds) {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.durationUs, 0) / 1e6;
  return { rps: requests / seconds, p50: median(rounds.map((r) => r.p50Us)), p99: median(rounds.map((r) => r.p99Us)) };
}

/**
 * For each scenario: a warm-up of each target, then ROUNDS rounds of DURATION each, rotating the
 * order of the targets each round to spread drift on the machine evenly; every run is checked.
 * `bodyBytes(target, scenario)` is the size a 200 must exceed per response; `wrkArgs` go to every wrk run.
 */
export async function measureScenarios({ wrkBin, scriptFile, scenarios, targets, urlPath, bodyBytes, wrkArgs = [] }) {
  const rows = [];
  for (const scenario of scenarios) {
    for (const target of targets) await wrk(wrkBin, target, scenario, urlPath, WARMUP, scriptFile, wrkArgs);
    const results = Object.fromEntries(targets.map((t) => [t.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        const result = await wrk(wrkBin, target, scenario, urlPath, DURATION, scriptFile, wrkArgs);
        checkRun(target, scenario, result, bodyBytes(target, scenario));
        results[target.key].push(result);
        console.log(`${scenario.name}, round ${round + 1}, ${target.name}: ${(result.requests / (result.durationUs / 1e6)).toFixed(0)} req/s`);
      }
    }
    rows.push({ scenario, ...Object.fromEntries(targets.map((t) => [t.key, summarize(results[t.key])])) });
  }
  return rows;
}

/**
 * The table for the app's two ports against nginx, one row per scenario; a target not measured
 * (e.g. no main port in a BENCH_SERVER=internal run) shows "–". With `bare node:http` rows (key
 * `node`), two more columns show that reference and the internal port's share of it.
 */
export function resultTable(rows) {
  const rps = (t) => (t ? t.rps.toFixed(0) : "–");
  const ratio = (t, reference) => (t && reference ? (t.rps / reference.rps).toPrecision(2) : "–");
  const lat = (t) => (t ? `${ms(t.p50)} / ${ms(t.p99)}` : "–");
  const withNode = rows.some((row) => row.node);
  return [
    `| Scenario | main port req/s | internal port req/s | nginx req/s | main/nginx | internal/nginx | main p50 / p99 (ms) | internal p50 / p99 (ms) | nginx p50 / p99 (ms) |${withNode ? " bare node:http req/s | bare node/nginx | internal/bare node |" : ""}`,
    `|---|--:|--:|--:|--:|--:|--:|--:|--:|${withNode ? "--:|--:|--:|" : ""}`,
    ...rows.map(
      ({ scenario, app, internal, nginx, node }) =>
        `| ${scenario.name} | ${rps(app)} | ${rps(internal)} | ${rps(nginx)} | ${ratio(app, nginx)} | ${ratio(internal, nginx)} | ${lat(app)} | ${lat(internal)} | ${lat(nginx)} |${withNode ? ` ${rps(node)} | ${ratio(node, nginx)} | ${ratio(internal, node)} |` : ""}`,
    ),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The record

/** `bin`: the wrk and nginx binaries, for benchmarks that use them. */
export function machine(bin = null) {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model ?? "unknown";
  const version = (command, args) => {
    const result = spawnSync(command, args, { encoding: "utf8" });
    return `${result.stdout}${result.stderr}`
      .split("\n")[0]
      .replace(/^(nginx version:|wrk) /, "")
      .replace(/ Copyright.*$/, "")
      .trim();
  };
  const git = (args) => spawnSync("git", args, { cwd: root, encoding: "utf8" }).stdout.trim();
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    load: loadAverage(),
    node: process.version,
    nginx: bin ? version(bin.nginx, ["-v"]) : null,
    wrk: bin ? version(bin.wrk, ["-v"]) : null,
    commit: `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--", "src"]) ? " (src modified)" : ""}`,
  };
}

/** The "Machine" and "Software" lines of a result section; the load at the end is read now. */
export function machineLines(info) {
  return `- Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, ${info.kernel}; load average ${info.load} at the start, ${loadAverage()} at the end
- Software: node ${info.node}${info.nginx ? `, ${info.nginx}, wrk ${info.wrk}` : ""}; app at commit ${info.commit}`;
}

export const sectionTitle = (startedAt, what) => `### ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC: ${what}`;

/** Inserts `section` right below `marker` (newest first), or appends both when the marker is missing. */
export function recordInDoc(marker, section) {
  fs.mkdirSync(path.dirname(DOC), { recursive: true });
  const current = fs.existsSync(DOC) ? fs.readFileSync(DOC, "utf8") : `# Benchmarks\n\n`;
  const next = current.includes(marker) ? current.replace(marker, () => `${marker}\n\n${section}`) : `${current.trimEnd()}\n\n${marker}\n\n${section}`;
  fs.writeFileSync(DOC, next);
}

/** Prints the run's section and inserts it below `marker` in docs/benchmarks.md, unless `notRecordedBecause` says why this run does not count. */
export function reportRun(marker, section, notRecordedBecause = null) {
  console.log(`\n${section}\n`);
  if (notRecordedBecause) {
    console.log(`${notRecordedBecause}: not recorded in ${path.relative(root, DOC)}`);
    return;
  }
  recordInDoc(marker, section);
  console.log(`recorded in ${path.relative(root, DOC)}`);
}

/**
 * Refuses to benchmark a target that does not answer `scenario` for `urlPath` as expected: its
 * status, its Content-Encoding (`scenario.encoding`, none unless set) and, for a 200, `body`.
 * Returns the size of the body as sent.
 */
export async function checkAnswer(target, urlPath, scenario, body) {
  const response = await get(`${target.url}${urlPath}`, scenario.headers(target));
  const encoding = response.headers["content-encoding"];
  const fail = (problem) => {
    throw new Error(`${target.name} answered "${scenario.name}" for ${urlPath} with ${problem}`);
  };
  if (response.status !== scenario.status) fail(`status ${response.status}: ${response.body.toString("utf8").slice(0, 200)}`);
  if (encoding !== scenario.encoding) fail(`Content-Encoding ${encoding ?? "(none)"}`);
  if (response.status === 200 && !(encoding === "gzip" ? gunzipSync(response.body) : response.body).equals(body)) fail("a different body");
  return response.body.length;
}

/**
 * CPU used so far (ms) by every process on this machine, summed by name (Linux /proc), and the
 * machine's busy total from /proc/stat: where a phase's CPU went when everything shares two cores.
 */
export function cpuByProcessName() {
  const byName = new Map();
  const msPerTick = 10; // USER_HZ is 100 on every Linux Node supports
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const nameEnd = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, nameEnd);
    const fields = stat.slice(nameEnd + 2).split(" ");
    // Node processes one by one (the server, the probers, this bench), everything else by name.
    const key = pid === String(process.pid) ? "this bench" : name === "node" ? `node ${pid}` : name;
    byName.set(key, (byName.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) * msPerTick);
  }
  const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) * msPerTick;
  return { byName, busy };
}

/** What cpuByProcessName() says was used between `before` and `after`: the top consumers, as text. */
export function cpuBetween(before, after, wallMs, top = 8) {
  const used = [...after.byName].map(([name, ms]) => [name, ms - (before.byName.get(name) ?? 0)]).filter(([, ms]) => ms > 0);
  used.sort((a, b) => b[1] - a[1]);
  const share = (ms) => `${((100 * ms) / wallMs).toFixed(0)}%`;
  return `machine ${share(after.busy - before.busy)} of one core; ${used
    .slice(0, top)
    .map(([name, ms]) => `${name} ${share(ms)}`)
    .join(", ")}`;
}
