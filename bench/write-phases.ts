/**
 * `npm run bench:write-phases`: where a write's time goes at production scale, in one process.
 * Loads the world of bench/scale-world.ts into a throw-away database, starts the app's services
 * (no Next.js, no background jobs), then sends the writes bench:scale sends (a grant, a tenant, a
 * group, a server change in turn) through the REST dispatcher the route handlers use, and prints
 * per write kind the whole answer's time, the CPU this process spent on it (the figure a busy
 * machine distorts least) and the snapshot build's phases (load, compute, settle).
 * A diagnostic for developers: bench:scale is the record.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:write-phases
 *
 * Env: BENCH_DATABASE_URL or TEST_DATABASE_URL (Postgres; else the embedded database in a temp
 * dir), BENCH_SCALE (default 1), BENCH_WRITES (default 40), BENCH_KINDS (default
 * grant,tenant,group,server), BENCH_CLIENTS (default 1: sequential; with more, the CPU column
 * counts the other clients' work too), BENCH_PROFILE (a file: the writes' CPU profile, for DevTools),
 * BENCH_HEAP_PROFILE (a file: where the writes allocated, garbage included, as a sampling heap
 * profile for DevTools' Memory tab; the total is what each build leaves for the GC), BENCH_FEED_POLL
 * (milliseconds: fetch the Obot feed meanwhile whenever it moved, as bench:scale's prober does),
 * BENCH_HEAP_SNAPSHOT (a file: the heap after the writes, for DevTools' Memory tab).
 */
import fs from "node:fs";
import inspector from "node:inspector";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import postgres from "postgres";
import { loadConfig } from "../src/server/config";
import { openDatabase } from "../src/server/db/client";
import { dispatchRest } from "../src/server/rest";
import { startServices } from "../src/server/services";
import { FULL_SIZES, scaledSizes } from "./policy-world.mjs";
import { loadWorld } from "./scale-world";

const ADMIN_TOKEN = `bench-${process.pid}-${Date.now().toString(36)}`;
const WRITES = Number(process.env.BENCH_WRITES ?? 40);
/** Which writes, in turn (BENCH_KINDS=grant,server, say). */
const KINDS = (process.env.BENCH_KINDS ?? "grant,tenant,group,server").split(",");
/** Concurrent clients sending them (BENCH_CLIENTS=8: the burst of bench:scale). */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1);

/**
 * BENCH_FEED_POLL=MS: meanwhile take the Obot feed's bytes every MS ms when its ETag moved, as
 * bench:scale's prober (and Obot) fetch it: a new feed's bytes are assembled on its first fetch.
 */
const FEED_POLL_MS = Number(process.env.BENCH_FEED_POLL ?? 0);

/** Fetches the feed when it moved (BENCH_FEED_POLL); stop() answers how many times it did. */
function pollFeed(services: Awaited<ReturnType<typeof startServices>>): { stop: () => Promise<number> } {
  let polling = FEED_POLL_MS > 0;
  let fetches = 0;
  const done = (async () => {
    let seen = services.snapshots.current?.obotFeed.hash;
    while (polling) {
      const feed = services.snapshots.current?.obotFeed;
      if (feed && feed.hash !== seen) {
        seen = feed.hash;
        // What the internal port answers with: the bytes when made, else the parts they are made of.
        if (!feed.identityAnswer()) await feed.bytes("identity");
        fetches++;
      }
      await new Promise((resolve) => setTimeout(resolve, FEED_POLL_MS));
    }
  })();
  return {
    stop: async () => {
      polling = false;
      await done;
      return fetches;
    },
  };
}

/** BENCH_PROFILE=FILE: a CPU profile of the writes alone (not the world's load), for Chrome DevTools. */
const PROFILE = process.env.BENCH_PROFILE;
/** BENCH_HEAP_SNAPSHOT=FILE: what the heap holds after the writes (DevTools' Memory tab). */
const HEAP_SNAPSHOT = process.env.BENCH_HEAP_SNAPSHOT;
/** BENCH_HEAP_PROFILE=FILE: every allocation of the writes (sampled), collected or not, for Chrome DevTools. */
const HEAP_PROFILE = process.env.BENCH_HEAP_PROFILE;

interface Profiler {
  stop(file: string): Promise<string>;
}

async function inspectorSession() {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  const save = async (method: string, file: string) => {
    const { profile } = (await post(method)) as { profile: unknown };
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    return file;
  };
  return { post, save };
}

async function startProfiler(): Promise<Profiler> {
  const { post, save } = await inspectorSession();
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return { stop: (file) => save("Profiler.stop", file) };
}

/** What the writes allocate, not what stays alive: garbage is what a build costs the GC. */
async function startHeapProfiler(): Promise<Profiler> {
  const { post, save } = await inspectorSession();
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return { stop: (file) => save("HeapProfiler.stopSampling", file) };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
/**
 * CPU used so far by every process named postgres on this machine, in ms (Linux /proc; NaN
 * elsewhere): with the database local, whether the writes wait on Node's loop or on Postgres.
 */
function postgresCpuMs(): number {
  try {
    const ticksPerSecond = 100; // USER_HZ: 100 on every Linux Node supports
    let ticks = 0;
    for (const pid of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const nameEnd = stat.lastIndexOf(")");
      if (!stat.slice(stat.indexOf("(") + 1, nameEnd).startsWith("postgres")) continue;
      const fields = stat.slice(nameEnd + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return (ticks * 1000) / ticksPerSecond;
  } catch {
    return NaN;
  }
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function main() {
  const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-write-phases-"));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => undefined as unknown;
  if (base) {
    const name = `opencrane_write_phases_${process.pid}`;
    const admin = postgres(base, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl ?? "",
    OPENCRANE_DATA_DIR: dataDir,
    OPENCRANE_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    OPENCRANE_TOOL_DISCOVERY_MINUTES: "0",
  });
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const sizes = scaledSizes(Number(process.env.BENCH_SCALE ?? 1), FULL_SIZES);
    const loadStarted = performance.now();
    const { world } = await loadWorld(database.db, sizes);
    console.log(`world loaded in ${ms(performance.now() - loadStarted)} ms: ${JSON.stringify(sizes)}`);
    const servicesStarted = performance.now();
    const services = await startServices(config, database, { migrate: false, background: false });
    console.log(`services started in ${ms(performance.now() - servicesStarted)} ms; first build ${JSON.stringify(services.snapshots.current?.buildPhases)}`);

    const published = world.servers.filter((s: { status: string }) => s.status === "active");
    const grantable = published.filter((s: { scope: string }) => s.scope !== "personal");
    const versions = new Map<string, number>();
    // What a feed request arriving during the writes would have waited for the event loop.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    // Garbage collection pauses the loop too: its pauses by kind (V8's major collections are
    // mostly concurrent; what shows here is the main thread's part).
    const gcPauses = new Map<string, number[]>();
    const gcKinds: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" };
    const gcEntries: { start: number; end: number }[] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
        const kind = gcKinds[entry.detail?.kind ?? 0] ?? "other";
        gcPauses.set(kind, [...(gcPauses.get(kind) ?? []), entry.duration]);
        gcEntries.push({ start: entry.startTime, end: entry.startTime + entry.duration });
      }
    });
    gcObserver.observe({ entryTypes: ["gc"] });
    // Every build's phases, the tenants whose contract state it changed and the GC pauses inside
    // it: what the slowest builds (a write's tail) had in common.
    const builds: { at: number; buildMs: number; load: number; compute: number; settle: number; tenants: number | null; servers: number }[] = [];
    const stopWatchingBuilds = services.snapshots.onPublished((snapshot, changed) => {
      const phases = snapshot.buildPhases ?? { load: NaN, compute: NaN, settle: NaN };
      builds.push({ at: performance.now(), buildMs: snapshot.buildMs, ...phases, tenants: changed ? changed.length : null, servers: snapshot.activeServers });
    });
    const results = new Map<string, { total: number[]; cpu: number[]; load: number[]; compute: number[]; settle: number[]; slice: number[] }>();
    let nextWrite = 0;
    const writesStarted = performance.now();
    const client = async () => {
      for (let i = nextWrite++; i < WRITES; i = nextWrite++) {
        const kind = KINDS[i % KINDS.length]!;
        let method = "PATCH";
        let pathname: string;
        let body: unknown;
        if (kind === "grant") {
          const tenant = world.tenants[(i * 7919) % world.tenants.length]!;
          const server = grantable[(i * 104_729) % grantable.length]!;
          method = "POST";
          pathname = "/api/v1/grants";
          body = { subject: { type: "tenant", name: tenant.name }, servers: server.name, access: "allow", note: `write ${i}` };
        } else if (kind === "tenant") {
          const tenant = world.tenants[(i * 6007) % world.tenants.length]!;
          pathname = `/api/v1/tenants/${tenant.name}`;
          body = { labels: { ...tenant.labels, "bench-write": String(i) } };
        } else if (kind === "group") {
          const group = world.groups[i % world.groups.length]!;
          const tenant = world.tenants[(i * 3001) % world.tenants.length]!.name;
          const members = new Set(group.members);
          if (members.has(tenant)) members.delete(tenant);
          else members.add(tenant);
          group.members = [...members];
          pathname = `/api/v1/groups/${group.name}`;
          body = { members: group.members };
        } else {
          const server = published[i % published.length]!;
          pathname = `/api/v1/mcp-servers/${server.name}`;
          body = { version: versions.get(server.name) ?? 1, shortDescription: `edited, write ${i}` };
        }
        const buildsBefore = services.snapshots.builds;
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        const response = await dispatchRest(
          services,
          new Request(`http://localhost${pathname}`, {
            method,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
        );
        const total = performance.now() - started;
        const cpuUsed = process.cpuUsage(cpuBefore);
        const answer = (await response.json()) as { version?: number; error?: unknown };
        if (!response.ok) throw new Error(`${method} ${pathname} answered ${response.status}: ${JSON.stringify(answer)}`);
        if (kind === "server") versions.set(pathname.split("/").pop()!, answer.version!);
        const phases = services.snapshots.current?.buildPhases;
        const row = results.get(kind) ?? { total: [], cpu: [], load: [], compute: [], settle: [], slice: [] };
        row.total.push(total);
        row.cpu.push((cpuUsed.user + cpuUsed.system) / 1000);
        if (phases && services.snapshots.builds > buildsBefore) {
          row.load.push(phases.load);
          row.compute.push(phases.compute);
          row.settle.push(phases.settle);
          row.slice.push(services.snapshots.current?.longestSliceMs ?? NaN);
        }
        results.set(kind, row);
      }
    };
    const profiler = PROFILE ? await startProfiler() : null;
    const heapProfiler = HEAP_PROFILE ? await startHeapProfiler() : null;
    const cpuAtStart = process.cpuUsage();
    const postgresAtStart = postgresCpuMs();
    const feedPoller = pollFeed(services);
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const writesMs = performance.now() - writesStarted;
    const feedFetches = await feedPoller.stop();
    const cpuOfWrites = process.cpuUsage(cpuAtStart);
    const postgresOfWrites = postgresCpuMs() - postgresAtStart;
    if (profiler) console.log(`CPU profile of the writes: ${await profiler.stop(PROFILE!)}`);
    if (heapProfiler) console.log(`heap profile of the writes (allocations, garbage included): ${await heapProfiler.stop(HEAP_PROFILE!)}`);
    console.log(
      `\n${WRITES} writes from ${CLIENTS} client(s) in ${ms(writesMs)} ms (${((WRITES * 1000) / writesMs).toFixed(1)}/s), ${services.snapshots.builds} builds in all` +
        (FEED_POLL_MS > 0 ? `; the Obot feed fetched ${feedFetches} times (polled every ${FEED_POLL_MS} ms)` : ""),
    );
    const ownCpuMs = (cpuOfWrites.user + cpuOfWrites.system) / 1000;
    console.log(
      `CPU over the writes: this process ${ms(ownCpuMs)} ms (${((100 * ownCpuMs) / writesMs).toFixed(0)}% of one core, ${ms(ownCpuMs / WRITES)} ms a write)` +
        (Number.isFinite(postgresOfWrites) ? `, Postgres on this machine ${ms(postgresOfWrites)} ms (${ms(postgresOfWrites / WRITES)} ms a write)` : ""),
    );
    loopDelay.disable();
    gcObserver.disconnect();
    const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
    // With --expose-gc, what the writes left alive rather than what is not collected yet.
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    if (HEAP_SNAPSHOT) console.log(`heap snapshot after the writes: ${v8.writeHeapSnapshot(HEAP_SNAPSHOT)}`);
    console.log(
      `memory after the writes: rss ${mib(memory.rss)}, heap used ${mib(memory.heapUsed)} of ${mib(memory.heapTotal)}, external ${mib(memory.external)} (array buffers ${mib(memory.arrayBuffers)})`,
    );
    for (const [kind, pauses] of gcPauses) {
      console.log(
        `gc ${kind}: ${pauses.length} pauses, p50 ${ms(quantile(pauses, 0.5))} / max ${ms(Math.max(...pauses))} ms, ${ms(pauses.reduce((a, b) => a + b, 0))} ms in all`,
      );
    }
    const loopMs = (q: number) => ms(loopDelay.percentile(q) / 1e6);
    console.log(
      `\nevent loop delay during the writes: p50 ${loopMs(50)} / p99 ${loopMs(99)} / max ${ms(loopDelay.max / 1e6)} ms (what a reader arriving then waited; the longest slice below is the build's part)`,
    );
    console.log(
      "\nwrite kind | answer p50 / p99 ms | CPU of this process p50 / p99 ms | build load p50 | compute p50 / max | settle p50 | longest slice p50 / max",
    );
    for (const [kind, row] of results) {
      console.log(
        `${kind.padEnd(10)} | ${ms(quantile(row.total, 0.5))} / ${ms(quantile(row.total, 0.99))} | ${ms(quantile(row.cpu, 0.5))} / ${ms(quantile(row.cpu, 0.99))} | ${ms(quantile(row.load, 0.5))} | ${ms(quantile(row.compute, 0.5))} / ${ms(Math.max(...row.compute))} | ${ms(quantile(row.settle, 0.5))} | ${ms(quantile(row.slice, 0.5))} / ${ms(Math.max(...row.slice))}`,
      );
    }
    stopWatchingBuilds();
    const gcWithin = (from: number, to: number) =>
      gcEntries.filter((g) => g.end > from && g.start < to).reduce((sum, g) => sum + Math.min(g.end, to) - Math.max(g.start, from), 0);
    console.log("\nthe slowest builds: total ms = load + compute + settle | GC pauses inside | tenants whose contract state changed");
    for (const build of [...builds].sort((a, b) => b.buildMs - a.buildMs).slice(0, 6)) {
      console.log(
        `${ms(build.buildMs)} = ${ms(build.load)} + ${ms(build.compute)} + ${ms(build.settle)} | ${ms(gcWithin(build.at - build.buildMs, build.at))} | ${build.tenants ?? "all"}`,
      );
    }
    const median = [...builds].sort((a, b) => a.buildMs - b.buildMs)[Math.floor(builds.length / 2)];
    if (median) console.log(`median build: ${ms(median.buildMs)} ms, ${median.tenants ?? "all"} tenants changed`);
    await services.close();
  } finally {
    await database.close();
    await dropDatabase();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
