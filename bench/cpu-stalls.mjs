#!/usr/bin/env node
/**
 * What kept the event loop busy: the longest uninterrupted stretches of a V8 CPU profile (from
 * `node --cpu-prof`), each with the functions that spent its time. A diagnostic for developers
 * chasing reader latency during writes (issue 13: no feed request may wait on a writer):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --cpu-prof-interval 200 --import tsx bench/write-phases.ts
 *   node bench/cpu-stalls.mjs /tmp/prof/CPU.*.cpuprofile [min-ms=20] [stretches=15]
 *
 * A stretch is a run of samples none of which is "(idle)": the loop did not get back to its
 * poll phase, so a request arriving then waited at least that long. Garbage collection shows as
 * "(garbage collector)"; native work outside JavaScript (zlib on the main thread, say) as "(program)".
 */
import fs from "node:fs";

const [file, minArg = "20", countArg = "15"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/cpu-stalls.mjs PROFILE.cpuprofile [min-ms] [stretches]");
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const frameName = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(src|node_modules|bench)\//, "$1/")}:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
};
/** The innermost frame of the project's own code on the sample's stack: where to look. */
const ownFrame = (id) => {
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const url = nodes.get(at).callFrame.url;
    if (url && /\/(src|bench|scripts)\//.test(url) && !url.includes("node_modules")) return frameName(nodes.get(at));
  }
  return "(no project frame)";
};

const stretches = [];
let current = null;
let time = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  time += profile.timeDeltas[i] ?? 0;
  const node = nodes.get(profile.samples[i]);
  const idle = node.callFrame.functionName === "(idle)";
  const interval = profile.timeDeltas[i + 1] ?? 0;
  if (idle) {
    if (current) stretches.push(current);
    current = null;
    continue;
  }
  current ??= { start: time, end: time, self: new Map(), own: new Map() };
  current.end = time + interval;
  const self = frameName(node);
  current.self.set(self, (current.self.get(self) ?? 0) + interval);
  const own = ownFrame(node.id);
  current.own.set(own, (current.own.get(own) ?? 0) + interval);
}
if (current) stretches.push(current);

const minUs = Number(minArg) * 1000;
const long = stretches.filter((s) => s.end - s.start >= minUs);
const totalUs = profile.endTime - profile.startTime;
const busyUs = stretches.reduce((sum, s) => sum + (s.end - s.start), 0);
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busyUs / 1e6).toFixed(1)} s busy, ${long.length} stretches ≥ ${minArg} ms`);
const top = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `      ${(us / 1000).toFixed(1).padStart(7)} ms  ${name}`)
    .join("\n");
for (const stretch of long.sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, Number(countArg))) {
  console.log(`\n  ${((stretch.end - stretch.start) / 1000).toFixed(1)} ms at +${((stretch.start - profile.startTime) / 1e6).toFixed(2)} s`);
  console.log(`    by project frame:\n${top(stretch.own, 6)}`);
  console.log(`    by leaf:\n${top(stretch.self, 6)}`);
}
