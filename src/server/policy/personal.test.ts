/**
 * A personal server belongs to one owner tenant (issue 9, item 5): only that tenant can be granted
 * it, by a rule or by its own allow list; nothing else picks it up, and the owner cannot be
 * deleted from under it.
 */
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { restClient, testServices } from "../../../test/support/services";
import { obotFeedResponse } from "../feeds/obot-route";
import type { Services } from "../services";

describeEachDatabase("personal servers and their owner tenant", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;
  const contractOf = async (tenant: string) => (await call("GET", `/api/v1/tenants/${tenant}/contract`)).body;
  const remote = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    displayName: name.toUpperCase(),
    endpoint: `https://${name}.example/mcp`,
    ...extra,
  });

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    for (const name of ["alpha", "beta"]) expect((await call("POST", "/api/v1/tenants", { name })).status).toBe(201);
    for (const server of [remote("wiki"), remote("alpha-notes", { scope: "personal", ownerTenant: "alpha" })]) {
      expect((await call("POST", "/api/v1/mcp-servers", server)).status).toBe(201);
      expect((await call("POST", `/api/v1/mcp-servers/${server.name}/publish`)).status).toBe(200);
    }
  });

  it("a personal server names an existing owner tenant, and only a personal server has one", async () => {
    const ownerless = await call("POST", "/api/v1/mcp-servers", remote("diary", { scope: "personal" }));
    expect(ownerless.status).toBe(422);
    expect(ownerless.body.error.details.fieldErrors).toEqual({
      ownerTenant: ["a personal server needs an owner tenant: the one tenant that may be granted it"],
    });
    const unknown = await call("POST", "/api/v1/mcp-servers", remote("diary", { scope: "personal", ownerTenant: "ghost" }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toBe("owner tenant 'ghost' does not exist: create the tenant first, or name an existing one");
    const orgWithOwner = await call("POST", "/api/v1/mcp-servers", remote("diary", { ownerTenant: "alpha" }));
    expect(orgWithOwner.status).toBe(422);
    expect(orgWithOwner.body.error.details.fieldErrors.ownerTenant[0]).toContain("only personal servers have an owner tenant");
    expect((await call("GET", "/api/v1/mcp-servers/alpha-notes")).body).toMatchObject({ scope: "personal", ownerTenant: "alpha" });
  });

  it("refuses a rule or an own allow list that names another tenant's personal server, saying whose it is", async () => {
    const rule = await call("POST", "/api/v1/grants", { subject: { type: "tenant", name: "beta" }, servers: "alpha-notes", access: "allow" });
    expect(rule.status).toBe(422);
    expect(rule.body.error.message).toBe(
      "cannot grant 'alpha-notes' to tenant beta: it is the personal server of tenant alpha, and only its owner can be granted it",
    );
    const override = await call("PATCH", "/api/v1/tenants/beta", { mcpPolicy: { allow: ["alpha-notes"], deny: [] } });
    expect(override.status).toBe(422);
    expect(override.body.error.message).toBe(
      "tenant 'beta' cannot allow 'alpha-notes': it is the personal server of tenant alpha, and only its owner can be granted it",
    );
    expect((await call("GET", "/api/v1/tenants/beta")).body.mcpPolicy).toEqual({ allow: [], deny: [] });
    // A deny naming it is fine: denying is always possible.
    const deny = await call("POST", "/api/v1/grants", { subject: { type: "tenant", name: "beta" }, servers: "alpha-notes", access: "deny" });
    expect(deny.status).toBe(201);
    expect((await call("DELETE", `/api/v1/grants/${deny.body.id}`)).status).toBe(204);
  });

  it("grants it to its owner only; globs and '*' overrides of another tenant never pick it up", async () => {
    const own = await call("POST", "/api/v1/grants", { subject: { type: "tenant", name: "alpha" }, servers: "alpha-notes", access: "allow" });
    expect(own.status).toBe(201);
    const glob = await call("POST", "/api/v1/grants", { subject: { type: "tenant", name: "beta" }, servers: "*", access: "allow" });
    expect(glob.status).toBe(201);
    expect(glob.body.scopeExcluded).toEqual([
      { server: "alpha-notes", scope: "personal", reason: "it is the personal server of tenant alpha, and only its owner can be granted it" },
    ]);
    expect((await call("PATCH", "/api/v1/tenants/beta", { mcpPolicy: { allow: ["*"], deny: [] } })).status).toBe(200);

    expect((await contractOf("alpha")).policy.mcpServers).toEqual({ allow: ["alpha-notes"], deny: [], reserved: [], tools: {} });
    const beta = await contractOf("beta");
    expect(beta.policy.mcpServers).toEqual({ allow: ["wiki"], deny: [], reserved: ["alpha-notes"], tools: {} });
    expect(beta.workspace["TOOLS.md"]).not.toContain("alpha-notes");

    const why = (await call("GET", "/api/v1/tenants/beta/explain/alpha-notes")).body;
    expect(why).toMatchObject({ decision: "deny", tier: 6 });
    expect(why.matches).toContainEqual({
      kind: "override",
      list: "allow",
      pattern: "*",
      note: "it is the personal server of tenant alpha, and only its owner can be granted it",
    });
    expect(why.matches).toContainEqual(expect.objectContaining({ kind: "rule", ruleId: glob.body.id, applies: false }));

    const report = (await call("GET", "/api/v1/policy")).body.report;
    expect(report.overrideExcluded).toEqual([
      { tenant: "beta", servers: ["alpha-notes"], reason: "it is the personal server of tenant alpha, and only its owner can be granted it" },
    ]);
    expect(report.scopeExcluded).toContainEqual({
      ruleId: glob.body.id,
      ruleName: glob.body.name,
      servers: ["alpha-notes"],
      reason: "it is the personal server of tenant alpha, and only its owner can be granted it",
    });

    // The Obot feed still carries it (Obot's catalog is global; the contracts decide who may use it).
    await services.snapshots.refreshIfStale();
    const feed = (await obotFeedResponse(services, new Request("http://control-plane.test/api/internal/obot-registry")).json()) as { entryKey: string }[];
    expect(feed.map((e) => e.entryKey)).toContain("alpha-notes");
    await call("DELETE", `/api/v1/grants/${glob.body.id}`);
  });

  it("giving it another owner moves it: the old owner's rule no longer grants it", async () => {
    const current = (await call("GET", "/api/v1/mcp-servers/alpha-notes")).body;
    const preview = await call("PATCH", "/api/v1/mcp-servers/alpha-notes?dryRun=true", { version: current.version, ownerTenant: "beta" });
    expect(preview.body.impact.summary).toBe("adds alpha-notes to 1 tenant, removes alpha-notes from 1 tenant");
    const moved = await call("PATCH", "/api/v1/mcp-servers/alpha-notes", { version: current.version, ownerTenant: "beta" });
    expect(moved.status).toBe(200);
    expect((await contractOf("alpha")).policy.mcpServers.allow).toEqual([]);
    // beta's own allow '*' now picks it up: it is beta's.
    expect((await contractOf("beta")).policy.mcpServers).toEqual({ allow: ["alpha-notes", "wiki"], deny: [], reserved: [], tools: {} });
    const back = await call("PATCH", "/api/v1/mcp-servers/alpha-notes", { version: moved.body.version, ownerTenant: "alpha" });
    expect(back.status).toBe(200);
  });

  it("a tenant that owns personal servers cannot be deleted until they have another owner or are gone", async () => {
    const refused = await call("DELETE", "/api/v1/tenants/alpha");
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      "tenant 'alpha' owns the personal server alpha-notes: give it another owner tenant or delete it before deleting the tenant",
    );
    expect((await call("GET", "/api/v1/tenants/alpha")).status).toBe(200);
    expect((await call("GET", "/api/v1/grants?subjectType=tenant&subjectName=alpha")).body.items).toHaveLength(1);

    // Leaving personal scope clears the owner with it.
    const current = (await call("GET", "/api/v1/mcp-servers/alpha-notes")).body;
    const org = await call("PATCH", "/api/v1/mcp-servers/alpha-notes", { version: current.version, scope: "org" });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ scope: "org", ownerTenant: null });
    expect((await call("DELETE", "/api/v1/tenants/alpha")).status).toBe(204);
  });
});
