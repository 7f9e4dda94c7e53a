#!/usr/bin/env node
/**
 * `npm start`: builds the app when its sources changed since the last build, then serves the
 * standalone build through scripts/server.mjs. The server opens the database and applies migrations before it listens.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildPollThread } from "./build-poll-thread.mjs";
import { SERVER_NODE_FLAGS } from "./node-flags.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const standalone = path.join(root, ".next", "standalone");
const stampFile = path.join(root, ".next", "opencrane-build-stamp");
const inputs = [
  "src",
  "public",
  "drizzle",
  "scripts/build-poll-thread.mjs",
  "package.json",
  "package-lock.json",
  "next.config.ts",
  "tsconfig.json",
  "postcss.config.mjs",
];

function* files(entry) {
  const full = path.join(root, entry);
  if (!fs.existsSync(full)) return;
  if (fs.statSync(full).isDirectory()) {
    for (const child of fs.readdirSync(full).sort()) yield* files(path.join(entry, child));
  } else {
    yield entry;
  }
}

function sourceStamp() {
  const hash = createHash("sha256");
  for (const entry of inputs) {
    for (const file of files(entry)) {
      if (file.endsWith(".test.ts")) continue;
      hash
        .update(file)
        .update("\0")
        .update(fs.readFileSync(path.join(root, file)))
        .update("\0");
    }
  }
  return hash.digest("hex");
}

const stamp = sourceStamp();
const built = fs.existsSync(path.join(standalone, "server.js")) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp;
if (!built) {
  console.log("[opencrane] building the app (sources changed since the last build)…");
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  await buildPollThread(standalone);
  fs.writeFileSync(stampFile, stamp);
}

// The standalone server serves static assets only from its own directory.
fs.cpSync(path.join(root, ".next", "static"), path.join(standalone, ".next", "static"), { recursive: true });
if (fs.existsSync(path.join(root, "public"))) fs.cpSync(path.join(root, "public"), path.join(standalone, "public"), { recursive: true });

const env = {
  ...process.env,
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  PORT: process.env.PORT || "3000",
  // The app closes the embedded database itself on SIGTERM/SIGINT (flushes, releases the lock).
  NEXT_MANUAL_SIG_HANDLE: "true",
  // Next's standalone server listens on $HOSTNAME, which shells often set to the machine's name.
  HOSTNAME: process.env.OPENCRANE_LISTEN_HOST || "0.0.0.0",
  // The server runs from .next/standalone; keep the data directory where the user expects it.
  OPENCRANE_DATA_DIR: path.resolve(root, process.env.OPENCRANE_DATA_DIR || ".data"),
};
console.log(
  `[opencrane] serving on http://localhost:${env.PORT} (${env.DATABASE_URL ? "Postgres from DATABASE_URL" : `embedded database in ${env.OPENCRANE_DATA_DIR}`})`,
);
// Next's standalone build behind the app's HTTP front (scripts/server.mjs), run from the standalone directory.
const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(root, "scripts", "server.mjs")], { cwd: standalone, stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
