import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, publishRemoteServers, testServices } from "../../../test/support/services";
import { serverCreateInput } from "../catalog/model";
import { createServer, publishServer } from "../catalog/servers";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import { grantCreateInput, groupCreateInput, tenantCreateInput, tenantUpdateInput } from "../policy/model";
import { createGrant, createGroup, createTenant, updateTenant } from "../policy/store";
import { rehearseOnceThereIsSomething, rehearseWrites, type RehearsalReport } from "./rehearsal";
import { hasReachIndex } from "../snapshot/reach-index";
import type { CatalogSnapshot } from "../snapshot/snapshot";

/** Every row a write could have touched, as text: equal before and after means nothing was written. */
async function stored(db: Db): Promise<string> {
  const tables = [
    sql`select name, labels, version, updated_at from tenants order by name`,
    sql`select name, version, updated_at from groups order by name`,
    sql`select group_name, tenant_name from group_members order by 1, 2`,
    sql`select id, name, subject, servers, access from grants order by name`,
    sql`select name, version, short_description, updated_at from mcp_servers order by name`,
    sql`select count(*)::text as n from audit_events`,
    sql`select revision, tx from catalog_state`,
    sql`select count(*)::text as n from catalog_changes`,
    sql`select * from contract_revisions order by 1`,
    sql`select * from contract_server_revisions order by 1`,
  ];
  const dumps: unknown[] = [];
  for (const query of tables) dumps.push(rowsOf(await db.execute(query)));
  return JSON.stringify(dumps);
}

/** What a snapshot serves each tenant: its contract's fingerprint and revision, the feed's hash. */
const served = (snapshot: CatalogSnapshot) => ({
  revision: snapshot.revision,
  feed: snapshot.obotFeed.hash,
  contracts: Object.fromEntries([...snapshot.contractStates].map(([tenant, state]) => [tenant, `${state.fingerprint}_${state.revision}`])),
});

describeEachDatabase("the start-up rehearsal of the write path", (database) => {
  // In this order: the database is shared by the cases.
  it("skips what it has nothing to rehearse on, and says so", async () => {
    const services = await testServices(database());
    try {
      const before = await stored(services.db);
      const report = await rehearseWrites(services);
      expect(report.rehearsed).toEqual([]);
      expect(report.skipped).toEqual(["tenant", "group", "server", "rule"].map((kind) => ({ kind, reason: "nothing to rehearse on" })));
      expect(await stored(services.db)).toBe(before);
    } finally {
      await services.close();
    }
  });

  it("stops starting rehearsals once its time budget is spent", async () => {
    const services = await testServices(database());
    try {
      await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "solo" }));
      await services.snapshots.refresh();
      const report = await rehearseWrites(services, { budgetMs: -1 });
      expect(report.rehearsed).toEqual([]);
      expect(report.skipped.map((skip) => skip.reason)).toEqual(Array(4).fill("over the -1 ms budget"));
    } finally {
      await services.close();
    }
  });
  it("runs each common write and the build it would cause, and leaves the database, the served snapshot and the mirror as they were", async () => {
    const services = await testServices(database());
    try {
      await publishRemoteServers(services.db, ["github", "slack"]);
      for (const name of ["alpha", "beta", "gamma"]) await createTenant(services.db, ALICE, tenantCreateInput.parse({ name, labels: { team: name } }));
      await createGroup(services.db, ALICE, groupCreateInput.parse({ name: "platform", members: ["beta"] }));
      await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "group", name: "platform" }, servers: "*", access: "allow" }));
      await services.snapshots.refresh();
      const before = await stored(services.db);
      const snapshot = services.snapshots.current!;
      const servedBefore = served(snapshot);
      const builds = services.snapshots.builds;

      const report = await rehearseWrites(services);

      expect(report.skipped).toEqual([]);
      expect(report.rehearsed).toEqual(["tenant", "group", "server", "rule"]);
      expect(report.connections).toBeGreaterThanOrEqual(1);
      // Every connection rehearses too, on the nth tenant: as many as there are tenants at most.
      const [{ n: tenantCount }] = rowsOf<{ n: string }>(await services.db.execute(sql`select count(*)::text as n from tenants`)) as [{ n: string }];
      expect(report.sessions).toBe(Math.min(report.connections, Number(tenantCount)));
      expect(await stored(services.db)).toBe(before);
      expect(services.snapshots.current).toBe(snapshot);
      expect(services.snapshots.builds).toBe(builds);
      expect(served(snapshot)).toEqual(servedBefore);
      // The index of who may be allowed each server, which the dropped builds carried off, is back.
      expect(hasReachIndex(snapshot.policy)).toBe(true);

      // The mirror the next build loads from holds no rehearsed row: a real write after the
      // rehearsal builds what a fresh process builds from the database.
      await updateTenant(services.db, ALICE, "alpha", tenantUpdateInput.parse({ labels: { team: "alpha", tier: "gold" } }));
      await services.snapshots.refresh();
      const fresh = await testServices(database());
      try {
        expect(served(services.snapshots.current!).contracts).toEqual(served(fresh.snapshots.current!).contracts);
        expect(services.snapshots.current!.obotFeed.hash).toBe(fresh.snapshots.current!.obotFeed.hash);
      } finally {
        await fresh.close();
      }
    } finally {
      await services.close();
    }
  });
});

describeEachDatabase("the rehearsal of a server started on an empty catalog", (database) => {
  it("runs once the catalog has tenants and servers and builds have been quiet, again as more kinds become possible, then stops", async () => {
    const services = await testServices(database());
    const reports: RehearsalReport[] = [];
    const stop = rehearseOnceThereIsSomething(services, (report) => reports.push(report), { quietMs: 50 });
    /** Waits for the `count`th report, then long enough for a run that should not start to have reported. */
    const settled = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (reports.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 500));
    };
    try {
      await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "alpha" }));
      await services.snapshots.refresh();
      // A tenant but no server yet: nothing a rule could name, so no rehearsal.
      await settled(0);
      expect(reports).toEqual([]);

      await createServer(services.db, ALICE, serverCreateInput.parse({ name: "github", displayName: "GitHub", endpoint: "https://github.example/mcp" }));
      await publishServer(services.db, ALICE, "github");
      await services.snapshots.refresh();
      await settled(1);
      expect(reports.map((report) => report.rehearsed)).toEqual([["tenant", "server", "rule"]]);

      await createGroup(services.db, ALICE, groupCreateInput.parse({ name: "platform" }));
      await services.snapshots.refresh();
      const before = await stored(services.db);
      await settled(2);
      expect(reports.map((report) => report.rehearsed)).toEqual([
        ["tenant", "server", "rule"],
        ["tenant", "group", "server", "rule"],
      ]);
      expect(await stored(services.db)).toBe(before);

      // Every kind rehearsed: later builds start no other.
      await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "beta" }));
      await services.snapshots.refresh();
      await settled(2);
      expect(reports).toHaveLength(2);
    } finally {
      stop();
      await services.close();
    }
  });
});

describeEachDatabase("the rehearsal of a server started on a catalog without groups", (database) => {
  it("stops after a run that rehearses no more kinds than the start-up one did", async () => {
    const services = await testServices(database());
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "alpha" }));
    await createServer(services.db, ALICE, serverCreateInput.parse({ name: "github", displayName: "GitHub", endpoint: "https://github.example/mcp" }));
    await publishServer(services.db, ALICE, "github");
    await services.snapshots.refresh();
    const atStart = await rehearseWrites(services);
    expect(atStart.rehearsed).toEqual(["tenant", "server", "rule"]);
    const reports: RehearsalReport[] = [];
    const stop = rehearseOnceThereIsSomething(services, (report) => reports.push(report), { quietMs: 50, rehearsedAtStart: atStart.rehearsed.length });
    try {
      for (const name of ["beta", "gamma"]) {
        await createTenant(services.db, ALICE, tenantCreateInput.parse({ name }));
        await services.snapshots.refresh();
        const deadline = Date.now() + 5_000;
        while (reports.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(reports.map((report) => report.rehearsed)).toEqual([["tenant", "server", "rule"]]);
    } finally {
      stop();
      await services.close();
    }
  });
});
