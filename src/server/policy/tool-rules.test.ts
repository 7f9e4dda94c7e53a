/** Tool-level rules (DESIGN §11): the pattern syntax, the tiers per tool, explain, reports, previews and form checks. */
import { describe, expect, it } from "vitest";
import { compilePolicy, decide, decideTool, type PolicyInput, type PolicyRule, type PolicyServer, type PolicyTenant } from "./compile";
import { diffPolicies } from "./diff";
import { explainAccess } from "./explain";
import { generatedRuleName, grantCreateInput, mcpPolicySchema, serverPatternSchema } from "./model";
import { checkPattern, patternCheckText } from "./rule-check";

const NOW = new Date("2026-06-01T12:00:00Z");
const GITHUB_TOOLS = [
  { name: "create_issue", readOnly: false },
  { name: "delete_repo", readOnly: false },
  { name: "get_issue", readOnly: true },
  { name: "list_repos", readOnly: true },
];
const github: PolicyServer = { name: "github", scope: "org", status: "active", tools: GITHUB_TOOLS };
const wiki: PolicyServer = { name: "wiki", scope: "org", status: "active", tools: null };
const notes: PolicyServer = {
  name: "notes",
  scope: "personal",
  status: "active",
  ownerTenant: "alice",
  tools: [
    { name: "read_note", readOnly: true },
    { name: "write_note", readOnly: false },
  ],
};

const tenant = (name: string, allow: string[] = [], deny: string[] = []): PolicyTenant => ({ name, labels: {}, mcpPolicy: { allow, deny } });
let ids = 0;
const rule = (servers: string, access: "allow" | "deny", subject: PolicyRule["subject"] = { type: "everyone" }): PolicyRule => ({
  id: `r${++ids}`,
  name: `rule-${ids}`,
  subject,
  servers,
  access,
  expiresAt: null,
});
const world = (tenants: PolicyTenant[], rules: PolicyRule[], servers: PolicyServer[] = [github, wiki, notes]): PolicyInput => ({
  servers,
  tenants,
  groups: [],
  rules,
});

describe("tool-qualified patterns", () => {
  it("accept server/tool-glob, server/@read-only and server/*, with a server glob too", () => {
    for (const p of ["github/create_*", "github/@read-only", "github/*", "git*/delete_repo", "github/get.issue-v2", "github/?et_issue"]) {
      expect(serverPatternSchema.safeParse(p).success, p).toBe(true);
    }
  });

  it("refuse malformed tool parts with a message that says what to write", () => {
    const message = (p: string) => serverPatternSchema.safeParse(p).error?.issues[0]?.message;
    expect(message("github/")).toBe("'github/' has an empty tool part: write 'github' for every tool, or 'github/TOOL' such as 'github/create_*'");
    expect(message("github/a/b")).toBe("'github/a/b' has more than one '/': write 'server/tool-glob' or 'server/@read-only'");
    expect(message("github/@writable")).toBe("'@writable' in 'github/@writable' is not a tool selector: the only selector is '@read-only'");
    expect(message("/create_issue")).toBe("'/create_issue' has no server part: write 'server' or 'server/tool-glob'");
    expect(message("GitHub/x")).toContain("'GitHub' in 'GitHub/x' is not a server name or glob");
    expect(message("github/bad tool")).toContain("'bad tool' in 'github/bad tool' is not a tool name or glob");
    expect(mcpPolicySchema.safeParse({ allow: [], deny: ["github/"] }).error?.issues[0]?.path).toEqual(["deny", 0]);
  });

  it("give generated rule names that are DNS-1123 labels", () => {
    const names = ["github/create_*", "github/@read-only", "github/Delete.Repo"].map((servers) => generatedRuleName({ type: "group", name: "dev" }, servers));
    expect(names).toEqual(["group-dev-github-create-all", "group-dev-github-read-only", "group-dev-github-delete-repo"]);
    for (const name of names)
      expect(grantCreateInput.safeParse({ name, subject: { type: "everyone" }, servers: "github", access: "allow" }).success).toBe(true);
  });
});

describe("decisions per tool", () => {
  it("a deny rule on one tool leaves the others to the allow rule; the server stays allowed", () => {
    const policy = compilePolicy(world([tenant("bob")], [rule("github", "allow"), rule("github/delete_*", "deny")]), NOW);
    const bob = policy.tenants.get("bob")!;
    expect(bob.allow).toEqual(["github"]);
    expect(bob.tools.get("github")).toMatchObject({ allow: ["create_issue", "get_issue", "list_repos"], deny: ["delete_repo"] });
    expect(decideTool(policy, "bob", "github", "delete_repo")).toEqual({ decision: "deny", tier: 4 });
    expect(decideTool(policy, "bob", "github", "create_issue")).toEqual({ decision: "allow", tier: 5 });
    expect(decide(policy, "bob", "github")).toEqual({ decision: "allow", tier: 5 });
  });

  it("@read-only selects the tools whose pinned annotations say readOnlyHint", () => {
    const policy = compilePolicy(world([tenant("bob")], [rule("github/@read-only", "allow")]), NOW);
    expect(policy.tenants.get("bob")!.tools.get("github")).toMatchObject({ allow: ["get_issue", "list_repos"], deny: [] });
    expect(decideTool(policy, "bob", "github", "delete_repo")).toEqual({ decision: "deny", tier: 6 });
  });

  it("the tenant's own override beats rules per tool, and its deny beats its allow", () => {
    const policy = compilePolicy(
      world(
        [tenant("bob", ["github/delete_repo", "github/create_*"], ["github/create_issue"]), tenant("carol")],
        [rule("github", "deny"), rule("github/@read-only", "allow")],
      ),
      NOW,
    );
    const bob = policy.tenants.get("bob")!;
    expect(bob.tools.get("github")).toMatchObject({ allow: ["delete_repo"], deny: ["create_issue", "get_issue", "list_repos"] });
    expect(decideTool(policy, "bob", "github", "create_issue")).toEqual({ decision: "deny", tier: 2 });
    expect(decideTool(policy, "bob", "github", "delete_repo")).toEqual({ decision: "allow", tier: 3 });
    // The whole-server deny rule (tier 4) comes before the tool-level allow rule (tier 5).
    const carol = policy.tenants.get("carol")!;
    expect(carol.allow).toEqual([]);
    expect(carol.deny).toEqual(["github"]);
    expect(carol.tools.get("github")).toMatchObject({ allow: [], deny: GITHUB_TOOLS.map((t) => t.name) });
  });

  it("a server whose every tool is denied is not allowed, and is an explicit deny", () => {
    const policy = compilePolicy(world([tenant("bob", ["github"], ["github/*_issue", "github/delete_repo", "github/list_*"])], []), NOW);
    const bob = policy.tenants.get("bob")!;
    expect(bob.allow).toEqual([]);
    expect(bob.deny).toEqual(["github"]);
    expect(decide(policy, "bob", "github")).toEqual({ decision: "deny", tier: 2 });
  });

  it("a server without known tools is decided at server level: tool-qualified patterns match nothing there", () => {
    const policy = compilePolicy(world([tenant("bob", [], ["wiki/delete_*"])], [rule("wiki/@read-only", "allow"), rule("wiki", "allow")]), NOW);
    const bob = policy.tenants.get("bob")!;
    expect(bob.allow).toContain("wiki");
    expect(bob.tools.has("wiki")).toBe(false);
    expect(decide(policy, "bob", "wiki")).toEqual({ decision: "allow", tier: 5 });
    expect(decideTool(policy, "bob", "wiki", "anything")).toBeNull();
    const only = compilePolicy(world([tenant("bob")], [rule("wiki/@read-only", "allow")]), NOW);
    expect(only.tenants.get("bob")!.allow).toEqual([]);
  });

  it("a personal server's tools are granted to its owner only, whatever the tier", () => {
    const policy = compilePolicy(
      world(
        [tenant("alice"), tenant("bob", ["notes/read_note"])],
        [rule("notes/read_*", "allow", { type: "tenant", name: "alice" }), rule("notes/*", "allow", { type: "tenant", name: "bob" })],
      ),
      NOW,
    );
    expect(policy.tenants.get("alice")!.tools.get("notes")).toMatchObject({ allow: ["read_note"], deny: [] });
    expect(policy.tenants.get("alice")!.allow).toContain("notes");
    const bob = policy.tenants.get("bob")!;
    expect(bob.allow).not.toContain("notes");
    expect(bob.tools.has("notes")).toBe(false);
    expect(bob.reserved).toEqual(["notes"]);
  });

  it("a change to a server's tools alone reaches the tenants a tool rule covers, incrementally", () => {
    const input = world([tenant("bob"), tenant("carol")], [rule("github", "allow"), rule("github/delete_*", "deny", { type: "tenant", name: "bob" })]);
    const before = compilePolicy(input, NOW);
    const tools = [...GITHUB_TOOLS, { name: "delete_org", readOnly: false }].sort((a, b) => (a.name < b.name ? -1 : 1));
    const servers = [{ ...github, tools }, wiki, notes];
    const after = compilePolicy({ ...input, servers }, NOW, before);
    expect(after.tenants.get("bob")!.tools.get("github")!.deny).toEqual(["delete_org", "delete_repo"]);
    expect(after.tenants.get("carol")).toBe(before.tenants.get("carol"));
    expect(after.serverTools.get("github")!.map((t) => t.name)).toContain("delete_org");
  });
});

describe("explain, reports and previews per tool", () => {
  const input = world(
    [tenant("bob", [], ["github/delete_repo"])],
    [rule("github", "allow"), rule("github/create_*", "deny"), rule("github/nothing_*", "allow"), rule("wiki/x", "deny")],
  );
  const policy = compilePolicy(input, NOW);

  it("explain names the deciding tier and rule per tool, and for one tool asked about", () => {
    const one = explainAccess(policy, "bob", "github", "delete_repo")!;
    expect(one).toMatchObject({ tool: "delete_repo", decision: "deny", tier: 2, decidedBy: { kind: "override", list: "deny", pattern: "github/delete_repo" } });
    expect(one.summary).toBe(
      "bob may not use github/delete_repo: decided by the tenant's own mcpPolicy.deny entry 'github/delete_repo' (tenant override deny)",
    );
    expect(one.matches.map((m) => (m.kind === "override" ? m.pattern : m.servers))).toEqual(["github/delete_repo", "github"]);
    const create = explainAccess(policy, "bob", "github", "create_issue")!;
    expect(create.decidedBy).toMatchObject({ kind: "rule", servers: "github/create_*", access: "deny" });
    const whole = explainAccess(policy, "bob", "github")!;
    expect(whole.tools!.map((t) => `${t.tool} ${t.decision} ${t.tier}`)).toEqual([
      "create_issue deny 4",
      "delete_repo deny 2",
      "get_issue allow 5",
      "list_repos allow 5",
    ]);
    expect(whole.summary).toContain("(2 of its 4 tools)");
    expect(explainAccess(policy, "bob", "github", "no_such_tool")).toBeNull();
  });

  it("reports a tool-qualified rule that matches no pinned tool as dead", () => {
    const dead = policy.report.deadRules.map((d) => d.reason);
    expect(dead).toContain("'github/nothing_*' matches no pinned tool of github");
    expect(dead).toContain("'wiki/x' names tools, but wiki has no pinned tools yet (it applies once a manifest is pinned)");
  });

  it("the rule form warns likewise", () => {
    const targets = [
      { name: "github", status: "active" as const, tools: GITHUB_TOOLS },
      { name: "wiki", status: "active" as const },
    ];
    expect(patternCheckText(checkPattern("github/nothing_*", targets))).toEqual({
      tone: "warning",
      text: "'github/nothing_*' matches no pinned tool of github.",
    });
    expect(patternCheckText(checkPattern("github/create_*", targets))?.tone).toBe("info");
  });

  it("impact previews count tools gained and lost when only tools change", () => {
    const after = compilePolicy({ ...input, rules: [...input.rules, rule("github/get_*", "deny")] }, NOW);
    const impact = diffPolicies(policy, after);
    expect(impact.changes).toEqual([]);
    expect(impact.toolChanges).toEqual([{ server: "github/get_issue", gained: [], lost: ["bob"] }]);
    expect(impact.tenantsAffected).toBe(1);
    expect(impact.summary).toBe("removes github/get_issue from 1 tenant");
    // A newly pinned tool reaches every tenant allowed the server.
    const more = compilePolicy({ ...input, servers: [{ ...github, tools: [...GITHUB_TOOLS, { name: "merge_pr", readOnly: false }] }, wiki, notes] }, NOW);
    expect(diffPolicies(policy, more).summary).toBe("adds github/merge_pr to 1 tenant");
  });
});
