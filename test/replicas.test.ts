/**
 * Two replicas on one Postgres: a change made through one is served by the other promptly, through
 * LISTEN/NOTIFY (not the periodic revision check, which this test sets to an hour).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentCatalogRevision } from "@/server/audit/audit";
import { createServer, publishServer } from "@/server/catalog/servers";
import { serverCreateInput } from "@/server/catalog/model";
import { openPostgres, type Database } from "@/server/db/client";
import { obotFeedResponse } from "@/server/feeds/obot-route";
import { startServices, type Services } from "@/server/services";
import { createTestDatabase } from "./support/database";
import { ALICE, TEST_CONFIG } from "./support/services";
import { TEST_DATABASE_URL } from "./support/env";

describe.skipIf(!TEST_DATABASE_URL)("replicas on one Postgres (needs TEST_DATABASE_URL)", () => {
  let database: Database;
  let second: Database;
  let a: Services;
  let b: Services;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = new URL(database.location.replace("***", "x")).pathname;
    second = await openPostgres(url.toString(), { max: 2 });
    const config = { ...TEST_CONFIG, snapshotPollMs: 3_600_000 };
    a = await startServices(config, database, { migrate: false, background: true });
    b = await startServices(config, second, { migrate: false, background: true });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("the other replica serves a published server within moments", async () => {
    await createServer(a.db, ALICE, serverCreateInput.parse({ name: "shared", displayName: "Shared", endpoint: "https://shared.example/mcp" }));
    await publishServer(a.db, ALICE, "shared");
    const deadline = Date.now() + 5000;
    let entries: { entryKey: string }[] = [];
    while (Date.now() < deadline) {
      entries = await obotFeedResponse(b, new Request("http://cp.test/api/internal/obot-registry")).json();
      if (entries.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(entries.map((e) => e.entryKey)).toEqual(["shared"]);
    expect(b.snapshots.current!.revision).toBe(await currentCatalogRevision(a.db));
  });

  it("checks the revision whenever its listener reconnects: a change whose NOTIFY it missed is served", async () => {
    // A change committed while B was not listening: the revision moves, no notification reaches B.
    await a.db.execute(sql`update catalog_state set revision = revision + 1`);
    const missed = await currentCatalogRevision(a.db);
    expect(b.snapshots.current!.revision).toBeLessThan(missed);
    // Cut the LISTEN connections, as a restart or failover of Postgres does.
    await a.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen %'`);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && b.snapshots.current!.revision < missed) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(b.snapshots.current!.revision).toBe(missed);
  });
});
