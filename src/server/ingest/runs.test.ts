/**
 * Run mechanics on both databases: registration in batches that leave the server answering,
 * progress per batch, the undo of a run that does not finish, and recovery of a run whose
 * process stopped.
 */
import { and, count, eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, testServices } from "../../../test/support/services";
import { auditEvents, ingestionRunItems, ingestionRunUndo, ingestionRuns, mcpServers, sourceItems } from "../db/schema";
import { DomainError } from "../errors";
import { obotFeedResponse } from "../feeds/obot-route";
import { readyz } from "../health";
import type { Services } from "../services";
import { executeRun, type PipelineDeps } from "./pipeline";
import { claimRunById, getRun, queueRun } from "./runs";
import { createSource, uploadsSource, sourceCreateInput } from "./sources";

const entry = (i: number, description = `Server number ${i}`) => ({
  name: `Batch Test ${i}`,
  entryKey: `batch-test-${i}`,
  description,
  runtime: "remote",
  remoteConfig: { fixedURL: `https://batch-${i}.example/mcp` },
});

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`never saw: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describeEachDatabase("ingestion run mechanics", (database) => {
  let services: Services;
  let source: string;
  beforeAll(async () => {
    services = await testServices(database());
    source = (await uploadsSource(services.db, ALICE)).name;
  });

  async function startUpload(documents: unknown[], deps: PipelineDeps = services.ingestionDeps) {
    const run = await queueRun(services.db, ALICE, source, "upload", { documents });
    expect(await claimRunById(services.db, run.id, "test")).toBe(true);
    return { id: run.id, done: executeRun(services.db, run.id, deps) };
  }

  const countOf = async (table: typeof mcpServers) => Number((await services.db.select({ n: count() }).from(table))[0]!.n);

  it("registers in batches: progress moves while it registers, and health checks and the feed answer meanwhile", { timeout: 300_000 }, async () => {
    const total = 1000;
    const run = await startUpload(Array.from({ length: total }, (_, i) => entry(i)));
    const seen = new Set<number>();
    // A register batch has committed, and the run is still registering: the server must answer now.
    await until(async () => {
      const now = await getRun(services.db, source, run.id);
      const done = now.progress.register?.done ?? 0;
      if (now.status === "running" && now.stage === "register") seen.add(done);
      expect(now.status).not.toBe("succeeded");
      return now.status === "running" && done > 0 && done < total;
    }, "register progress between 0 and the total while the run is running");
    const ready = await readyz(services, null);
    expect(ready.status).toBe(200);
    expect(obotFeedResponse(services, new Request("http://control-plane.test/api/internal/obot-registry")).status).toBe(200);
    const during = await getRun(services.db, source, run.id);
    expect(during.status).toBe("running");
    expect(during.progress.register!.done).toBeLessThan(total);

    for (;;) {
      const now = await getRun(services.db, source, run.id);
      if (now.status !== "running") break;
      if (now.stage === "register") seen.add(now.progress.register?.done ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const result = await run.done;
    expect(result?.counts).toMatchObject({ fetched: total, registered: total });
    // Not 0 → total at commit: several batches were seen in between.
    expect([...seen].filter((done) => done > 0 && done < total).length).toBeGreaterThanOrEqual(2);
    const finished = await getRun(services.db, source, run.id);
    expect(finished.items).toHaveLength(total);
    expect(finished.items.map((i) => i.upstreamId)).toEqual(result!.items.map((i) => i.upstreamId));
    expect(await services.db.select().from(ingestionRunUndo).where(eq(ingestionRunUndo.runId, run.id))).toEqual([]);
  });

  it(
    "a run that fails after batches committed leaves nothing of itself: new servers and items removed, a changed draft put back",
    { timeout: 300_000 },
    async () => {
      await services.db.delete(mcpServers);
      await services.db.delete(sourceItems);
      const first = await startUpload([entry(0), entry(1), entry(2)]);
      expect((await first.done)?.counts).toMatchObject({ registered: 3 });
      const [draftBefore] = await services.db.select().from(mcpServers).where(eq(mcpServers.name, "batch-test-0"));
      const itemsBefore = await services.db.select().from(sourceItems).orderBy(sourceItems.upstreamId);

      const failing = await startUpload([entry(0, "A new description"), entry(1), ...Array.from({ length: 600 }, (_, i) => entry(100 + i))], {
        ...services.ingestionDeps,
        // Every batch has committed by now (the undo counts in the audit show what was there).
        insideRegister: async () => {
          throw new Error("boom");
        },
      });
      expect(await failing.done).toBeNull();
      const failed = await getRun(services.db, source, failing.id);
      expect(failed).toMatchObject({ status: "failed", error: "boom", items: [] });

      expect(await countOf(mcpServers)).toBe(3);
      const [draftAfter] = await services.db.select().from(mcpServers).where(eq(mcpServers.name, "batch-test-0"));
      expect(draftAfter).toEqual(draftBefore);
      // Items whose document, state and server did not change only record that they were seen (kept).
      const sighting = ({ lastSeenAt: _seen, updatedAt: _updated, ...rest }: (typeof itemsBefore)[number]) => rest;
      expect((await services.db.select().from(sourceItems).orderBy(sourceItems.upstreamId)).map(sighting)).toEqual(itemsBefore.map(sighting));
      expect(await services.db.select().from(ingestionRunUndo).where(eq(ingestionRunUndo.runId, failing.id))).toEqual([]);
      const [audit] = await services.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "source.sync_failed"), sql`${auditEvents.after}->>'runId' = ${failing.id}`));
      expect(audit!.after).toMatchObject({ undone: { servers: 601, sourceItems: 601, keptEditedServers: 0 } });
    },
  );

  it("a run whose process stopped is recovered when a sync is asked for; a live one is not", async () => {
    const registry = await createSource(
      services.db,
      ALICE,
      sourceCreateInput.parse({ name: "stopped-worker", kind: "mcp-registry", url: "https://registry.example" }),
      { approved: true },
    );
    const run = await queueRun(services.db, ALICE, registry.name, "manual");
    expect(await claimRunById(services.db, run.id, "gone")).toBe(true);

    // Its heartbeat is fresh: the worker is alive, the run stays.
    const refused = await queueRun(services.db, ALICE, registry.name, "manual").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).message).toContain("already queued or running");

    // Three heartbeats missed: the process is gone; asking again recovers the run and queues a new one.
    await services.db
      .update(ingestionRuns)
      .set({ heartbeatAt: sql`now() - interval '7 seconds'` })
      .where(eq(ingestionRuns.id, run.id));
    const next = await queueRun(services.db, ALICE, registry.name, "manual");
    expect(next.status).toBe("queued");
    expect(await getRun(services.db, registry.name, run.id)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("interrupted: the process running it stopped"),
    });
    expect(await services.db.select().from(ingestionRunItems).where(eq(ingestionRunItems.runId, run.id))).toEqual([]);
  });
});
