#!/usr/bin/env node
/**
 * Bundles the machine port's thread (src/server/feeds/machine-port/worker.ts) into one plain
 * JavaScript file that a worker_threads Worker loads without a TypeScript loader: `npm run build`
 * and `npm start` put it beside the standalone server (.next/standalone/machine-port-worker.mjs),
 * and the app bundles it on the fly where the sources are (development, tests, benchmarks).
 *
 *   node scripts/build-machine-port.mjs OUT_FILE
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const [out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node scripts/build-machine-port.mjs OUT_FILE");
  process.exit(2);
}
await build({
  entryPoints: [path.join(root, "src", "server", "feeds", "machine-port", "worker.ts")],
  outfile: path.resolve(out),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // CommonJS dependencies bundled into an ES module still call require for Node's built-ins.
  banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  tsconfig: path.join(root, "tsconfig.json"),
  logLevel: "warning",
});
