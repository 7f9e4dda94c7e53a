/**
 * Issue 10, item 13: the embedded database's lock file. A lock naming a live process that is not
 * the one that wrote it (its pid was reused) is stale; a lock held by a live owner stops the
 * server at start with the message, instead of leaving it up and answering 500.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPGlite, processIdentity } from "@/server/db/client";
import { REPO_ROOT } from "./support/env";

let unrelated: ChildProcess;
let dir: string;

beforeAll(() => {
  // Any live process that never held the lock: it has the pid a stale lock names.
  unrelated = spawn(process.execPath, ["-e", "setTimeout(() => {}, 120000)"], { stdio: "ignore" });
});
afterAll(() => {
  unrelated.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-lock-"));
  return dir;
}

describe.skipIf(process.platform !== "linux")("embedded database lock file", () => {
  it("takes over a lock whose pid now belongs to another process, and writes its own identity", async () => {
    const dataDir = freshDir();
    const lock = path.join(dataDir, "opencrane.lock");
    fs.writeFileSync(lock, JSON.stringify({ pid: unrelated.pid, identity: `${processIdentity(unrelated.pid!)!.split(":")[0]}:1` }));
    const database = await openPGlite(dataDir);
    try {
      expect(JSON.parse(fs.readFileSync(lock, "utf8"))).toEqual({ pid: process.pid, identity: processIdentity(process.pid) });
    } finally {
      await database.close();
    }
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("refuses a lock its live owner holds, by identity or by a bare pid from older versions", async () => {
    for (const content of [JSON.stringify({ pid: unrelated.pid, identity: processIdentity(unrelated.pid!) }), String(unrelated.pid)]) {
      const dataDir = freshDir();
      fs.writeFileSync(path.join(dataDir, "opencrane.lock"), content);
      await expect(openPGlite(dataDir)).rejects.toThrow(`is in use by process ${unrelated.pid}`);
    }
  });

  it("exits at start with the message when the data directory is held, instead of serving 500s", { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    fs.writeFileSync(path.join(dataDir, "opencrane.lock"), JSON.stringify({ pid: unrelated.pid, identity: processIdentity(unrelated.pid!) }));
    // The instrumentation hook as Next.js calls it: Next.js logs an error it throws and serves on.
    const script = `import("./src/instrumentation.ts").then((m) => (m.register ?? m.default.register)()).then(() => console.log("SERVING"), (e) => console.log("SERVING after " + e.message))`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, NEXT_RUNTIME: "nodejs", DATABASE_URL: "", OPENCRANE_DATA_DIR: dataDir, OPENCRANE_INTERNAL_PORT: "off" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(output).not.toContain("SERVING");
    expect(code).toBe(1);
    expect(output).toContain(`cannot start: the embedded database in ${dataDir} is in use by process ${unrelated.pid}`);
  });
});
