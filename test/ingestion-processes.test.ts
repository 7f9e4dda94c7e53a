/**
 * Ingestion across processes on real Postgres: a run killed in the middle of registering leaves
 * nothing behind and is marked failed at restart; two processes asking to sync one source at the
 * same moment get exactly one run.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client";
import { ingestionRuns, mcpServers, sourceItems } from "@/server/db/schema";
import { executeRun } from "@/server/ingest/pipeline";
import { claimRunById, failAbandonedRuns, getRun, queueRun } from "@/server/ingest/runs";
import { createSource, uploadsSource } from "@/server/ingest/sources";
import type { Services } from "@/server/services";
import { createTestDatabase } from "./support/database";
import { IN_CI, REPO_ROOT, TEST_DATABASE_URL } from "./support/env";
import { ALICE, testServices } from "./support/services";

const CHILD = path.join(REPO_ROOT, "test", "support", "ingestion-child.ts");
function child(args: string[]) {
  // node itself, not the tsx wrapper: SIGKILL must reach the process that holds the transaction.
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (chunk) => (out += chunk));
  proc.stderr.on("data", (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const waitFor = async (text: string, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!out.includes(text)) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`child never said ${text}: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { proc, exited, waitFor, output: () => out };
}

if (IN_CI && !TEST_DATABASE_URL) throw new Error("CI=true requires TEST_DATABASE_URL for the cross-process ingestion tests");

describe.skipIf(!TEST_DATABASE_URL)("ingestion across processes (needs TEST_DATABASE_URL)", () => {
  let database: Database;
  let services: Services;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    services = await testServices(database);
    const parsed = new URL(TEST_DATABASE_URL!);
    parsed.pathname = new URL(database.location.replace("***", "x")).pathname;
    url = parsed.toString();
  });
  afterAll(() => database.close());

  const documents = Array.from({ length: 40 }, (_, i) => ({
    name: `Crash Test ${i}`,
    entryKey: `crash-test-${i}`,
    runtime: "remote",
    remoteConfig: { fixedURL: `https://crash-${i}.example/mcp` },
  }));

  it("a run killed mid-register leaves no partial registration, is marked failed at restart, and can run again", { timeout: 90_000 }, async () => {
    const source = await uploadsSource(services.db, ALICE);
    const run = await queueRun(services.db, ALICE, source.name, "upload", { documents });
    const worker = child(["run", url, run.id]);
    await worker.waitFor("INSIDE_REGISTER");
    worker.proc.kill("SIGKILL");
    await worker.exited;

    const [servers] = await services.db.select({ n: count() }).from(mcpServers);
    const [items] = await services.db.select({ n: count() }).from(sourceItems);
    expect([Number(servers!.n), Number(items!.n)]).toEqual([0, 0]);
    expect((await getRun(services.db, source.name, run.id)).status).toBe("running");

    // A restarting process finds the run's heartbeat stopped.
    expect(await failAbandonedRuns(services.db, 0)).toEqual([run.id]);
    const failed = await getRun(services.db, source.name, run.id);
    expect(failed).toMatchObject({ status: "failed", error: expect.stringContaining("interrupted: the process running it stopped") });

    const again = await queueRun(services.db, ALICE, source.name, "upload", { documents });
    await claimRunById(services.db, again.id, "test");
    await executeRun(services.db, again.id, services.ingestionDeps);
    expect((await getRun(services.db, source.name, again.id)).counts).toMatchObject({ fetched: 40, registered: 40 });
  });

  it("two processes asking to sync one source at the same moment get exactly one run", { timeout: 60_000 }, async () => {
    const source = await createSource(services.db, ALICE, { name: "contended", kind: "mcp-registry", url: "https://registry.example" }, { approved: true });
    const startAt = String(Date.now() + 3000);
    const [a, b] = [child(["queue", url, source.name, startAt]), child(["queue", url, source.name, startAt])];
    await Promise.all([a.exited, b.exited]);
    const outputs = [a.output(), b.output()];
    expect(outputs.filter((o) => o.includes("QUEUED"))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes("REFUSED a run of source 'contended' is already queued or running"))).toHaveLength(1);
    const runs = await services.db.select().from(ingestionRuns).where(eq(ingestionRuns.sourceId, source.id));
    expect(runs).toHaveLength(1);
  });
});

