/**
 * Property-based tests on random catalogs, tenants, groups and rules: the compiler agrees with a
 * plain cell-by-cell reading of DESIGN §4, and every consumer of its output agrees with it — the
 * contract's allow/deny, TOOLS.md's server list, the in-pod shell library and the Obot feed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catalogServer, remoteSpec } from "../../../test/support/catalog";
import { SHELLS, shellDecisions } from "../../../test/support/shell";
import type { McpServer, Scope, ServerStatus } from "../catalog/model";
import { obotCatalogEntries } from "../formats/obot-feed";
import { compilePolicy, decide, grantableScopes, patternMatches, type PolicyInput, type PolicyRule, type PolicyTenant } from "./compile";
import { renderTenantContract, type ContractServer } from "./contract";
import { explainAccess } from "./explain";
import type { Subject } from "./model";

const NOW = new Date("2026-06-01T12:00:00Z");
const SCOPES: Scope[] = ["org", "department", "project", "personal"];
const STATUSES: ServerStatus[] = ["active", "active", "active", "draft", "disabled", "degraded"];

const name = fc.constantFrom("gh", "ghe", "gh-ent", "slack", "db1", "db2", "db12", "wiki", "jira", "notes");
const pattern = fc.oneof(name, fc.constantFrom("gh*", "db?", "*", "s*", "*e*", "db*", "?iki", "nothing"));
const labels = fc.record({ env: fc.constantFrom("prod", "dev"), team: fc.constantFrom("web", "data") }, { requiredKeys: [] });

/** Personal servers name an owner among the tenants t0-t4 (which may not exist), or none. */
const owner = fc.constantFrom<string | null>("t0", "t1", "t2", "t4", null);
const catalog = fc.uniqueArray(
  fc
    .record({ name, scope: fc.constantFrom(...SCOPES), status: fc.constantFrom(...STATUSES), ownerTenant: owner })
    .map((s) => ({ ...s, ownerTenant: s.scope === "personal" ? s.ownerTenant : null })),
  {
    selector: (s) => s.name,
    minLength: 1,
    maxLength: 10,
  },
);

const world = catalog.chain((servers) =>
  fc.integer({ min: 1, max: 5 }).chain((tenantCount) => {
    const tenantNames = Array.from({ length: tenantCount }, (_, i) => `t${i}`);
    const tenants = fc.tuple(
      ...tenantNames.map((tenant) =>
        fc.record({
          name: fc.constant(tenant),
          labels,
          mcpPolicy: fc.record({ allow: fc.array(pattern, { maxLength: 2 }), deny: fc.array(pattern, { maxLength: 2 }) }),
        }),
      ),
    );
    const groups = fc.uniqueArray(fc.record({ name: fc.constantFrom("g1", "g2", "g3"), members: fc.subarray(tenantNames) }), {
      selector: (g) => g.name,
      maxLength: 3,
    });
    const subject: fc.Arbitrary<Subject> = fc.oneof(
      fc.constant({ type: "everyone" as const }),
      fc.constantFrom("g1", "g2", "g3", "g-missing").map((n) => ({ type: "group" as const, name: n })),
      fc.constantFrom(...tenantNames, "t-missing").map((n) => ({ type: "tenant" as const, name: n })),
      labels.filter((l) => Object.keys(l).length > 0).map((matchLabels) => ({ type: "selector" as const, matchLabels: matchLabels as Record<string, string> })),
    );
    const expiresAt = fc.constantFrom<Date | null>(null, null, new Date("2026-06-01T11:00:00Z"), new Date("2026-06-02T00:00:00Z"));
    const rules = fc.array(fc.record({ subject, servers: pattern, access: fc.constantFrom("allow" as const, "deny" as const), expiresAt }), { maxLength: 8 });
    return fc.record({ tenants, groups, rules }).map(({ tenants: t, groups: g, rules: r }) => ({
      servers,
      tenants: t as PolicyTenant[],
      groups: g,
      rules: r.map((rule, i): PolicyRule => ({ id: `r${i}`, ...rule })),
    }));
  }),
);

/** DESIGN §4 read literally, one cell at a time: the oracle for the compiler's bitsets. */
function referenceDecision(input: PolicyInput, tenantName: string, serverName: string): { decision: string; tier: number } {
  const server = input.servers.find((s) => s.name === serverName)!;
  const tenant = input.tenants.find((t) => t.name === tenantName)!;
  if (server.status !== "active") return { decision: "not-published", tier: 1 };
  const matches = (p: string) => patternMatches(p, server.name);
  // A personal server may be granted to its owner only, by any tier.
  const ownedElsewhere = server.scope === "personal" && server.ownerTenant !== tenant.name;
  if (tenant.mcpPolicy.deny.some(matches)) return { decision: "deny", tier: 2 };
  if (tenant.mcpPolicy.allow.some(matches) && !ownedElsewhere) return { decision: "allow", tier: 3 };
  const covers = (subject: Subject) => {
    switch (subject.type) {
      case "everyone":
        return true;
      case "tenant":
        return subject.name === tenant.name;
      case "group":
        return input.groups.some((g) => g.name === subject.name && g.members.includes(tenant.name));
      case "selector":
        return Object.entries(subject.matchLabels).every(([k, v]) => tenant.labels[k] === v);
    }
  };
  const live = input.rules.filter((r) => (r.expiresAt === null || r.expiresAt > NOW) && covers(r.subject) && matches(r.servers));
  if (live.some((r) => r.access === "deny")) return { decision: "deny", tier: 4 };
  const grants = (r: PolicyRule) =>
    grantableScopes(r.subject.type).includes(server.scope) &&
    (server.scope !== "personal" || (r.subject.type === "tenant" && r.subject.name === server.ownerTenant));
  if (live.some((r) => r.access === "allow" && grants(r))) return { decision: "allow", tier: 5 };
  return { decision: "deny", tier: 6 };
}

function asMcpServer(s: PolicyInput["servers"][number]): McpServer {
  const spec = remoteSpec(`https://${s.name}.example/mcp`, { displayName: s.name.toUpperCase(), scope: s.scope, ownerTenant: s.ownerTenant ?? null });
  return catalogServer(s.name, spec, { status: s.status, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });
}

function contractsOf(input: PolicyInput) {
  const policy = compilePolicy(input, NOW);
  const servers = new Map<string, ContractServer>(
    input.servers.map((s) => [
      s.name,
      { name: s.name, displayName: s.name.toUpperCase(), shortDescription: "", transport: "streamable-http", endpoint: null, tools: [] },
    ]),
  );
  return {
    policy,
    contracts: input.tenants.map((t) => ({
      tenant: t,
      contract: renderTenantContract({ name: t.name, displayName: t.name, team: "" }, policy.tenants.get(t.name)!, servers, 7),
    })),
  };
}

describe("policy properties", () => {
  it("the compiler's decision for every cell is DESIGN §4 read literally", () => {
    fc.assert(
      fc.property(world, (input) => {
        const policy = compilePolicy(input, NOW);
        for (const tenant of input.tenants) {
          for (const server of input.servers) {
            expect(decide(policy, tenant.name, server.name), `${tenant.name} × ${server.name}`).toEqual(referenceDecision(input, tenant.name, server.name));
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("explain names a deciding override or rule that really decides, for every cell", () => {
    fc.assert(
      fc.property(world, (input) => {
        const policy = compilePolicy(input, NOW);
        for (const tenant of input.tenants) {
          for (const server of input.servers) {
            const why = explainAccess(policy, tenant.name, server.name)!;
            const decision = decide(policy, tenant.name, server.name)!;
            expect(why.decision).toBe(decision.decision);
            expect(why.tier).toBe(decision.tier);
            const by = why.decidedBy;
            if (decision.tier === 1 || decision.tier === 6) {
              expect(by).toBeNull();
              expect(why.matches.filter((m) => m.kind === "rule" && m.applies && m.access === "allow").length === 0 || decision.tier === 1).toBe(true);
              continue;
            }
            expect(by, `${tenant.name} × ${server.name} tier ${decision.tier}`).not.toBeNull();
            if (decision.tier <= 3) expect(by).toMatchObject({ kind: "override", list: decision.tier === 2 ? "deny" : "allow" });
            else expect(by).toMatchObject({ kind: "rule", applies: true, access: decision.tier === 4 ? "deny" : "allow" });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("contracts, TOOLS.md and the Obot feed agree with the compiler", () => {
    fc.assert(
      fc.property(world, (input) => {
        const { policy, contracts } = contractsOf(input);
        const feed = new Set(obotCatalogEntries(input.servers.map(asMcpServer)).map((e) => e.entryKey));
        for (const { tenant, contract } of contracts) {
          const access = policy.tenants.get(tenant.name)!;
          expect(contract.policy.mcpServers.allow).toEqual([...access.allow]);
          expect(contract.policy.mcpServers.deny).toEqual([...access.deny]);
          expect(contract.policy.mcpServers.reserved).toEqual([...access.reserved]);
          const listed = [...contract.workspace["TOOLS.md"].matchAll(/^## .* \(`([a-z0-9-]+)`\)$/gm)].map((m) => m[1]);
          expect(listed).toEqual([...access.allow]);
          for (const server of contract.policy.mcpServers.allow) expect(feed.has(server), `${server} allowed but not in the Obot feed`).toBe(true);
          expect(contract.mcp.servers.map((s) => s.name)).toEqual([...access.allow]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it.each(SHELLS)("the in-pod library under %s answers what the compiler decided", (shell) => {
    fc.assert(
      fc.property(world, (input) => {
        const { policy, contracts } = contractsOf(input);
        const published = input.servers.filter((s) => s.status === "active").map((s) => s.name);
        if (published.length === 0) return;
        for (const { tenant, contract } of contracts) {
          const answers = shellDecisions(shell, JSON.stringify(contract), tenant.mcpPolicy, published);
          for (const server of published) {
            const d = decide(policy, tenant.name, server)!;
            expect(answers[server], `${tenant.name} × ${server}`).toBe(`${d.decision} ${d.tier}`);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
