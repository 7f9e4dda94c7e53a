import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, restClient, testServices } from "../../../test/support/services";
import { disableServer, updateServer } from "../catalog/servers";
import type { Db } from "../db/client";
import type { Services } from "../services";
import { grantCreateInput, groupUpdateInput, tenantUpdateInput } from "./model";
import { CatalogMirror } from "../snapshot/catalog-mirror";
import { previewChange, type PreviewBase } from "./preview";
import { createGrant, deleteGrant, deleteTenant, updateGroup, updateTenant } from "./store";

/**
 * A running server's previews load only the changed rows into a fork of its catalog mirror and
 * compile from the served policy. They must say exactly what a preview that loads and compiles
 * everything says, leave the served snapshot alone, and hold when the snapshot lags the database.
 */
describeEachDatabase("impact previews from the served snapshot", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;

  // A mirror of this test's own, loaded once, so that the incremental path surely runs.
  const mirror = new CatalogMirror();
  let forks = 0;
  const ownBase: PreviewBase = {
    fork: () => {
      forks++;
      return mirror.fork();
    },
    policy: () => services.snapshots.current!.policy,
  };

  const bothWays = async (change: (tx: Db) => Promise<unknown>) => {
    const forked = forks;
    const lent = await previewChange(services.db, change);
    const own = await previewChange(services.db, change, new Date(), ownBase);
    expect(forks).toBe(forked + 1);
    const full = await previewChange(services.db, change, new Date(), null);
    expect(lent.impact).toEqual(full.impact);
    expect(own.impact).toEqual(full.impact);
    return lent.impact;
  };

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    for (const [name, scope] of [
      ["git-hub", "org"],
      ["git-lab", "org"],
      ["slack", "org"],
      ["finance", "department"],
    ] as const) {
      expect((await call("POST", "/api/v1/mcp-servers", { name, displayName: name, endpoint: `https://${name}.example/mcp`, scope })).status).toBe(201);
      expect((await call("POST", `/api/v1/mcp-servers/${name}/publish`)).status).toBe(200);
    }
    for (const [name, env] of [
      ["alpha", "prod"],
      ["beta", "dev"],
      ["gamma", "prod"],
    ])
      expect((await call("POST", "/api/v1/tenants", { name, labels: { env } })).status).toBe(201);
    expect((await call("POST", "/api/v1/groups", { name: "payments", members: ["alpha", "beta"] })).status).toBe(201);
    expect((await call("POST", "/api/v1/grants", { subject: { type: "group", name: "payments" }, servers: "git-*", access: "allow" })).status).toBe(201);
    expect(
      (
        await call("POST", "/api/v1/grants", {
          name: "prod-finance",
          subject: { type: "selector", matchLabels: { env: "prod" } },
          servers: "finance",
          access: "allow",
        })
      ).status,
    ).toBe(201);
  });

  it("gives the impact a full load and compile gives, for every kind of change", async () => {
    const everyone = await bothWays((tx) =>
      createGrant(tx, ALICE, grantCreateInput.parse({ subject: { type: "everyone" }, servers: "slack", access: "allow" })),
    );
    expect(everyone.summary).toBe("adds slack to 3 tenants");
    expect(
      (
        await bothWays((tx) =>
          createGrant(tx, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "beta" }, servers: "git-lab", access: "deny" })),
        )
      ).summary,
    ).toBe("removes git-lab from 1 tenant");
    expect((await bothWays((tx) => updateTenant(tx, ALICE, "beta", tenantUpdateInput.parse({ labels: { env: "prod" } })))).summary).toBe(
      "adds finance to 1 tenant",
    );
    expect((await bothWays((tx) => updateGroup(tx, ALICE, "payments", groupUpdateInput.parse({ members: ["gamma"] })))).tenantsAffected).toBe(3);
    expect((await bothWays((tx) => disableServer(tx, ALICE, "git-hub"))).summary).toBe("removes git-hub from 2 tenants");
    const finance = (await call("GET", "/api/v1/mcp-servers/finance")).body;
    expect((await bothWays((tx) => updateServer(tx, ALICE, "finance", { version: finance.version, scope: "org" }))).summary).toBe(
      "no tenant gains or loses access",
    );
    expect((await bothWays((tx) => deleteGrant(tx, ALICE, "prod-finance"))).summary).toBe("removes finance from 2 tenants");
    expect((await bothWays((tx) => deleteTenant(tx, ALICE, "alpha"))).summary).toBe(
      "removes finance from 1 tenant, removes git-hub from 1 tenant, removes git-lab from 1 tenant",
    );
  });

  it("leaves the served snapshot and the database as they were", async () => {
    const before = services.snapshots.current!;
    await bothWays((tx) => createGrant(tx, ALICE, grantCreateInput.parse({ subject: { type: "everyone" }, servers: "slack", access: "allow" })));
    expect(services.snapshots.current).toBe(before);
    const rebuilt = await services.snapshots.refresh();
    expect(rebuilt.policy.tenants.get("gamma")!.allow).not.toContain("slack");
    expect((await call("GET", "/api/v1/grants?server=slack")).body.items).toEqual([]);
  });

  it("holds while the served snapshot lags writes another replica committed", async () => {
    // Committed without this server's refresh: its snapshot and mirror are behind the database.
    await createGrant(
      services.db,
      ALICE,
      grantCreateInput.parse({ name: "lagging", subject: { type: "tenant", name: "gamma" }, servers: "slack", access: "allow" }),
    );
    expect(services.snapshots.current!.policy.tenants.get("gamma")!.allow).not.toContain("slack");
    const impact = await bothWays((tx) => createGrant(tx, ALICE, grantCreateInput.parse({ subject: { type: "everyone" }, servers: "slack", access: "allow" })));
    // gamma has slack already (the lagging grant): only alpha and beta gain it.
    expect(impact.summary).toBe("adds slack to 2 tenants");
    await bothWays((tx) => deleteGrant(tx, ALICE, "lagging"));
  });
});
