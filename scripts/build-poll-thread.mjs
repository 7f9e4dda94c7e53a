#!/usr/bin/env node
/**
 * Bundles the internal port's poll thread (src/server/feeds/poll-thread.ts) into one file beside
 * the standalone server (.next/standalone/poll-thread.mjs), where the server starts it as a
 * worker thread. Next.js bundles only what its routes import; a worker needs a file of its own.
 * Run after `next build` (`npm run build` and scripts/start.mjs do).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildPollThread(outDir = path.join(root, ".next", "standalone")) {
  const outfile = path.join(outDir, "poll-thread.mjs");
  await build({
    entryPoints: [path.join(root, "src", "server", "feeds", "poll-thread.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    tsconfig: path.join(root, "tsconfig.json"),
    // CommonJS dependencies bundled into ES module output still call require().
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    legalComments: "none",
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = await buildPollThread(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`[opencrane] poll thread bundled into ${path.relative(process.cwd(), outfile)}`);
}
