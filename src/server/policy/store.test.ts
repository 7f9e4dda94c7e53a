import { and, eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { restClient, testServices } from "../../../test/support/services";
import { rowsOf } from "../db/rows";
import { auditEvents } from "../db/schema";
import type { Services } from "../services";

describeEachDatabase("tenants, groups and grants over REST", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;
  const contractOf = async (tenant: string) => (await call("GET", `/api/v1/tenants/${tenant}/contract`)).body;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    const servers = [
      { name: "github", displayName: "GitHub", endpoint: "https://github.example/mcp", scope: "org" },
      { name: "github-enterprise", displayName: "GitHub Enterprise", endpoint: "https://ghe.example/mcp", scope: "org" },
      { name: "slack", displayName: "Slack", endpoint: "https://slack.example/mcp", scope: "org" },
      { name: "finance-db", displayName: "Finance DB", endpoint: "https://fin.example/mcp", scope: "department" },
      { name: "draft-tool", displayName: "Draft Tool", endpoint: "https://draft.example/mcp", scope: "org" },
    ];
    for (const s of servers) {
      expect((await call("POST", "/api/v1/mcp-servers", s)).status).toBe(201);
      if (s.name !== "draft-tool") expect((await call("POST", `/api/v1/mcp-servers/${s.name}/publish`)).status).toBe(200);
    }
  });

  it("creates tenants with labels and overrides, and refuses bad ones with the field at fault", async () => {
    for (const [name, team, labels] of [
      ["alpha", "payments", { env: "prod", tier: "gold" }],
      ["beta", "payments", { env: "dev" }],
      ["gamma", "web", { env: "prod" }],
    ] as const) {
      const res = await call("POST", "/api/v1/tenants", { name, team, labels });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name, team, labels, mcpPolicy: { allow: [], deny: [] }, version: 1 });
    }
    // A misspelt field is refused by name, not dropped (the tenant would have been saved without labels).
    const typo = await call("POST", "/api/v1/tenants", { name: "delta", lables: { env: "prod" }, mcpPolicy: { allow: [], denny: ["slack"] } });
    expect(typo.status).toBe(422);
    expect(Object.keys(typo.body.error.details.fieldErrors)).toEqual(["lables", "mcpPolicy.denny"]);
    expect(typo.body.error.details.fieldErrors.lables[0]).toMatch(/^unknown field \(a typo\?\): this object takes name, .*labels/);
    expect((await call("GET", "/api/v1/tenants/delta")).status).toBe(404);
    const bad = await call("POST", "/api/v1/tenants", { name: "Bad_Tenant", labels: { "bad key!": "x" }, mcpPolicy: { allow: ["GitHub"] } });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.details.fieldErrors).sort()).toEqual(["labels.bad key!", "mcpPolicy.allow.0", "name"]);
    expect((await call("POST", "/api/v1/tenants", { name: "alpha" })).status).toBe(409);
    // A personal server names its owner, so it can only be created once the tenant exists.
    const notes = { name: "notes", displayName: "Notes", endpoint: "https://notes.example/mcp", scope: "personal", ownerTenant: "alpha" };
    expect((await call("POST", "/api/v1/mcp-servers", notes)).status).toBe(201);
    expect((await call("POST", "/api/v1/mcp-servers/notes/publish")).status).toBe(200);
  });

  it("every tenant starts with no access: default deny", async () => {
    const contract = await contractOf("alpha");
    expect(contract.policy.mcpServers).toEqual({ allow: [], deny: [], reserved: [], tools: {} });
    expect(contract.workspace["TOOLS.md"]).toContain("No MCP servers are enabled for this tenant.");
  });

  it("previews a rule's impact without writing it, then saves it", async () => {
    const rule = { subject: { type: "everyone" }, servers: "github*", access: "allow", note: "everyone gets GitHub" };
    const preview = await call("POST", "/api/v1/grants?dryRun=true", rule);
    expect(preview.status).toBe(200);
    expect(preview.body.dryRun).toBe(true);
    expect(preview.body.impact.summary).toBe("adds github to 3 tenants, adds github-enterprise to 3 tenants");
    expect(preview.body.impact.changes[0]).toEqual({ server: "github", gained: ["alpha", "beta", "gamma"], lost: [] });
    expect((await call("GET", "/api/v1/grants")).body.items).toEqual([]);
    expect((await contractOf("alpha")).policy.mcpServers.allow).toEqual([]);

    const saved = await call("POST", "/api/v1/grants", rule);
    expect(saved.status).toBe(201);
    expect(saved.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.headers.get("location")).toBe(`/api/v1/grants/${saved.body.id}`);
    expect((await contractOf("alpha")).policy.mcpServers.allow).toEqual(["github", "github-enterprise"]);
  });

  it("enforces scope when a rule is saved, saying which constraint and why", async () => {
    const everyone = await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "finance-db", access: "allow" });
    expect(everyone.status).toBe(422);
    expect(everyone.body.error.message).toBe(
      "cannot grant 'finance-db' to everyone: it has scope department, and department servers can be granted to groups, label selectors or tenants, not to everyone",
    );
    await call("POST", "/api/v1/groups", { name: "finance", members: ["alpha"] });
    const toGroup = await call("POST", "/api/v1/grants", { subject: { type: "group", name: "finance" }, servers: "notes", access: "allow" });
    expect(toGroup.body.error.message).toContain("personal servers can be granted to single tenants only");
    const glob = await call("POST", "/api/v1/grants", { subject: { type: "group", name: "finance" }, servers: "*", access: "allow" });
    expect(glob.status).toBe(201);
    expect(glob.body.scopeExcluded).toEqual([{ server: "notes", scope: "personal", reason: "personal servers can be granted to single tenants only" }]);
    expect((await contractOf("alpha")).policy.mcpServers.allow).toEqual(["finance-db", "github", "github-enterprise", "slack"]);
    const deny = await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "notes", access: "deny" });
    expect(deny.status).toBe(201);
    await call("DELETE", `/api/v1/grants/${deny.body.id}`);
    await call("DELETE", `/api/v1/grants/${glob.body.id}`);
  });

  it("refuses rules for subjects that do not exist and expiries in the past", async () => {
    const ghost = await call("POST", "/api/v1/grants", { subject: { type: "group", name: "ghosts" }, servers: "github", access: "allow" });
    expect(ghost.body.error.message).toBe("group 'ghosts' does not exist");
    const past = await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "slack", access: "allow", expiresAt: "2020-01-01T00:00:00Z" });
    expect(past.body.error.details.fieldErrors).toEqual({ expiresAt: ["must be in the future"] });
  });

  it("explains a decision over REST", async () => {
    await call("PATCH", "/api/v1/tenants/beta", { mcpPolicy: { allow: [], deny: ["github-*"] } });
    const res = await call("GET", "/api/v1/tenants/beta/explain/github-enterprise");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      decision: "deny",
      tier: 2,
      tierName: "tenant override deny",
      decidedBy: { kind: "override", list: "deny", pattern: "github-*" },
    });
    expect(res.body.matches).toHaveLength(2);
    expect((await call("GET", "/api/v1/tenants/beta/explain/draft-tool")).body).toMatchObject({ decision: "not-published", tier: 1 });
    expect((await call("GET", "/api/v1/tenants/nobody/explain/github")).status).toBe(404);
    const contract = await contractOf("beta");
    expect(contract.policy.mcpServers).toEqual({ allow: ["github"], deny: ["github-enterprise"], reserved: [], tools: {} });
  });

  it("group membership, selectors and deny rules change contracts, previewed first", async () => {
    await call("POST", "/api/v1/groups", { name: "contractors", members: [] });
    const rule = await call("POST", "/api/v1/grants", { subject: { type: "group", name: "contractors" }, servers: "github", access: "deny" });
    const preview = await call("PATCH", "/api/v1/groups/contractors?dryRun=true", { members: ["gamma"] });
    expect(preview.body.impact.summary).toBe("removes github from 1 tenant");
    expect((await call("GET", "/api/v1/groups/contractors")).body.members).toEqual([]);
    await call("PATCH", "/api/v1/groups/contractors", { members: ["gamma"] });
    expect((await contractOf("gamma")).policy.mcpServers).toEqual({ allow: ["github-enterprise"], deny: ["github"], reserved: [], tools: {} });

    const selector = await call("POST", "/api/v1/grants", { subject: { type: "selector", matchLabels: { env: "prod" } }, servers: "slack", access: "allow" });
    expect(selector.status).toBe(201);
    expect((await contractOf("gamma")).policy.mcpServers.allow).toEqual(["github-enterprise", "slack"]);
    expect((await contractOf("beta")).policy.mcpServers.allow).toEqual(["github"]);
    const unknownMember = await call("PATCH", "/api/v1/groups/contractors", { members: ["gamma", "zeta"] });
    expect(unknownMember.body.error.message).toBe("members must be existing tenants: zeta does not exist");
    await call("DELETE", `/api/v1/grants/${rule.body.id}`);
  });

  it("an edit of a group's members writes the members added and removed, and leaves the kept rows alone", async () => {
    await call("POST", "/api/v1/groups", { name: "squad", members: ["alpha", "beta"] });
    const rule = await call("POST", "/api/v1/grants", { subject: { type: "group", name: "squad" }, servers: "github-enterprise", access: "deny" });
    // A row's xmin is the transaction that wrote it: a row deleted and inserted again gets a new one.
    const rowVersion = async (tenant: string) =>
      rowsOf<{ v: string }>(await services.db.execute(sql`select xmin::text as v from group_members where group_name = 'squad' and tenant_name = ${tenant}`))[0]
        ?.v;
    const kept = await rowVersion("beta");
    expect(kept).toBeDefined();
    const edited = await call("PATCH", "/api/v1/groups/squad", { members: ["gamma", "beta", "gamma"] });
    expect(edited.body.members).toEqual(["beta", "gamma"]);
    expect((await call("GET", "/api/v1/groups/squad")).body.members).toEqual(["beta", "gamma"]);
    expect(await rowVersion("beta")).toBe(kept);
    expect(await rowVersion("alpha")).toBeUndefined();
    expect((await call("GET", "/api/v1/tenants/gamma/explain/github-enterprise")).body.decidedBy.ruleName).toBe(rule.body.name);
    expect((await call("GET", "/api/v1/tenants/alpha/explain/github-enterprise")).body.decidedBy.ruleName).not.toBe(rule.body.name);
    await call("DELETE", `/api/v1/grants/${rule.body.id}`);
    await call("DELETE", "/api/v1/groups/squad");
  });

  it("previews publishing and disabling a server", async () => {
    const res = await call("POST", "/api/v1/mcp-servers/slack/disable?dryRun=true");
    expect(res.body.impact.summary).toBe("removes slack from 2 tenants");
    expect((await call("GET", "/api/v1/mcp-servers/slack")).body.status).toBe("active");
  });

  it("previews a change of scope that takes an active server from tenants, and writes nothing", async () => {
    const slack = (await call("GET", "/api/v1/mcp-servers/slack")).body;
    const res = await call("PATCH", "/api/v1/mcp-servers/slack?dryRun=true", { version: slack.version, scope: "personal", ownerTenant: "alpha" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, result: { name: "slack", scope: "personal" } });
    expect(res.body.impact.summary).toBe("removes slack from 2 tenants");
    expect((await call("GET", "/api/v1/mcp-servers/slack")).body).toMatchObject({ scope: slack.scope, version: slack.version });
  });

  it("deletes a tenant with its memberships and the rules that name it, all audited", async () => {
    await call("POST", "/api/v1/tenants", { name: "doomed" });
    const rule = await call("POST", "/api/v1/grants", { subject: { type: "tenant", name: "doomed" }, servers: "finance-db", access: "allow" });
    const joined = (await call("PATCH", "/api/v1/groups/finance", { members: ["alpha", "doomed"] })).body;
    const preview = await call("DELETE", "/api/v1/tenants/doomed?dryRun=true");
    expect(preview.body.impact.changes.some((c: { lost: string[] }) => c.lost.includes("doomed"))).toBe(true);
    expect((await call("DELETE", "/api/v1/tenants/doomed")).status).toBe(204);
    expect((await call("GET", `/api/v1/grants/${rule.body.id}`)).status).toBe(404);
    // Leaving the group is a change of the group: a new version, and an event in its history.
    expect((await call("GET", "/api/v1/groups/finance")).body).toMatchObject({ members: ["alpha"], version: joined.version + 1 });
    const groupEvents = await services.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "group"), eq(auditEvents.entityId, "finance")));
    expect(groupEvents.at(-1)).toMatchObject({ action: "group.update", before: { members: ["alpha", "doomed"] }, after: { members: ["alpha"] } });
    const events = await services.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "grant"), eq(auditEvents.entityId, rule.body.id)));
    expect(events.map((e) => e.action)).toEqual(["grant.create", "grant.delete"]);
  });

  it("answers 409, not 500, to the loser of two creates of the same tenant or group at the same moment", async () => {
    const tenants = await Promise.all([1, 2, 3].map(() => call("POST", "/api/v1/tenants", { name: "twin" })));
    expect(tenants.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const groups = await Promise.all([1, 2, 3].map(() => call("POST", "/api/v1/groups", { name: "twins" })));
    expect(groups.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect((await call("DELETE", "/api/v1/groups/twins")).status).toBe(204);
    expect((await call("DELETE", "/api/v1/tenants/twin")).status).toBe(204);
  });

  it("reports dead rules in the policy report and the rule list", async () => {
    const dead = await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "draft-*", access: "allow" });
    const report = await call("GET", "/api/v1/policy");
    expect(report.body.report.deadRules).toContainEqual({
      ruleId: dead.body.id,
      ruleName: dead.body.name,
      reason: "'draft-*' matches no active server yet (only draft-tool)",
    });
    const listed = (await call("GET", "/api/v1/grants")).body.items.find((g: { id: string }) => g.id === dead.body.id);
    expect(listed.deadReason).toContain("matches no active server yet");
    expect(report.body).toMatchObject({ tenants: 3, groups: 2, activeServers: 5 });
  });

  it("shows a tenant's effective access with the tier of every decision", async () => {
    const res = await call("GET", "/api/v1/tenants/alpha");
    expect(res.body.groups).toEqual(["finance"]);
    expect(res.body.access.servers.find((s: { server: string }) => s.server === "github")).toEqual({
      server: "github",
      decision: "allow",
      tier: 5,
      tierName: "allow rule",
    });
  });
});
