/**
 * Two replicas on one Postgres through an outage (issue 10, item 11). Their periodic revision
 * check is set to an hour, so only the NOTIFY listener can bring them news:
 * - a change committed while their listeners were disconnected (here: while the server listened
 *   on another port, where only this test could reach it) reaches both replicas within seconds of
 *   the database's return, because every (re)connect of the listener checks the revision;
 * - the listener reconnects within seconds even after a long outage (the driver's backoff once
 *   grew to 20 s between attempts, so it reconnected 8–17 s after the database returned), and a
 *   change made through one replica afterwards reaches the other through NOTIFY.
 * The time bounds are behaviour (seconds rather than the hour-long poll), not performance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, publishServer } from "@/server/catalog/servers";
import { serverCreateInput } from "@/server/catalog/model";
import { openPostgres } from "@/server/db/client";
import { ALICE } from "../support/services";
import { freePort, OwnPostgres, ownPostgresAvailable } from "./support/own-postgres";
import { eventually, postJson, startReplica, timed, type Replica } from "./support/replica";

const PROMPT_MS = 8000;
/** Long enough for the driver's default backoff to reach its 20 s ceiling. */
const OUTAGE_MS = 12_000;

describe.skipIf(!ownPostgresAvailable())("two replicas after a database outage", () => {
  let pg: OwnPostgres;
  let a: Replica;
  let b: Replica;

  const feedOf = async (replica: Replica): Promise<string[]> => {
    const answer = await timed(`${replica.internal}/api/internal/obot-registry`);
    return answer.status === 200 ? answer.body.map((e: { entryKey: string }) => e.entryKey) : [];
  };
  const serves = (replica: Replica, name: string) => async () => ((await feedOf(replica)).includes(name) ? true : undefined);

  beforeAll(async () => {
    pg = await OwnPostgres.create();
    const config = { snapshotPollMs: 3_600_000 };
    a = await startReplica(pg.url(), config);
    b = await startReplica(pg.url(), config, { migrate: false });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await pg?.destroy();
  });

  it("serves changes made while the replicas could not listen, within seconds of the database's return", async () => {
    await pg.stop();
    // Both replicas notice: a request to each fails, their listeners start reconnecting.
    expect((await timed(`${a.internal}/api/readyz`)).status).toBe(503);
    expect((await timed(`${b.internal}/api/readyz`)).status).toBe(503);
    // The replicas know only the usual port; on this one, the change is made behind their backs.
    const sidePort = await freePort();
    await pg.start(sidePort);
    const side = await openPostgres(pg.url("opencrane", sidePort), { max: 1 });
    try {
      await createServer(side.db, ALICE, serverCreateInput.parse({ name: "during", displayName: "During", endpoint: "https://during.example/mcp" }));
      await publishServer(side.db, ALICE, "during");
    } finally {
      await side.close();
    }
    await pg.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await pg.start();
    const returned = performance.now();
    await eventually(serves(a, "during"), PROMPT_MS, "replica A serves the change");
    await eventually(serves(b, "during"), PROMPT_MS, "replica B serves the change");
    expect(performance.now() - returned).toBeLessThan(PROMPT_MS);
  });

  it("passes a change made through one replica to the other through NOTIFY again", async () => {
    await eventually(
      async () =>
        (await postJson(`${a.api}/api/v1/mcp-servers`, { name: "after", displayName: "After", endpoint: "https://after.example/mcp" })).status === 201
          ? true
          : undefined,
      PROMPT_MS,
      "replica A accepts a write",
    );
    expect((await postJson(`${a.api}/api/v1/mcp-servers/after/publish`, {})).status).toBe(200);
    await eventually(serves(b, "after"), PROMPT_MS, "replica B serves the change");
  });
});
