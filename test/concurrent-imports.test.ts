/**
 * Imports and uploads at the same time (issue 10, item 6): each import answers with what became
 * of its own documents, whoever else is importing or uploading, and while a worker polls for runs.
 * On Postgres, queueing a run used to deadlock (40P01) with a run finishing on the same source.
 */
import { expect, it } from "vitest";
import { IngestionWorker } from "@/server/ingest/worker";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { restClient, testServices } from "./support/services";

const entry = (batch: number, i: number) => ({
  name: `Concurrent ${batch}-${i}`,
  entryKey: `concurrent-${batch}-${i}`,
  runtime: "remote",
  remoteConfig: { fixedURL: `https://concurrent-${batch}-${i}.example/mcp` },
});

describeEachDatabase("Concurrent imports", (database) => {
  it("answers every import with its own documents registered, with a worker polling alongside", { timeout: 120_000 }, async () => {
    const services: Services = await testServices(database());
    const rest = restClient(services);
    // A worker that polls often: it must never take an import's run from under it.
    const worker = new IngestionWorker(services.db, services.ingestionDeps, { pollMs: 5, scheduleMs: 60_000 });
    await worker.start();
    try {
      for (let round = 0; round < 3; round++) {
        const batches = Array.from({ length: 6 }, (_, b) => round * 10 + b);
        const answers = await Promise.all(
          batches.map((b) =>
            rest(
              "POST",
              "/api/v1/mcp-servers/import",
              Array.from({ length: 5 }, (_, i) => entry(b, i)),
            ),
          ),
        );
        answers.forEach((answer, k) => {
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          expect([...answer.body.created].sort()).toEqual(Array.from({ length: 5 }, (_, i) => `concurrent-${batches[k]}-${i}`));
        });
      }
      // The same documents again and again: nothing new to register, so a run's register
      // transaction touches its source's row only at its end — where it used to deadlock.
      const same = Array.from({ length: 5 }, (_, i) => entry(0, i));
      for (let round = 0; round < 6; round++) {
        const answers = await Promise.all(Array.from({ length: 6 }, () => rest("POST", "/api/v1/mcp-servers/import", same)));
        for (const answer of answers) {
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          expect([...answer.body.unchanged].sort()).toEqual(same.map((e) => e.entryKey));
        }
      }
    } finally {
      await worker.stop();
    }
  });
});
