import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { decisionCases, type DecisionCase } from "../../../test/support/policy-cases";
import { SHELLS, shellDecisions, shellToolAnswers } from "../../../test/support/shell";
import { UNGOVERNED } from "../tools/governed";
import { compilePolicy, decide, type PolicyInput } from "./compile";
import { contractServerOf, renderTenantContract, type ContractServer } from "./contract";
import { diffPolicies } from "./diff";
import { explainAccess } from "./explain";

const { now, cases } = decisionCases();

/** The case's servers as contracts describe them, with their governed tools (the snapshot's contractServerOf). */
function contractServers(c: DecisionCase): Map<string, ContractServer> {
  return new Map(
    c.input.servers.map((s) => [
      s.name,
      {
        ...contractServerOf(
          { name: s.name, displayName: s.name.toUpperCase(), shortDescription: "", transport: "streamable-http", endpoint: null, toolPreview: [] } as never,
          c.tools.get(s.name) ?? UNGOVERNED,
        ),
      },
    ]),
  );
}

/** The pinned digest of a tool the case's manifests name (every tool a case expects enabled is pinned). */
function pinnedDigest(c: DecisionCase, server: string, tool: string): string | undefined {
  return c.tools.get(server)?.tools?.find((t) => t.name === tool)?.sha256;
}

describe("policy compiler: the decision table", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const policy = compilePolicy(c.input, now);
    for (const [tenant, servers] of Object.entries(c.expect)) {
      for (const [server, expected] of Object.entries(servers)) {
        expect(decide(policy, tenant, server), `${tenant} × ${server}`).toEqual(expected);
        const explanation = explainAccess(policy, tenant, server)!;
        expect(explanation.tier).toBe(expected.tier);
        if (expected.tier >= 2 && expected.tier <= 5) expect(explanation.decidedBy, `${tenant} × ${server} names its decider`).not.toBeNull();
      }
      const access = policy.tenants.get(tenant)!;
      const allowed = Object.entries(servers)
        .filter(([, e]) => e.decision === "allow")
        .map(([s]) => s)
        .sort();
      const denied = Object.entries(servers)
        .filter(([, e]) => e.tier === 2 || e.tier === 4)
        .map(([s]) => s)
        .sort();
      expect([...access.allow]).toEqual(allowed);
      expect([...access.deny]).toEqual(denied);
    }
    // Tools: the contract lists an enabled tool with its pinned digest, and never another.
    const servers = contractServers(c);
    for (const [tenant, byServer] of Object.entries(c.expectTools)) {
      const contract = renderTenantContract({ name: tenant, displayName: tenant, team: "" }, policy.tenants.get(tenant)!, servers, 1);
      for (const [server, tools] of Object.entries(byServer)) {
        const entry = contract.mcp.servers.find((s) => s.name === server);
        for (const [tool, enabled] of Object.entries(tools)) {
          const listed = entry ? (entry.tools ? entry.tools.find((t) => t.name === tool) : { name: tool, sha256: undefined }) : undefined;
          expect(listed !== undefined, `${tenant} × ${server}/${tool}`).toBe(enabled);
          if (enabled) expect(listed!.sha256).toBe(pinnedDigest(c, server, tool));
          if (!enabled) expect(contract.workspace["TOOLS.md"]).not.toContain(`\`${tool}\``);
        }
      }
    }
  });
});

describe.each(SHELLS)("the in-pod library under %s agrees with the decision table", (shell) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const policy = compilePolicy(c.input, now);
    const servers = contractServers(c);
    for (const [tenant, expected] of Object.entries(c.expect)) {
      const access = policy.tenants.get(tenant)!;
      const contract = renderTenantContract({ name: tenant, displayName: tenant, team: "" }, access, servers, 1);
      const overrides = c.input.tenants.find((t) => t.name === tenant)!.mcpPolicy;
      const published = Object.entries(expected).filter(([, e]) => e.tier !== 1);
      // The same contract compact, as served, and pretty-printed, as an operator might mount it.
      for (const body of [JSON.stringify(contract), JSON.stringify(contract, null, 2)]) {
        const answers = shellDecisions(
          shell,
          body,
          overrides,
          published.map(([name]) => name),
        );
        for (const [server, e] of published) expect(answers[server], `${tenant} × ${server}`).toBe(`${e.decision} ${e.tier}`);
        const pairs = Object.entries(c.expectTools[tenant] ?? {}).flatMap(([server, tools]) => Object.keys(tools).map((tool) => [server, tool] as const));
        if (pairs.length === 0) continue;
        const tools = shellToolAnswers(shell, body, overrides, pairs);
        pairs.forEach(([server, tool], i) => {
          const enabled = c.expectTools[tenant]![server]![tool]!;
          expect(tools[i]!.enabled, `${tenant} × ${server}/${tool}`).toBe(enabled);
          expect(tools[i]!.digest, `${tenant} × ${server}/${tool} digest`).toBe(enabled ? (pinnedDigest(c, server, tool) ?? null) : null);
        });
      }
    }
  });
});

describe("policy report", () => {
  it("reports dead rules, globs that match only inactive servers, scope exclusions and expired rules", () => {
    const policy = compilePolicy(
      {
        servers: [
          { name: "github", scope: "org", status: "active" },
          { name: "gitlab", scope: "org", status: "draft" },
          { name: "finance-db", scope: "department", status: "active" },
        ],
        tenants: [{ name: "alpha", labels: { team: "x" }, mcpPolicy: { allow: [], deny: [] } }],
        groups: [{ name: "empty", members: [] }],
        rules: [
          { id: "r1", subject: { type: "everyone" }, servers: "gitlab", access: "allow", expiresAt: null },
          { id: "r2", subject: { type: "everyone" }, servers: "nothing-*", access: "allow", expiresAt: null },
          { id: "r3", subject: { type: "everyone" }, servers: "finance-db", access: "allow", expiresAt: null },
          { id: "r4", subject: { type: "group", name: "empty" }, servers: "github", access: "allow", expiresAt: null },
          { id: "r5", subject: { type: "selector", matchLabels: { team: "y" } }, servers: "github", access: "allow", expiresAt: null },
          { id: "r6", subject: { type: "everyone" }, servers: "git*", access: "allow", expiresAt: new Date("2026-01-01T00:00:00Z") },
          { id: "r7", subject: { type: "everyone" }, servers: "git*", access: "allow", expiresAt: new Date("2026-07-01T00:00:00Z") },
        ],
      },
      now,
    );
    expect(policy.report.deadRules).toEqual([
      { ruleId: "r1", ruleName: "r1", reason: "'gitlab' matches no active server yet (only gitlab)" },
      { ruleId: "r2", ruleName: "r2", reason: "'nothing-*' matches no server" },
      { ruleId: "r3", ruleName: "r3", reason: "every server it matches has a scope everyone cannot be granted" },
      { ruleId: "r4", ruleName: "r4", reason: "group empty has no members" },
      { ruleId: "r5", ruleName: "r5", reason: "no tenant has these labels" },
    ]);
    expect(policy.report.unpublishedMatches).toEqual([
      { pattern: "git*", servers: ["gitlab"], usedBy: ["rule r7"] },
      { pattern: "gitlab", servers: ["gitlab"], usedBy: ["rule r1"] },
    ]);
    expect(policy.report.scopeExcluded).toEqual([
      {
        ruleId: "r3",
        ruleName: "r3",
        servers: ["finance-db"],
        reason: "department servers can be granted to groups, label selectors or tenants, not to everyone",
      },
    ]);
    expect(policy.report.expiredRules).toEqual(["r6"]);
    expect(policy.nextExpiryAt).toEqual(new Date("2026-07-01T00:00:00Z"));
  });
});

describe("personal servers in the report", () => {
  it("reports allows that would give a personal server to anyone but its owner, and personal servers without an owner", () => {
    const policy = compilePolicy(
      {
        servers: [
          { name: "alpha-notes", scope: "personal", status: "active", ownerTenant: "alpha" },
          { name: "orphan", scope: "personal", status: "active", ownerTenant: null },
          { name: "wiki", scope: "org", status: "active" },
        ],
        tenants: [
          { name: "alpha", labels: {}, mcpPolicy: { allow: ["*"], deny: [] } },
          { name: "beta", labels: {}, mcpPolicy: { allow: ["*"], deny: [] } },
        ],
        groups: [],
        rules: [
          { id: "r1", subject: { type: "tenant", name: "beta" }, servers: "alpha-notes", access: "allow", expiresAt: null },
          { id: "r2", subject: { type: "tenant", name: "beta" }, servers: "*", access: "allow", expiresAt: null },
        ],
      },
      now,
    );
    expect(policy.report.deadRules).toEqual([
      { ruleId: "r1", ruleName: "r1", reason: "every server it matches is a personal server that tenant beta does not own" },
    ]);
    expect(policy.report.scopeExcluded).toEqual([
      { ruleId: "r1", ruleName: "r1", servers: ["alpha-notes"], reason: "it is the personal server of tenant alpha, and only its owner can be granted it" },
      {
        ruleId: "r2",
        ruleName: "r2",
        servers: ["alpha-notes", "orphan"],
        reason: "it is the personal server of tenant alpha, and only its owner can be granted it",
      },
    ]);
    expect(policy.report.overrideExcluded).toEqual([
      { tenant: "alpha", servers: ["orphan"], reason: "it is a personal server without an owner tenant, so nobody can be granted it until an admin sets one" },
      { tenant: "beta", servers: ["alpha-notes", "orphan"], reason: "it is the personal server of tenant alpha, and only its owner can be granted it" },
    ]);
    expect(policy.report.ownerlessPersonal).toEqual(["orphan"]);
    expect(policy.tenants.get("alpha")!.allow).toEqual(["alpha-notes", "wiki"]);
    expect(policy.tenants.get("beta")!.allow).toEqual(["wiki"]);
    expect(policy.tenants.get("beta")!.reserved).toEqual(["alpha-notes", "orphan"]);
    expect(explainAccess(policy, "beta", "alpha-notes")!.summary).toBe(
      "beta may not use alpha-notes: the tenant's own allow list matches it, but it is the personal server of tenant alpha, and only its owner can be granted it (default deny)",
    );
  });
});

describe("explain and impact", () => {
  const input: PolicyInput = {
    servers: [
      { name: "github", scope: "org", status: "active" },
      { name: "slack", scope: "org", status: "active" },
    ],
    tenants: ["a", "b", "c"].map((name) => ({ name, labels: {}, mcpPolicy: { allow: [], deny: name === "c" ? ["slack"] : [] } })),
    groups: [{ name: "eng", members: ["a", "b"] }],
    rules: [{ id: "r1", subject: { type: "everyone" }, servers: "github", access: "allow", expiresAt: null }],
  };

  it("explains a decision with every rule and override that matched", () => {
    const before = compilePolicy(input, now);
    const explanation = explainAccess(before, "c", "slack")!;
    expect(explanation).toMatchObject({
      decision: "deny",
      tier: 2,
      tierName: "tenant override deny",
      decidedBy: { kind: "override", list: "deny", pattern: "slack" },
    });
    expect(explanation.summary).toBe("c may not use slack: decided by the tenant's own mcpPolicy.deny entry 'slack' (tenant override deny)");
    expect(explainAccess(before, "a", "github")!.summary).toBe("a may use github: decided by rule r1 (allow everyone on 'github') (allow rule)");
    expect(explainAccess(before, "nobody", "github")).toBeNull();
  });

  it("previews what a change adds and removes, with the tenants", () => {
    const before = compilePolicy(input, now);
    const after = compilePolicy(
      {
        ...input,
        rules: [
          ...input.rules,
          { id: "r2", subject: { type: "group", name: "eng" }, servers: "slack", access: "allow", expiresAt: null },
          { id: "r3", subject: { type: "tenant", name: "b" }, servers: "github", access: "deny", expiresAt: null },
        ],
      },
      now,
    );
    const impact = diffPolicies(before, after);
    expect(impact.changes).toEqual([
      { server: "github", gained: [], lost: ["b"] },
      { server: "slack", gained: ["a", "b"], lost: [] },
    ]);
    expect(impact.summary).toBe("adds slack to 2 tenants, removes github from 1 tenant");
    expect(impact.tenantsAffected).toBe(2);
    expect(diffPolicies(before, before).summary).toBe("no tenant gains or loses access");
  });
});

describe("incremental compiles and memory", () => {
  it("a compile from the previous result does not keep its predecessors alive", async () => {
    // A garbage collector callable from the test (the flag takes effect for functions made after it).
    v8.setFlagsFromString("--expose-gc");
    const collect = vm.runInNewContext("gc") as () => void;
    const input = (n: number): PolicyInput => ({
      servers: [{ name: "a", scope: "org", status: "active" }],
      tenants: [{ name: "t", labels: {}, mcpPolicy: { allow: [], deny: [] } }],
      groups: [],
      rules: Array.from({ length: n }, (_, i) => ({
        id: `r${i}`,
        subject: { type: "tenant" as const, name: "t" },
        servers: "a",
        access: "allow" as const,
        expiresAt: null,
      })),
    });
    const first = new WeakRef(compilePolicy(input(1), new Date()));
    let latest = first.deref()!;
    for (let n = 2; n <= 20; n++) latest = compilePolicy(input(n), new Date(), latest);
    expect(latest.rules).toHaveLength(20);
    // WeakRefs are cleared only after the job that last read them: let it end first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    expect(first.deref()).toBeUndefined();
  });
});
