#!/usr/bin/env node
/**
 * The e2e web server: empties the data directory, then runs `npm start` (scripts/start.mjs), so
 * the suite runs the app exactly as users do, against a fresh embedded database. Its output goes
 * to this process's stdout and stderr and to E2E_SERVER_LOG, where the specs find the setup link
 * the server prints once at first start.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dataDir = process.env.OPENCRANE_DATA_DIR;
const logFile = process.env.E2E_SERVER_LOG;
if (!dataDir || !logFile) {
  console.error("e2e/serve.mjs: set OPENCRANE_DATA_DIR and E2E_SERVER_LOG (playwright.config.ts does)");
  process.exit(2);
}
fs.rmSync(path.resolve(dataDir), { recursive: true, force: true });
fs.mkdirSync(path.resolve(dataDir), { recursive: true });

const log = fs.createWriteStream(logFile, { flags: "w" });

// The stand-in Obot the Obot link talks to (test/support/fake-obot.ts, run through tsx).
let obot = null;
if (process.env.E2E_OBOT_PORT) {
  const runner = fileURLToPath(new URL("./fake-obot.ts", import.meta.url));
  obot = spawn(process.execPath, ["--import", "tsx", runner], { stdio: ["ignore", "inherit", "inherit"], env: process.env });
}
const start = fileURLToPath(new URL("../scripts/start.mjs", import.meta.url));
const child = spawn(process.execPath, [start], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  log.write(chunk);
});
child.stderr.on("data", (chunk) => {
  process.stderr.write(chunk);
  log.write(chunk);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  obot?.kill("SIGTERM");
  log.end(() => process.exit(code ?? (signal ? 1 : 0)));
});
