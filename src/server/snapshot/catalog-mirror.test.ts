import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { restClient, testServices } from "../../../test/support/services";
import { rowsOf } from "../db/rows";
import { catalogChanges } from "../db/schema";
import type { Services } from "../services";
import { CatalogMirror, pruneCatalogChanges } from "./catalog-mirror";

describeEachDatabase("the catalog mirror", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
  });
  afterAll(() => services?.close());

  const fresh = () => new CatalogMirror().load(services.db);

  /**
   * Waits (up to 750 ms) until no transaction older than this moment is running, and answers
   * whether it got there. A load rereads the rows changed since its predecessor's snapshot xmin,
   * and Postgres's xmin is the whole server's: an open transaction of another test's database
   * holds it back, and the next load then reads earlier writes' rows again, as new objects (equal,
   * and still correct). The tests below check that untouched rows stay the same objects only
   * when nothing held it back.
   */
  async function quiet(): Promise<boolean> {
    const [{ now }] = rowsOf(await services.db.execute(sql`select txid_current()::text as now`)) as [{ now: string }];
    for (const deadline = Date.now() + 750; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const [{ xmin }] = rowsOf(await services.db.execute(sql`select txid_snapshot_xmin(txid_current_snapshot())::text as xmin`)) as [{ xmin: string }];
      if (BigInt(xmin) > BigInt(now)) return true;
    }
    return false;
  }

  it("after each write, loading only the changed rows gives what a full load gives, and keeps unchanged rows as the same objects", async () => {
    const mirror = new CatalogMirror();
    await mirror.load(services.db);
    const writes: [string, string, unknown?][] = [
      ["POST", "/api/v1/tenants", { name: "alpha", labels: { env: "prod" } }],
      ["POST", "/api/v1/tenants", { name: "beta" }],
      ["POST", "/api/v1/groups", { name: "web", members: ["alpha"] }],
      ["POST", "/api/v1/mcp-servers", { name: "wiki", displayName: "Wiki", runtime: { type: "remote", fixedURL: "https://wiki.example.com/mcp" } }],
      ["POST", "/api/v1/mcp-servers/wiki/publish"],
      ["POST", "/api/v1/grants", { subject: { type: "group", name: "web" }, servers: "wiki", access: "allow" }],
      // Tool governance state (server_tools) reloads the server: drift, approval, suspend-server.
      ["POST", "/api/v1/mcp-servers/wiki/tools/upload", { tools: [{ name: "search", inputSchema: { type: "object" } }] }],
      ["POST", "/api/v1/review/tool-drift/wiki/approve"],
      ["PUT", "/api/v1/mcp-servers/wiki/tools/settings", { onToolDrift: "suspend-server" }],
      ["POST", "/api/v1/mcp-servers/wiki/tools/upload", { tools: [{ name: "search", description: "Searches", inputSchema: { type: "object" } }] }],
      ["PATCH", "/api/v1/tenants/beta", { labels: { env: "dev" } }],
      ["PATCH", "/api/v1/groups/web", { members: ["alpha", "beta"] }],
      ["DELETE", "/api/v1/tenants/alpha"],
      ["DELETE", "/api/v1/groups/web"],
      // Edits after creations and deletions: tenants edited in place keep their places in the lists.
      ["POST", "/api/v1/tenants", { name: "aaron" }],
      ["POST", "/api/v1/tenants", { name: "zed" }],
      ["PATCH", "/api/v1/tenants/beta", { team: "web" }],
      ["PATCH", "/api/v1/tenants/zed", { labels: { env: "prod" } }],
      ["PATCH", "/api/v1/tenants/aaron", { displayName: "Aaron" }],
    ];
    for (const [method, path, body] of writes) {
      const untouchedKept = await quiet();
      const before = await mirror.load(services.db);
      const beforeJson = JSON.stringify(before);
      const status = (await call(method, path, body)).status;
      expect(status, `${method} ${path}`).toBeLessThan(300);
      const after = await mirror.load(services.db);
      expect(after, `${method} ${path}`).toEqual(await fresh());
      // A load never changes what an earlier one answered: snapshots built from it still hold it.
      expect(JSON.stringify(before), `${method} ${path}`).toBe(beforeJson);
      if (!untouchedKept) continue;
      // Rows the write did not touch are the objects the previous load had.
      for (const rule of after.policy.rules) {
        const earlier = before.policy.rules.find((r) => r.id === rule.id);
        if (earlier && JSON.stringify(earlier) === JSON.stringify(rule)) expect(rule).toBe(earlier);
      }
      // So are the tenants the write did not touch, in both lists.
      after.policy.tenants.forEach((tenant, i) => {
        const at = before.policy.tenants.findIndex((t) => t.name === tenant.name);
        if (at < 0 || JSON.stringify(before.policy.tenants[at]) !== JSON.stringify(tenant)) return;
        if (JSON.stringify(before.tenants[at]) !== JSON.stringify(after.tenants[i])) return;
        expect(tenant).toBe(before.policy.tenants[at]);
        expect(after.tenants[i]).toBe(before.tenants[at]);
      });
    }
    expect(mirror.loads.full).toBe(1);
    expect(mirror.loads.delta).toBeGreaterThanOrEqual(writes.length * 2);
    // The last drift suspends wiki: no feed or contract describes it, and the compiler sees it as not published.
    const state = await mirror.load(services.db);
    expect(state.servers.map((s) => s.name)).not.toContain("wiki");
    expect(state.policy.servers.find((s) => s.name === "wiki")).toMatchObject({ status: "disabled", tools: [] });
  });

  it("an edited server takes its place in the lists; the servers it did not touch stay the same objects", async () => {
    for (const name of ["atlas", "mid", "zulu"]) {
      const created = await call("POST", "/api/v1/mcp-servers", {
        name,
        displayName: name,
        runtime: { type: "remote", fixedURL: `https://${name}.example.com/mcp` },
      });
      expect(created.status).toBe(201);
      if (name !== "zulu") expect((await call("POST", `/api/v1/mcp-servers/${name}/publish`)).status).toBe(200);
    }
    const mirror = new CatalogMirror();
    await mirror.load(services.db);
    const edits: [string, string, Record<string, unknown>?][] = [
      ["PATCH", "atlas", { shortDescription: "Maps" }],
      ["PATCH", "zulu", { shortDescription: "A draft" }],
      ["PATCH", "mid", { shortDescription: "Middle" }],
      // Published: it joins the feeds' list, which is sorted again.
      ["POST", "zulu"],
      ["PATCH", "zulu", { shortDescription: "Published" }],
      ["PATCH", "atlas", { shortDescription: "Maps again" }],
    ];
    for (const [method, name, patch] of edits) {
      const untouchedKept = await quiet();
      const before = await mirror.load(services.db);
      const version = (await call("GET", `/api/v1/mcp-servers/${name}`)).body.version;
      const answer =
        method === "PATCH"
          ? await call("PATCH", `/api/v1/mcp-servers/${name}`, { version, ...patch })
          : await call("POST", `/api/v1/mcp-servers/${name}/publish`);
      expect(answer.status, `${method} ${name}`).toBe(200);
      const after = await mirror.load(services.db);
      expect(after, `${method} ${name}`).toEqual(await fresh());
      if (!untouchedKept) continue;
      for (const server of after.servers) if (server.name !== name) expect(server).toBe(before.servers.find((s) => s.name === server.name));
      for (const server of after.policy.servers) if (server.name !== name) expect(server).toBe(before.policy.servers.find((s) => s.name === server.name));
    }
  });

  it("sees a write whose transaction began before a load and committed after it", async () => {
    const mirror = new CatalogMirror();
    await mirror.load(services.db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    // PGlite runs one transaction at a time: the overlap can only happen on Postgres.
    if (services.database.kind !== "postgres") return;
    const writer = services.db.transaction(async (tx) => {
      await tx.execute(sql`insert into tenants (name, created_by, updated_by) values ('late', 'test', 'test')`);
      started();
      await held;
    });
    await begun;
    const during = await mirror.load(services.db);
    expect(during.tenants.some((t) => t.name === "late")).toBe(false);
    release();
    await writer;
    const after = await mirror.load(services.db);
    expect(after.tenants.some((t) => t.name === "late")).toBe(true);
    expect(after).toEqual(await fresh());
  });

  it("reloads everything after a table is truncated, or when it has not loaded for longer than the change log is kept", async () => {
    let clock = 0;
    const mirror = new CatalogMirror({ now: () => clock, maxDeltaAgeMs: 1_000 });
    await mirror.load(services.db);
    await services.db.execute(sql.raw("truncate grants"));
    expect(await mirror.load(services.db)).toEqual(await fresh());
    expect(mirror.loads.full).toBe(2);
    clock += 2_000;
    await mirror.load(services.db);
    expect(mirror.loads.full).toBe(3);
    await pruneCatalogChanges(services.db, 0);
    expect(await services.db.select().from(catalogChanges)).toEqual([]);
  });
});
