/**
 * The console's paged lists (grants.page, tenants.page, groups.page, tenants.access, sources.runItems): filtered,
 * sorted and cut into pages by the server, on PGlite and on Postgres.
 */
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, principalFor, restClient, testServices, trpcContext } from "../../../test/support/services";
import { executeRun } from "../ingest/pipeline";
import { claimRunById, queueRun } from "../ingest/runs";
import { uploadsSource } from "../ingest/sources";
import type { Services } from "../services";
import { createCaller } from "../trpc/root";
import { containsText, pageOf, sortedBy } from "../util/paging";

describe("paging helpers", () => {
  it("cuts a page and counts all", () => {
    expect(pageOf([1, 2, 3, 4, 5], 2, 2)).toEqual({ items: [3, 4], total: 5, offset: 2, limit: 2 });
    expect(pageOf([1, 2], 4, 2)).toEqual({ items: [], total: 2, offset: 4, limit: 2 });
  });

  it("sorts either way and breaks ties in one order", () => {
    const items = [
      { k: "b", id: "2" },
      { k: "a", id: "3" },
      { k: "b", id: "1" },
    ];
    expect(
      sortedBy(
        items,
        (i) => i.k,
        "asc",
        (i) => i.id,
      ).map((i) => i.id),
    ).toEqual(["3", "1", "2"]);
    expect(
      sortedBy(
        items,
        (i) => i.k,
        "desc",
        (i) => i.id,
      ).map((i) => i.id),
    ).toEqual(["1", "2", "3"]);
  });

  it("matches text case-insensitively, and everything without a needle", () => {
    expect(containsText("GIT", "github")).toBe(true);
    expect(containsText("lab", "github", "gitlab")).toBe(true);
    expect(containsText("x", "github")).toBe(false);
    expect(containsText(undefined, "github")).toBe(true);
  });
});

describeEachDatabase("the console's paged lists", (database) => {
  let services: Services;
  let caller: ReturnType<typeof createCaller>;

  beforeAll(async () => {
    services = await testServices(database());
    const call = restClient(services);
    for (const name of ["github", "gitlab", "slack"]) {
      expect((await call("POST", "/api/v1/mcp-servers", { name, displayName: name, endpoint: `https://${name}.example/mcp` })).status).toBe(201);
      expect((await call("POST", `/api/v1/mcp-servers/${name}/publish`)).status).toBe(200);
    }
    // 12 tenants: t00..t11; even ones in team "payments", every third labelled env=prod.
    for (let i = 0; i < 12; i++) {
      const name = `t${String(i).padStart(2, "0")}`;
      const body = { name, team: i % 2 === 0 ? "payments" : "web", labels: i % 3 === 0 ? { env: "prod" } : {} };
      expect((await call("POST", "/api/v1/tenants", body)).status).toBe(201);
    }
    expect((await call("POST", "/api/v1/groups", { name: "platform", description: "the platform crew", members: ["t01", "t02", "t03"] })).status).toBe(201);
    expect((await call("POST", "/api/v1/groups", { name: "data", description: "analytics", members: ["t04"] })).status).toBe(201);
    expect((await call("POST", "/api/v1/groups", { name: "empty", members: [] })).status).toBe(201);
    const rules = [
      { subject: { type: "everyone" }, servers: "git*", access: "allow" },
      { subject: { type: "group", name: "platform" }, servers: "slack", access: "allow" },
      { subject: { type: "tenant", name: "t05" }, servers: "github", access: "deny" },
      { subject: { type: "tenant", name: "t06" }, servers: "slack", access: "allow", expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    ];
    for (const rule of rules) expect((await call("POST", "/api/v1/grants", rule)).status).toBe(201);
    caller = createCaller(trpcContext(services, principalFor("viewer")));
  });

  it("tenants: a page at a time, with the total and every tenant's count", async () => {
    const first = await caller.tenants.page({ limit: 5 });
    expect(first.items.map((t) => t.name)).toEqual(["t00", "t01", "t02", "t03", "t04"]);
    expect(first).toMatchObject({ total: 12, all: 12, offset: 0, limit: 5 });
    const last = await caller.tenants.page({ limit: 5, offset: 10 });
    expect(last.items.map((t) => t.name)).toEqual(["t10", "t11"]);
    expect(last.items[0]).toMatchObject({ team: "payments", groups: [], allowed: 2 });
    expect((await caller.tenants.page({ order: "desc", limit: 2 })).items.map((t) => t.name)).toEqual(["t11", "t10"]);
  });

  it("tenants: q searches names, teams, labels as key=value and group names; sorts by team", async () => {
    const names = async (input: Parameters<typeof caller.tenants.page>[0]) => (await caller.tenants.page(input)).items.map((t) => t.name);
    expect(await names({ q: "T1" })).toEqual(["t10", "t11"]);
    expect(await names({ q: "env=prod" })).toEqual(["t00", "t03", "t06", "t09"]);
    expect(await names({ q: "platf" })).toEqual(["t01", "t02", "t03"]);
    expect(await names({ group: "platform", label: "env=prod" })).toEqual(["t03"]);
    expect((await names({ sort: "team", limit: 3 })).every((n) => Number(n.slice(1)) % 2 === 0)).toBe(true);
    const page = await caller.tenants.page({ q: "payments", limit: 2 });
    expect(page.total).toBe(6);
    expect(page.all).toBe(12);
  });

  it("tenants: a bad page or sort is refused naming the field", async () => {
    await expect(caller.tenants.page({ limit: 0 })).rejects.toThrow(/limit must be between 1 and 200/);
    await expect(caller.tenants.page({ offset: -1 })).rejects.toThrow(/offset must be 0 or more/);
    await expect(caller.tenants.page({ sort: "color" as never })).rejects.toThrow(/sort must be one of name, team, updated/);
  });

  it("groups: searched by name or description, sorted by member count, members of the page only", async () => {
    expect((await caller.groups.page({})).items.map((g) => g.name)).toEqual(["data", "empty", "platform"]);
    const byMembers = await caller.groups.page({ sort: "members", order: "desc", limit: 2 });
    expect(byMembers.items.map((g) => [g.name, g.members.length])).toEqual([
      ["platform", 3],
      ["data", 1],
    ]);
    expect(byMembers).toMatchObject({ total: 3, all: 3 });
    expect((await caller.groups.page({ q: "CREW" })).items.map((g) => g.name)).toEqual(["platform"]);
  });

  it("rules: filtered by subject, access, a server name their pattern matches and expiry; sorted and paged", async () => {
    const page = await caller.grants.page({ limit: 2 });
    expect(page).toMatchObject({ total: 4, all: 4, limit: 2 });
    expect(page.items.map((g) => g.servers)).toEqual(["git*", "slack"]);
    expect((await caller.grants.page({ offset: 2 })).items.map((g) => g.servers)).toEqual(["github", "slack"]);
    expect((await caller.grants.page({ server: "gitlab" })).items.map((g) => g.servers)).toEqual(["git*"]);
    // Part of a pattern as written finds it too.
    expect((await caller.grants.page({ server: "sla" })).items.map((g) => g.servers)).toEqual(["slack", "slack"]);
    expect((await caller.grants.page({ server: "github", access: "deny" })).items.map((g) => g.subject)).toEqual([{ type: "tenant", name: "t05" }]);
    expect((await caller.grants.page({ subjectType: "group", subjectName: "platform" })).total).toBe(1);
    expect((await caller.grants.page({ expiry: "active" })).total).toBe(4);
    expect((await caller.grants.page({ expiry: "expired" })).total).toBe(0);
    expect((await caller.grants.page({ sort: "access" })).items[0]!.access).toBe("allow");
    expect((await caller.grants.page({ sort: "access", order: "desc" })).items[0]!.access).toBe("deny");
    // Rules that never expire sort after every date.
    expect((await caller.grants.page({ sort: "expires" })).items[0]!.expiresAt).not.toBeNull();
    const one = page.items[1]!;
    expect((await caller.grants.page({ id: one.id })).items).toEqual([one]);
    expect(page.items[0]).toHaveProperty("deadReason", null);
  });

  it("a tenant's servers: filtered by name and decision, paged, with the summary's counts", async () => {
    const summary = await caller.tenants.summary({ name: "t05" });
    expect(summary).toMatchObject({ tenant: { name: "t05" }, allowed: 1, servers: 3 });
    const all = await caller.tenants.access({ name: "t05" });
    expect(all.items.map((s) => [s.server, s.decision])).toEqual([
      ["github", "deny"],
      ["gitlab", "allow"],
      ["slack", "deny"],
    ]);
    expect(all).toMatchObject({ total: 3, servers: 3 });
    expect((await caller.tenants.access({ name: "t05", decision: "deny", q: "SL" })).items.map((s) => s.server)).toEqual(["slack"]);
    const second = await caller.tenants.access({ name: "t05", limit: 2, offset: 2 });
    expect(second.items.map((s) => s.server)).toEqual(["slack"]);
    await expect(caller.tenants.access({ name: "nobody" })).rejects.toSatisfy((error: unknown) => error instanceof TRPCError && error.code === "NOT_FOUND");
  });
});

describeEachDatabase("a run's items, paged", (database) => {
  let services: Services;
  let source: string;
  let runId: string;

  beforeAll(async () => {
    services = await testServices(database());
    source = (await uploadsSource(services.db, ALICE)).name;
    const entry = (i: number) => ({
      name: `Paged Item ${i}`,
      entryKey: `paged-item-${i}`,
      description: `Server number ${i}`,
      runtime: "remote",
      remoteConfig: { fixedURL: `https://paged-${i}.example/mcp` },
    });
    // 12 good entries and one without a runtime's details: rejected.
    const documents = [...Array.from({ length: 12 }, (_, i) => entry(i)), { name: "Broken", entryKey: "broken", runtime: "remote" }];
    const run = await queueRun(services.db, ALICE, source, "upload", { documents });
    expect(await claimRunById(services.db, run.id, "test")).toBe(true);
    await executeRun(services.db, run.id, services.ingestionDeps);
    runId = run.id;
  });

  it("pages in upstream order, filters by outcome and text, and tallies the whole run", async () => {
    const caller = createCaller(trpcContext(services, principalFor("viewer")));
    const first = await caller.sources.runItems({ name: source, runId, limit: 5 });
    expect(first.total).toBe(13);
    expect(first.items.map((i) => i.upstreamId)).toEqual(["paged-item-0", "paged-item-1", "paged-item-2", "paged-item-3", "paged-item-4"]);
    expect(first.byOutcome).toEqual({ registered: 12, rejected: 1 });
    const last = await caller.sources.runItems({ name: source, runId, limit: 5, offset: 10 });
    expect(last.items.map((i) => i.upstreamId)).toEqual(["paged-item-10", "paged-item-11", "broken"]);
    const rejected = await caller.sources.runItems({ name: source, runId, outcome: "rejected" });
    expect(rejected.items.map((i) => i.upstreamId)).toEqual(["broken"]);
    expect(rejected.total).toBe(1);
    expect((await caller.sources.runItems({ name: source, runId, q: "ITEM-1" })).items.map((i) => i.upstreamId)).toEqual([
      "paged-item-1",
      "paged-item-10",
      "paged-item-11",
    ]);
    // The run without its items, for the console's page; with them, as REST and the CLI read it.
    expect((await caller.sources.run({ name: source, runId, withItems: false })).items).toEqual([]);
    expect((await caller.sources.run({ name: source, runId })).items).toHaveLength(13);
    await expect(caller.sources.runItems({ name: source, runId: "not-a-run" })).rejects.toSatisfy(
      (error: unknown) => error instanceof TRPCError && error.code === "NOT_FOUND",
    );
  });
});
