/**
 * A separate process for the ingestion tests: `run <db> <runId>` executes a run and pauses after
 * its register batches, inside the transaction that would end it (so the test can kill or freeze
 * it there); `queue <db> <source> <startAt>` asks for a sync at an agreed moment.
 */
import { SYSTEM } from "../../src/server/audit/audit";
import { openPostgres } from "../../src/server/db/client";
import { AllowList } from "../../src/server/ingest/fetch";
import { executeRun } from "../../src/server/ingest/pipeline";
import { claimRunById, queueRun } from "../../src/server/ingest/runs";

const [mode, url, target, startAt] = process.argv.slice(2);

async function main() {
  const database = await openPostgres(url!, { max: 2 });
  if (mode === "run") {
    await claimRunById(database.db, target!, `child:${process.pid}`);
    await executeRun(database.db, target!, {
      allow: new AllowList([]),
      denylist: [],
      insideRegister: async () => {
        console.log("INSIDE_REGISTER");
        await new Promise((resolve) => setTimeout(resolve, 60_000));
      },
    });
  } else {
    while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
    try {
      const run = await queueRun(database.db, SYSTEM, target!, "manual");
      console.log(`QUEUED ${run.id}`);
    } catch (error) {
      console.log(`REFUSED ${(error as Error).message}`);
    }
  }
  await database.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
