#!/usr/bin/env node
// Folder-level import cycles under src/server: a folder (or a file directly in src/server, such as
// services.ts) that imports another which imports it back, however indirectly, is a tangle even when
// no single module cycle exists. Reads dependency-cruiser's graph (type-only imports included, as in
// .dependency-cruiser.cjs) and prints each tangle with the imports that make it.
//
// Two kinds of import do not count: tests (a test may import across folders freely), and imports of
// the domain model (`*/model.ts`, `ingest/source-model.ts`: zod schemas and types every layer may use,
// db/schema.ts included), which dependency-cruiser keeps pure ("pure-core-stays-pure").
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SERVER = /^src\/server\/([^/]+)(\/)?/;
const TEST = /\.test\.tsx?$/;
const DOMAIN_MODEL = /^src\/server\/[^/]+\/(model|source-model)\.ts$/;

/** The folder (`policy/`) or root file (`services.ts`) a module belongs to; null outside src/server. */
export function unitOf(modulePath) {
  const match = SERVER.exec(modulePath);
  if (!match) return null;
  return match[2] ? `${match[1]}/` : match[1];
}

/** unit → unit → the module imports behind that folder-level edge. */
export function folderGraph(modules) {
  const graph = new Map();
  for (const cruised of modules) {
    const from = unitOf(cruised.source);
    if (!from || TEST.test(cruised.source)) continue;
    for (const dependency of cruised.dependencies) {
      const to = unitOf(dependency.resolved);
      if (!to || to === from || DOMAIN_MODEL.test(dependency.resolved)) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      const edges = graph.get(from);
      if (!edges.has(to)) edges.set(to, []);
      const typeOnly = dependency.dependencyTypes.includes("type-only") ? " (type only)" : "";
      edges.get(to).push(`${cruised.source} → ${dependency.resolved}${typeOnly}`);
    }
  }
  return graph;
}

/** Strongly connected components with more than one unit (Tarjan's algorithm). */
export function tangles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  const visit = (unit) => {
    index.set(unit, next);
    low.set(unit, next);
    next++;
    stack.push(unit);
    onStack.add(unit);
    for (const to of graph.get(unit)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(unit, Math.min(low.get(unit), index.get(to)));
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== unit);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const unit of [...graph.keys()].sort()) if (!index.has(unit)) visit(unit);
  return found;
}

/** The shortest cycle through `start` inside `component` (breadth-first), as [start, …, start]. */
function shortestCycle(graph, component, start) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const unit = queue.shift();
    for (const to of [...(graph.get(unit)?.keys() ?? [])].sort()) {
      if (!component.includes(to)) continue;
      if (to === start) {
        const cycle = [start];
        for (let at = unit; at !== start; at = previous.get(at)) cycle.splice(1, 0, at);
        return [...cycle, start];
      }
      if (!previous.has(to)) {
        previous.set(to, unit);
        queue.push(to);
      }
    }
  }
  return null;
}

/** Each tangle as every pair of units importing each other, and the shortest cycle through each unit; shortest first. */
export function cycles(graph) {
  const seen = new Map();
  for (const component of tangles(graph)) {
    for (const a of component) {
      for (const b of component) {
        if (a < b && graph.get(a)?.has(b) && graph.get(b)?.has(a)) seen.set(`${a} → ${b}`, [a, b, a]);
      }
    }
    for (const start of component) {
      const cycle = shortestCycle(graph, component, start);
      const units = cycle.slice(0, -1);
      const first = units.indexOf([...units].sort()[0]);
      const canonical = [...units.slice(first), ...units.slice(0, first)];
      seen.set(canonical.join(" → "), [...canonical, canonical[0]]);
    }
  }
  return [...seen.values()].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()));
}

function cruise() {
  const depcruise = path.join(root, "node_modules", ".bin", "depcruise");
  const output = execFileSync(depcruise, ["--config", ".dependency-cruiser.cjs", "--output-type", "json", "src/server"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(output).modules;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = folderGraph(cruise());
  const found = cycles(graph);
  if (found.length === 0) {
    console.log("✔ no folder-level import cycles under src/server");
  } else {
    for (const cycle of found) {
      console.error(`✘ ${cycle.join(" → ")}`);
      for (let i = 0; i + 1 < cycle.length; i++) {
        const imports = graph.get(cycle[i]).get(cycle[i + 1]);
        for (const line of imports.slice(0, 3)) console.error(`      ${line}`);
        if (imports.length > 3) console.error(`      … and ${imports.length - 3} more from ${cycle[i]} to ${cycle[i + 1]}`);
      }
    }
    console.error(`\n${found.length} folder-level import cycle(s) under src/server`);
    process.exitCode = 1;
  }
}
