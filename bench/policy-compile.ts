/**
 * The compile part of `npm run bench:policy`: compilePolicy over a synthetic world of 10,000
 * tenants × 2,000 servers × 20,000 rules (bench/policy-world.mjs, fixed seed and clock), the heap
 * the compiled policy retains, and the per-snapshot contract work for every tenant. There is no
 * external reference for these figures: they are comparable across runs because the input is
 * byte-identical (see the world's fingerprint) and the machine's load is printed with them.
 *
 *   node --expose-gc --import tsx bench/policy-compile.ts
 *
 * Env: BENCH_COMPILE_RUNS (timed compiles after one warm-up, default 7), BENCH_RENDER_RUNS (timed
 * passes over all contracts after one warm-up, default 3), BENCH_SCALE (shrinks the world for a
 * quick try, default 1), BENCH_JSON (also write the results there, for bench/policy.mjs).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import type { Transport } from "../src/server/catalog/model";
import { ContractBodyCache } from "../src/server/snapshot/contract-cache";
import { contractBody, contractStatesOf, type CatalogSnapshot } from "../src/server/snapshot/snapshot";
import { compilePolicy, type CompiledPolicy, type PolicyInput } from "../src/server/policy/compile";
import { renderTenantContract, type ContractServer, type ContractTenant } from "../src/server/policy/contract";
import { FULL_SIZES, generateWorld, type World } from "./policy-world.mjs";

const COMPILE_RUNS = Number(process.env.BENCH_COMPILE_RUNS || 7);
const RENDER_RUNS = Number(process.env.BENCH_RENDER_RUNS || 3);
const SCALE = Number(process.env.BENCH_SCALE || 1);
const REVISION = 1234;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with: node --expose-gc --import tsx bench/policy-compile.ts");
  process.exit(1);
}
/** Twice: the first pass can leave garbage that only a second one frees (weak references, finalizers). */
const collect = () => {
  gc();
  gc();
};

/**
 * Collects until the heap and the array buffers stop shrinking. V8 frees dead array buffers'
 * backing stores after a GC, on a background thread, so right after gc() `arrayBuffers` can still
 * count garbage, and a delta taken then comes out too small (or, on a busy machine, anything).
 */
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  let last = process.memoryUsage();
  for (let round = 0; round < 20; round++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = process.memoryUsage();
    const stable = Math.abs(now.heapUsed - last.heapUsed) < 64 * 1024 && Math.abs(now.arrayBuffers - last.arrayBuffers) < 64 * 1024;
    last = now;
    if (stable && round > 0) break;
  }
  return last;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number) => sorted(values)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * Wall time, and the CPU time of this process (user + system, all threads: V8's background GC and
 * JIT work count too), which other load on a shared machine disturbs much less.
 */
function timed<T>(work: () => T): { ms: number; cpuMs: number; value: T } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, value };
}

const READ_VERBS = new Set(["get", "list", "search", "describe", "watch"]);

/** What the compiler reads, in the shapes loadPolicyInput() gives it. */
function policyInput(world: World): PolicyInput {
  return {
    // Tools as the snapshot gives them: byte order, read-only when the verb only reads.
    servers: world.servers.map((s) => ({
      name: s.name,
      scope: s.scope,
      status: s.status,
      tools: [...s.tools].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => ({ name, readOnly: READ_VERBS.has(name.slice(0, name.indexOf("_"))) })),
    })),
    tenants: world.tenants.map((t) => ({ name: t.name, labels: t.labels, mcpPolicy: t.mcpPolicy })),
    groups: world.groups.map((g) => ({ name: g.name, members: g.members })),
    rules: world.rules.map((r) => ({ id: r.id, subject: r.subject, servers: r.servers, access: r.access, expiresAt: r.expiresAt })),
  };
}

function describeWorld(world: World, input: PolicyInput) {
  const count = <T>(items: readonly T[], key: (item: T) => string) =>
    items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }), {});
  const memberships = world.groups.map((g) => g.members.length);
  return {
    fingerprint: createHash("sha256").update(JSON.stringify(input)).digest("hex").slice(0, 12),
    seed: world.seed,
    now: world.now.toISOString(),
    tenants: world.tenants.length,
    servers: world.servers.length,
    serversByStatus: count(world.servers, (s) => s.status),
    serversByScope: count(world.servers, (s) => s.scope),
    groups: world.groups.length,
    groupSizes: { min: Math.min(...memberships), median: median(memberships), max: Math.max(...memberships) },
    memberships: memberships.reduce((a, b) => a + b, 0),
    tenantsWithAllowOverride: world.tenants.filter((t) => t.mcpPolicy.allow.length > 0).length,
    tenantsWithDenyOverride: world.tenants.filter((t) => t.mcpPolicy.deny.length > 0).length,
    rules: world.rules.length,
    rulesBySubject: count(world.rules, (r) => r.subject.type),
    denyRules: world.rules.filter((r) => r.access === "deny").length,
    globRules: world.rules.filter((r) => /[*?]/.test(r.servers)).length,
    rulesWithExpiry: world.rules.filter((r) => r.expiresAt).length,
  };
}

async function main() {
  const loadAtStart = loadAverage();
  const scaled = (size: number) => Math.max(1, Math.round(size * SCALE));
  const sizes = {
    tenants: scaled(FULL_SIZES.tenants),
    servers: scaled(FULL_SIZES.servers),
    groups: scaled(FULL_SIZES.groups),
    rules: scaled(FULL_SIZES.rules),
  };
  const world = generateWorld(sizes);
  const input = policyInput(world);
  const now = world.now;
  const worldInfo = describeWorld(world, input);
  console.log(
    `world ${worldInfo.fingerprint}: ${sizes.tenants} tenants, ${sizes.servers} servers, ${sizes.groups} groups, ${sizes.rules} rules; load average ${loadAtStart}`,
  );

  // Compile: the first run is cold (JIT, and every glob compiled by picomatch for the first time,
  // which the compiler then caches for the life of the process, as the app's snapshots do).
  collect();
  const cold = timed(() => compilePolicy(input, now));
  const compileMs: number[] = [];
  const compileCpuMs: number[] = [];
  for (let run = 0; run < COMPILE_RUNS; run++) {
    collect(); // the previous run's garbage is not this run's cost
    const { ms, cpuMs } = timed(() => compilePolicy(input, now));
    compileMs.push(ms);
    compileCpuMs.push(cpuMs);
  }
  console.log(
    `compilePolicy: cold ${cold.ms.toFixed(0)} ms, then ${compileMs.map((ms) => ms.toFixed(0)).join(", ")} ms (CPU ${compileCpuMs.map((ms) => ms.toFixed(0)).join(", ")} ms)`,
  );

  // Retained memory: what holding one compiled policy costs. The bit sets are typed arrays
  // larger than V8 keeps on its heap, so their backing stores show up as arrayBuffers.
  const before = await settledMemory();
  let policy: CompiledPolicy | null = compilePolicy(input, now);
  const held = await settledMemory();
  const retained = { heapBytes: held.heapUsed - before.heapUsed, arrayBufferBytes: held.arrayBuffers - before.arrayBuffers };
  console.log(`retained: heap ${(retained.heapBytes / 2 ** 20).toFixed(1)} MiB, array buffers ${(retained.arrayBufferBytes / 2 ** 20).toFixed(1)} MiB`);

  const accesses = [...policy.tenants.values()];
  const allowSizes = accesses.map((a) => a.allow.length);
  const denySizes = accesses.map((a) => a.deny.length);
  const access = {
    activeServers: policy.servers.length,
    allowMean: mean(allowSizes),
    allowMedian: median(allowSizes),
    allowP90: percentile(allowSizes, 0.9),
    allowMax: Math.max(...allowSizes),
    denyMean: mean(denySizes),
    rulesInForce: policy.rules.length,
    expiredRules: policy.report.expiredRules.length,
    deadRules: policy.report.deadRules.length,
  };
  console.log(
    `allow list: mean ${access.allowMean.toFixed(1)}, median ${access.allowMedian}, p90 ${access.allowP90}, max ${access.allowMax} of ${access.activeServers} active servers; explicit deny mean ${access.denyMean.toFixed(1)}`,
  );

  // Contracts: renderTenantContract + JSON.stringify for every tenant, the work the endpoint does
  // once per tenant per snapshot.
  const contractServers = new Map<string, ContractServer>(
    world.servers
      .filter((s) => s.status === "active")
      .map((s) => [
        s.name,
        {
          name: s.name,
          displayName: s.displayName,
          shortDescription: s.shortDescription,
          transport: "streamable-http" as Transport,
          endpoint: `https://mcp.internal.example/${s.name}/mcp`,
          tools: null,
          previewTools: s.tools,
        },
      ]),
  );
  const tenantInfo = new Map<string, ContractTenant>(world.tenants.map((t) => [t.name, { name: t.name, displayName: t.displayName, team: t.team }]));
  const renderAll = (compiled: CompiledPolicy) => {
    const bytes: number[] = [];
    for (const [name, tenantAccess] of compiled.tenants) {
      const text = JSON.stringify(renderTenantContract(tenantInfo.get(name)!, tenantAccess, contractServers, REVISION));
      bytes.push(Buffer.byteLength(text));
    }
    return bytes;
  };
  renderAll(policy); // warm-up
  const renderMs: number[] = [];
  const renderCpuMs: number[] = [];
  let contractBytes: number[] = [];
  for (let run = 0; run < RENDER_RUNS; run++) {
    collect();
    const pass = timed(() => renderAll(policy!));
    renderMs.push(pass.ms);
    renderCpuMs.push(pass.cpuMs);
    contractBytes = pass.value;
  }
  const totalBytes = contractBytes.reduce((a, b) => a + b, 0);
  console.log(
    `render all contracts: ${renderMs.map((ms) => ms.toFixed(0)).join(", ")} ms (CPU ${renderCpuMs.map((ms) => ms.toFixed(0)).join(", ")} ms); ${(totalBytes / 2 ** 20).toFixed(1)} MiB in all, mean ${(totalBytes / contractBytes.length / 1024).toFixed(1)} KiB`,
  );

  // Every snapshot fingerprints every tenant's contract to keep unchanged contracts' revisions and
  // bodies (src/server/snapshot/contract-revisions.ts): part of each snapshot build.
  contractStatesOf(policy, contractServers, tenantInfo, REVISION); // warm-up
  const fingerprintMs: number[] = [];
  const fingerprintCpuMs: number[] = [];
  for (let run = 0; run < RENDER_RUNS; run++) {
    collect();
    const pass = timed(() => contractStatesOf(policy!, contractServers, tenantInfo, REVISION));
    fingerprintMs.push(pass.ms);
    fingerprintCpuMs.push(pass.cpuMs);
  }
  console.log(
    `fingerprint all contracts: ${fingerprintMs.map((ms) => ms.toFixed(0)).join(", ")} ms (CPU ${fingerprintCpuMs.map((ms) => ms.toFixed(0)).join(", ")} ms)`,
  );

  // The endpoint's cache: contractBody() renders a tenant's body (from the servers' shared parts)
  // on its first 200 and keeps it while the tenant's fingerprint and revision stay. Unbounded here,
  // so this is what every tenant's body costs; the app bounds it (OPENCRANE_CONTRACT_CACHE_MB).
  const snapshot = {
    revision: REVISION,
    builtAt: now,
    buildMs: 0,
    activeServers: contractServers.size,
    policy,
    contractServers,
    tenants: tenantInfo,
    contractStates: contractStatesOf(policy, contractServers, tenantInfo, REVISION),
  } as unknown as CatalogSnapshot;
  const contractCache = new ContractBodyCache(Infinity);
  const beforeBodies = await settledMemory();
  const bodies = timed(() => {
    for (const name of tenantInfo.keys()) contractBody(snapshot, contractCache, name);
  });
  const afterBodies = await settledMemory();
  const cache = {
    ms: bodies.ms,
    cpuMs: bodies.cpuMs,
    heapBytes: afterBodies.heapUsed - beforeBodies.heapUsed,
    arrayBufferBytes: afterBodies.arrayBuffers - beforeBodies.arrayBuffers,
    count: contractCache.size,
  };
  console.log(
    `contractBody for every tenant (first requests after a snapshot): ${cache.ms.toFixed(0)} ms (CPU ${cache.cpuMs.toFixed(0)} ms); the cache then holds heap ${(cache.heapBytes / 2 ** 20).toFixed(1)} MiB + array buffers ${(cache.arrayBufferBytes / 2 ** 20).toFixed(1)} MiB`,
  );
  policy = null;

  const result = {
    sizes,
    scale: SCALE,
    world: worldInfo,
    compile: {
      coldMs: cold.ms,
      runs: compileMs,
      medianMs: median(compileMs),
      minMs: Math.min(...compileMs),
      cpuRuns: compileCpuMs,
      medianCpuMs: median(compileCpuMs),
    },
    retained,
    access,
    render: {
      runs: renderMs,
      medianMs: median(renderMs),
      medianCpuMs: median(renderCpuMs),
      minMs: Math.min(...renderMs),
      totalBytes,
      meanBytes: totalBytes / contractBytes.length,
      maxBytes: Math.max(...contractBytes),
    },
    fingerprint: { runs: fingerprintMs, medianMs: median(fingerprintMs), medianCpuMs: median(fingerprintCpuMs), minMs: Math.min(...fingerprintMs) },
    cache,
    load: { start: loadAtStart, end: loadAverage() },
    node: process.version,
  };
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2));
  console.log(`load average ${result.load.end} at the end`);
}

void main();
