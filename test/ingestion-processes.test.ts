/**
 * Ingestion across processes on real Postgres: a run killed in the middle of registering is
 * recovered seconds later (what it registered undone) by the next sync request; a frozen worker's
 * run is reported as being recovered; two processes asking to sync one source at the same moment
 * get exactly one run.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { count, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client";
import { ingestionRuns, mcpServers, sourceItems } from "@/server/db/schema";
import { executeRun } from "@/server/ingest/pipeline";
import { claimRunById, getRun, queueRun, STALE_AFTER_MS } from "@/server/ingest/runs";
import { createSource, uploadsSource, sourceCreateInput } from "@/server/ingest/sources";
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

  /** Asks for a sync until one is queued; the refusals it got meanwhile, and when it got through. */
  async function syncWhenRecovered(source: string, since: number, ms = 30_000) {
    const refusals = new Set<string>();
    for (;;) {
      try {
        const run = await queueRun(services.db, ALICE, source, "upload", { documents });
        return { run, refusals, afterMs: Date.now() - since };
      } catch (error) {
        refusals.add((error as Error).message);
        if (Date.now() - since > ms) throw new Error(`still refused after ${ms} ms: ${[...refusals].join(" | ")}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  it("a run killed mid-register is recovered within seconds: what it registered is undone and a new sync starts", { timeout: 120_000 }, async () => {
    const source = await uploadsSource(services.db, ALICE);
    const run = await queueRun(services.db, ALICE, source.name, "upload", { documents });
    const worker = child(["run", url, run.id]);
    await worker.waitFor("INSIDE_REGISTER");
    // Every register batch has committed (progress counts them); the run has not finished.
    const during = await getRun(services.db, source.name, run.id);
    expect(during).toMatchObject({ status: "running", progress: { register: { done: 40, total: 40 } } });
    worker.proc.kill("SIGKILL");
    await worker.exited;
    const killedAt = Date.now();
    // Its batches stay (drafts, published nowhere) until the run is recovered.
    const [left] = await services.db.select({ n: count() }).from(mcpServers);
    expect(Number(left!.n)).toBe(40);

    // No janitor runs in this test: the next sync request finds the heartbeat stopped, recovers
    // the run (undoing its batches) and queues a new one, seconds after the crash, not a minute.
    const { run: again, refusals, afterMs } = await syncWhenRecovered(source.name, killedAt);
    expect(afterMs).toBeGreaterThanOrEqual(STALE_AFTER_MS - 2000);
    expect([...refusals].every((message) => message.includes("already queued or running"))).toBe(true);
    expect(await getRun(services.db, source.name, run.id)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("interrupted: the process running it stopped"),
    });
    const [servers] = await services.db.select({ n: count() }).from(mcpServers);
    const [items] = await services.db.select({ n: count() }).from(sourceItems);
    expect([Number(servers!.n), Number(items!.n)]).toEqual([0, 0]);

    await claimRunById(services.db, again.id, "test");
    await executeRun(services.db, again.id, services.ingestionDeps);
    expect((await getRun(services.db, source.name, again.id)).counts).toMatchObject({ fetched: 40, registered: 40 });
  });

  it("a frozen worker's run is reported as being recovered, and recovered once its process is gone", { timeout: 120_000 }, async () => {
    const source = await createSource(services.db, ALICE, sourceCreateInput.parse({ name: "frozen", kind: "manual-upload" }), { approved: true });
    const run = await queueRun(services.db, ALICE, source.name, "upload", {
      documents: documents.map((d) => ({ ...d, entryKey: `frozen-${d.entryKey}`, name: `Frozen ${d.name}` })),
    });
    const worker = child(["run", url, run.id]);
    await worker.waitFor("INSIDE_REGISTER");
    // Stopped, not dead: its connection stays open and keeps the run's row locked.
    worker.proc.kill("SIGSTOP");
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS + 1000));
    const refused = await queueRun(services.db, ALICE, source.name, "upload", { documents }).catch((error: unknown) => error as Error);
    expect((refused as Error).message).toContain(`the previous run of source 'frozen' (${run.id}) stopped with its process and is being recovered`);
    worker.proc.kill("SIGKILL");
    await worker.exited;
    const { afterMs } = await syncWhenRecovered(source.name, stoppedAt);
    expect(afterMs).toBeLessThan(30_000);
    expect((await getRun(services.db, source.name, run.id)).status).toBe("failed");
    const [servers] = await services.db.select({ n: count() }).from(mcpServers).where(like(mcpServers.name, "frozen-%"));
    expect(Number(servers!.n)).toBe(0);
  });

  it("two processes asking to sync one source at the same moment get exactly one run", { timeout: 60_000 }, async () => {
    const source = await createSource(
      services.db,
      ALICE,
      sourceCreateInput.parse({ name: "contended", kind: "mcp-registry", url: "https://registry.example" }),
      { approved: true },
    );
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
