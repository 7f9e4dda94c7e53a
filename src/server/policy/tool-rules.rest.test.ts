/** Tool-level rules over REST on both databases: pinned tools decide per tool, explained with ?tool=. */
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { restClient, testServices } from "../../../test/support/services";
import type { Services } from "../services";

describeEachDatabase("tool-level rules over REST", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    const tools = [
      { name: "create_issue", description: "Opens an issue", inputSchema: { type: "object" } },
      { name: "delete_repo", description: "Deletes a repository", inputSchema: { type: "object" }, annotations: { destructiveHint: true } },
      { name: "list_repos", description: "Lists repositories", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
    ];
    expect((await call("POST", "/api/v1/mcp-servers", { name: "repo-hub", displayName: "Repo Hub", endpoint: "https://repo-hub.example/mcp" })).status).toBe(
      201,
    );
    expect((await call("POST", "/api/v1/mcp-servers/repo-hub/tools/upload", { tools })).status).toBeLessThan(300);
    expect((await call("POST", "/api/v1/mcp-servers/repo-hub/publish")).status).toBe(200);
    expect((await call("POST", "/api/v1/mcp-servers", { name: "wiki", displayName: "Wiki", endpoint: "https://wiki.example/mcp" })).status).toBe(201);
    expect((await call("POST", "/api/v1/mcp-servers/wiki/publish")).status).toBe(200);
    for (const name of ["dev1", "dev2"]) expect((await call("POST", "/api/v1/tenants", { name })).status).toBe(201);
    expect((await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "repo-hub", access: "allow" })).status).toBe(201);
  });

  it("refuses malformed tool parts with 422 naming the pattern", async () => {
    for (const [servers, text] of [
      ["repo-hub/", "has an empty tool part"],
      ["repo-hub/a/b", "has more than one '/'"],
      ["repo-hub/@writable", "the only selector is '@read-only'"],
    ]) {
      const res = await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers, access: "deny" });
      expect(res.status, servers).toBe(422);
      expect(res.body.error.details.fieldErrors.servers[0]).toContain(text);
    }
    const override = await call("PATCH", "/api/v1/tenants/dev2", { mcpPolicy: { allow: [], deny: ["repo-hub/@nope"] } });
    expect(override.status).toBe(422);
    expect(override.body.error.message).toContain("'@nope' in 'repo-hub/@nope' is not a tool selector");
  });

  it("a tool-level deny rule is previewed, then decides that tool only, explained per tool", async () => {
    const rule = { subject: { type: "tenant", name: "dev1" }, servers: "repo-hub/delete_*", access: "deny" };
    const preview = await call("POST", "/api/v1/grants?dryRun=true", rule);
    expect(preview.status).toBe(200);
    expect(preview.body.impact).toMatchObject({
      changes: [],
      toolChanges: [{ server: "repo-hub/delete_repo", gained: [], lost: ["dev1"] }],
      tenantsAffected: 1,
    });
    expect(preview.body.impact.summary).toBe("removes repo-hub/delete_repo from 1 tenant");
    const created = await call("POST", "/api/v1/grants", rule);
    expect(created.status).toBe(201);
    expect(created.body.name).toBe("tenant-dev1-repo-hub-delete-all");

    const denied = await call("GET", "/api/v1/tenants/dev1/explain/repo-hub?tool=delete_repo");
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({
      tool: "delete_repo",
      decision: "deny",
      tier: 4,
      decidedBy: { kind: "rule", ruleName: "tenant-dev1-repo-hub-delete-all", servers: "repo-hub/delete_*" },
    });
    expect((await call("GET", "/api/v1/tenants/dev1/explain/repo-hub?tool=list_repos")).body).toMatchObject({ decision: "allow", tier: 5 });
    const whole = await call("GET", "/api/v1/tenants/dev1/explain/repo-hub");
    expect(whole.body.decision).toBe("allow");
    expect(whole.body.tools.map((t: { tool: string; decision: string }) => `${t.tool} ${t.decision}`)).toEqual([
      "create_issue allow",
      "delete_repo deny",
      "list_repos allow",
    ]);
    // dev2 is untouched by the rule.
    expect((await call("GET", "/api/v1/tenants/dev2/explain/repo-hub?tool=delete_repo")).body).toMatchObject({ decision: "allow", tier: 5 });
  });

  it("a tenant override allowing only read-only tools, explained", async () => {
    expect((await call("PATCH", "/api/v1/tenants/dev2", { mcpPolicy: { allow: ["repo-hub/@read-only"], deny: ["repo-hub"] } })).status).toBe(200);
    const res = await call("GET", "/api/v1/tenants/dev2/explain/repo-hub?tool=create_issue");
    expect(res.body).toMatchObject({ decision: "deny", tier: 2, decidedBy: { kind: "override", list: "deny", pattern: "repo-hub" } });
    expect((await call("PATCH", "/api/v1/tenants/dev2", { mcpPolicy: { allow: ["repo-hub/@read-only"], deny: ["repo-hub/create_*"] } })).status).toBe(200);
    expect((await call("GET", "/api/v1/tenants/dev2/explain/repo-hub?tool=list_repos")).body).toMatchObject({
      decision: "allow",
      tier: 3,
      decidedBy: { kind: "override", list: "allow", pattern: "repo-hub/@read-only" },
    });
  });

  it("the access matrix expands a server into its tools, each decided per tool", async () => {
    const res = await call("GET", "/api/v1/policy/matrix?expand=repo-hub&q=dev1");
    expect(res.status).toBe(200);
    expect(res.body.servers.map((s: { name: string }) => s.name)).toEqual([
      "repo-hub",
      "repo-hub/create_issue",
      "repo-hub/delete_repo",
      "repo-hub/list_repos",
      "wiki",
    ]);
    expect(res.body.servers[2]).toMatchObject({ server: "repo-hub", tool: "delete_repo" });
    expect(res.body.rows).toEqual([{ tenant: "dev1", tiers: "55456" }]);
    const plain = await call("GET", "/api/v1/policy/matrix?q=dev1");
    expect(plain.body.rows).toEqual([{ tenant: "dev1", tiers: "56" }]);
  });

  it("answers an unknown tool, or a server without known tools, with 404 naming it", async () => {
    const unknown = await call("GET", "/api/v1/tenants/dev1/explain/repo-hub?tool=merge_pr");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("server 'repo-hub' has no tool 'merge_pr' (its tools: create_issue, delete_repo, list_repos)");
    const toolless = await call("GET", "/api/v1/tenants/dev1/explain/wiki?tool=search");
    expect(toolless.status).toBe(404);
    expect(toolless.body.error.message).toContain("server 'wiki' has no known tools");
    expect((await call("GET", "/api/v1/tenants/dev1/explain/repo-hub?tool=")).status).toBe(422);
  });

  it("reports a tool-level rule that matches no pinned tool as dead", async () => {
    expect((await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "repo-hub/merge_*", access: "allow" })).status).toBe(201);
    const report = await call("GET", "/api/v1/policy");
    expect(report.status).toBe(200);
    expect(report.body.report.deadRules.map((d: { reason: string }) => d.reason)).toContain("'repo-hub/merge_*' matches no pinned tool of repo-hub");
  });
});
