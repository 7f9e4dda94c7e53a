/**
 * Part of `npm run bench:ingest` and bench:scale: a process of its own (so that its clock is not the one being
 * measured) that polls each URL given on the command line every BENCH_PROBE_MS (default 50 ms),
 * one request in flight per URL, and times every answer. On "stop" (IPC) it answers with the
 * samples and exits. A request still unanswered at "stop" counts with the time it had waited.
 *
 * Env: BENCH_PROBE_HEADERS (JSON {url: {header: value}}: sent with that URL's requests),
 * BENCH_PROBE_CONDITIONAL (1: send each URL's last ETag as If-None-Match, as a poller does).
 */
import http from "node:http";

const INTERVAL_MS = Number(process.env.BENCH_PROBE_MS || 50);
const TIMEOUT_MS = 60_000;
const HEADERS = JSON.parse(process.env.BENCH_PROBE_HEADERS || "{}");
const CONDITIONAL = process.env.BENCH_PROBE_CONDITIONAL === "1";
const urls = process.argv.slice(2);
const etags = {};
const agent = new http.Agent({ keepAlive: true, maxSockets: urls.length * 2 });
const samples = Object.fromEntries(urls.map((u) => [u, { latencies: [], statuses: {}, byStatus: {}, pending: null }]));
let stopped = false;

function once(url) {
  return new Promise((resolve) => {
    const started = performance.now();
    samples[url].pending = started;
    const done = (status) => {
      samples[url].pending = null;
      resolve({ ms: performance.now() - started, status });
    };
    const headers = { ...HEADERS[url], ...(etags[url] ? { "If-None-Match": etags[url] } : {}) };
    const req = http.get(url, { agent, timeout: TIMEOUT_MS, headers }, (res) => {
      if (CONDITIONAL && res.statusCode === 200 && res.headers.etag) etags[url] = res.headers.etag;
      res.resume();
      res.on("end", () => done(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error) => done(error.message === "timeout" ? "timeout" : "error"));
  });
}

async function poll(url) {
  while (!stopped) {
    const next = performance.now() + INTERVAL_MS;
    const { ms, status } = await once(url);
    if (stopped) return;
    samples[url].latencies.push(ms);
    samples[url].statuses[status] = (samples[url].statuses[status] ?? 0) + 1;
    (samples[url].byStatus[status] ??= []).push(ms);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
}

process.on("message", (message) => {
  if (message !== "stop") return;
  stopped = true;
  for (const s of Object.values(samples)) if (s.pending !== null) s.latencies.push(performance.now() - s.pending);
  process.send(Object.fromEntries(Object.entries(samples).map(([u, s]) => [u, { latencies: s.latencies, statuses: s.statuses, byStatus: s.byStatus }])), () =>
    process.exit(0),
  );
});

// Never outlive the benchmark that started it.
process.on("disconnect", () => process.exit(0));
for (const url of urls) void poll(url);
process.send?.("ready");
