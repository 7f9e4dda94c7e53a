import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ToolAccess } from "./compile";
import {
  CONTRACT_RENDERING,
  ContractFingerprints,
  contractFingerprint,
  serverDigestOf,
  renderTenantContract,
  type ContractServer,
  type ContractTenant,
  type ContractTool,
} from "./contract";

const tool = (name: string, description = ""): ContractTool => ({
  name,
  sha256: `${name.length.toString(16).padStart(2, "0")}${"ab".repeat(31)}`,
  description,
});

const SERVERS: ContractServer[] = [
  {
    name: "github",
    displayName: "GitHub",
    shortDescription: "Issues and pull requests",
    transport: "streamable-http",
    endpoint: "https://github.example/mcp",
    tools: [tool("create_issue", "Opens an issue"), tool("search_issues", "Searches issues")],
    previewTools: [],
  },
  { name: "slack", displayName: "Slack", shortDescription: "", transport: "sse", endpoint: "https://slack.example/sse", tools: null, previewTools: [] },
  { name: "time", displayName: "Time", shortDescription: "Clocks and zones", transport: "stdio", endpoint: null, tools: null, previewTools: ["now"] },
];

/** A sample contract's inputs, as the helpers below take them. */
type Sample = [tenant: ContractTenant, allow: string[], deny: string[], servers: ContractServer[], reserved?: string[], tools?: Map<string, ToolAccess>];

const inputsOf = (...[tenant, allow, deny, servers, reserved = [], tools = new Map<string, ToolAccess>()]: Sample) => ({
  tenant,
  access: { allow, deny, reserved, tools },
  servers: new Map(servers.map((s) => [s.name, s])),
});

const contractOf = (...sample: Sample) => {
  const { tenant, access, servers } = inputsOf(...sample);
  return renderTenantContract(tenant, access, servers, 7);
};

/** contractFingerprint's digests of a sample (see the tests that pin them). */
const PINNED_OWN = "bKHNBG-dy_wDUllu0K6bIk";
const PINNED_RESTRICTED = "8IJx-iLRXR4ZNYpem6RZFX";

const fingerprintOf = (...sample: Sample) => {
  const { tenant, access, servers } = inputsOf(...sample);
  return contractFingerprint(tenant, access, servers);
};

/**
 * What tells two contracts apart: the tenant's own part and the shared parts (serverDigestOf) of
 * the servers it is allowed unrestricted, whose revisions are settled per server.
 */
const identityOf = (...sample: Sample) => {
  const { tenant, access, servers } = inputsOf(...sample);
  const shared = access.allow.filter((name) => !access.tools.has(name) && servers.has(name)).map((name) => `${name}=${serverDigestOf(servers.get(name)!)}`);
  return `${contractFingerprint(tenant, access, servers)} ${shared.join(",")}`;
};

describe("contract fingerprint", () => {
  it("pins the rendering: change CONTRACT_RENDERING whenever this sample renders differently", () => {
    const sample = contractOf({ name: "alpha", displayName: "Alpha", team: "payments" }, ["github", "time"], ["slack"], SERVERS);
    expect({ rendering: CONTRACT_RENDERING, contractVersion: sample.contractVersion }).toEqual({ rendering: "3", contractVersion: "adbb454c531ed4a4" });
  });

  // Changed on 2026-12-06, when the fingerprint became the own part's (every contract's revision
  // moved once, at the first build after the upgrade).
  it("pins the fingerprint itself: a new way of computing it must give the same digests, or every pod refetches its contract on upgrade", () => {
    const alpha = { name: "alpha", displayName: "Alpha", team: "payments" };
    expect(fingerprintOf(alpha, ["github", "time"], ["slack"], SERVERS, ["notes"])).toBe(PINNED_OWN);
    const restricted = new Map<string, ToolAccess>([["github", { allow: ["create_issue"], deny: ["search_issues"], tiers: "35" }]]);
    expect(fingerprintOf(alpha, ["github", "time"], ["slack"], SERVERS, [], restricted)).toBe(PINNED_RESTRICTED);
  });

  it("is equal exactly when the rendered contracts are equal", () => {
    const names = SERVERS.map((s) => s.name);
    const variant = fc.record({
      tenant: fc.record({
        name: fc.constantFrom("alpha", "beta"),
        displayName: fc.constantFrom("", "Alpha", "Alpha team"),
        team: fc.constantFrom("", "payments"),
      }),
      allow: fc.subarray(names),
      deny: fc.subarray(names),
      reserved: fc.subarray(["notes", "diary"]),
      server: fc.record({
        displayName: fc.constantFrom("GitHub", "GitHub Enterprise"),
        shortDescription: fc.constantFrom("", "Issues"),
        endpoint: fc.constantFrom("https://github.example/mcp", "https://ghe.example/mcp"),
        // No manifest (the preview's names), none exposed, a pinned description or digest that changed.
        tools: fc.constantFrom<ContractTool[] | null>(
          null,
          [],
          [tool("search_issues")],
          [tool("search_issues", "Searches")],
          [{ ...tool("search_issues"), sha256: "f".repeat(64) }],
          [tool("create_issue"), tool("search_issues")],
        ),
        previewTools: fc.constantFrom<string[]>([], ["search_issues"]),
      }),
      // A tool-level decision on github for this tenant (none, or one restricting it).
      githubTools: fc.constantFrom<ToolAccess | null>(
        null,
        { allow: ["search_issues"], deny: [] },
        { allow: ["search_issues"], deny: ["create_issue"] },
        { allow: [], deny: ["create_issue", "search_issues"] },
      ),
    });
    fc.assert(
      fc.property(variant, variant, (a, b) => {
        const serversOf = (v: typeof a): ContractServer[] => [{ ...SERVERS[0]!, ...v.server }, ...SERVERS.slice(1)];
        const toolsOf = (v: typeof a) => new Map(v.githubTools ? [["github", v.githubTools] as const] : []);
        const { contractVersion: versionA, revision: _a, ...contentA } = contractOf(a.tenant, a.allow, a.deny, serversOf(a), a.reserved, toolsOf(a));
        const { contractVersion: versionB, revision: _b, ...contentB } = contractOf(b.tenant, b.allow, b.deny, serversOf(b), b.reserved, toolsOf(b));
        const sameContract = JSON.stringify(contentA) === JSON.stringify(contentB);
        expect(versionA === versionB).toBe(sameContract);
        expect(
          identityOf(a.tenant, a.allow, a.deny, serversOf(a), a.reserved, toolsOf(a)) ===
            identityOf(b.tenant, b.allow, b.deny, serversOf(b), b.reserved, toolsOf(b)),
        ).toBe(sameContract);
        // The own part leaves out what the contract says of a server allowed unrestricted.
        if (
          JSON.stringify([a.tenant, a.allow, a.deny, a.reserved, a.githubTools]) === JSON.stringify([b.tenant, b.allow, b.deny, b.reserved, b.githubTools]) &&
          !a.githubTools
        )
          expect(fingerprintOf(a.tenant, a.allow, a.deny, serversOf(a), a.reserved, toolsOf(a))).toBe(
            fingerprintOf(b.tenant, b.allow, b.deny, serversOf(b), b.reserved, toolsOf(b)),
          );
      }),
      { numRuns: 500 },
    );
  });

  it("is the same computed over bytes (ContractFingerprints) as over strings, for any tenant, lists and decisions", () => {
    const world = fc.record({
      servers: fc.uniqueArray(
        fc.record({
          name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
          displayName: fc.string({ maxLength: 8, unit: "grapheme" }),
          shortDescription: fc.string({ maxLength: 8 }),
          tools: fc.constantFrom<ContractTool[] | null>(null, [], [tool("a")], [tool("a", "Ä"), tool("b")]),
        }),
        { minLength: 1, maxLength: 12, selector: (s) => s.name },
      ),
      tenant: fc.record({ name: fc.string({ maxLength: 6 }), displayName: fc.string({ maxLength: 6, unit: "grapheme" }), team: fc.string({ maxLength: 4 }) }),
      allowPicks: fc.array(fc.nat(), { maxLength: 12 }),
      denyPicks: fc.array(fc.nat(), { maxLength: 4 }),
      reserved: fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 2 }),
      restrictPicks: fc.array(fc.nat(), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(world, (w) => {
        const servers: ContractServer[] = w.servers.map((s) => ({
          ...s,
          transport: "streamable-http",
          endpoint: `https://${s.name}.example/mcp`,
          previewTools: [],
        }));
        const names = servers.map((s) => s.name).sort();
        const pick = (picks: number[]) => [...new Set(picks.map((i) => names[i % names.length]!))].sort();
        const allow = pick(w.allowPicks);
        const tools = new Map<string, ToolAccess>(pick(w.restrictPicks).map((name) => [name, { allow: ["a"], deny: ["b"] }]));
        const access = { allow, deny: pick(w.denyPicks), reserved: w.reserved, tools };
        const byName = new Map(servers.map((s) => [s.name, s]));
        const fingerprints = new ContractFingerprints(byName);
        const expected = contractFingerprint(w.tenant, access, byName);
        expect(fingerprints.fingerprint(w.tenant, access)).toBe(expected);
        // Twice: the scratch buffer is reused.
        expect(fingerprints.fingerprint(w.tenant, access)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("computes over bytes the same digests for lists longer than its buffer", () => {
    const byName = new Map(SERVERS.map((s) => [s.name, s]));
    const fingerprints = new ContractFingerprints(byName);
    const tenant = { name: "ä".repeat(3_000), displayName: "Ünïcode ✓", team: "t" };
    const deny = Array.from({ length: 3_000 }, (_, i) => `denied-ü-${String(i).padStart(5, "0")}`);
    const access = { allow: ["github", "time"], deny, reserved: ["notes"], tools: new Map<string, ToolAccess>() };
    expect(fingerprints.fingerprint(tenant, access)).toBe(contractFingerprint(tenant, access, byName));
  });

  it("keeps the pinned digests when computed over bytes", () => {
    const alpha = { name: "alpha", displayName: "Alpha", team: "payments" };
    const fingerprints = new ContractFingerprints(new Map(SERVERS.map((s) => [s.name, s])));
    expect(fingerprints.fingerprint(alpha, { allow: ["github", "time"], deny: ["slack"], reserved: ["notes"], tools: new Map() })).toBe(PINNED_OWN);
    const restricted = new Map<string, ToolAccess>([["github", { allow: ["create_issue"], deny: ["search_issues"], tiers: "35" }]]);
    expect(fingerprints.fingerprint(alpha, { allow: ["github", "time"], deny: ["slack"], reserved: [], tools: restricted })).toBe(PINNED_RESTRICTED);
  });

  it("leaves out the servers the tenant is allowed unrestricted, and reads those it sees restricted", () => {
    const tenant = { name: "alpha", displayName: "", team: "" };
    const renamedSlack = SERVERS.map((s) => (s.name === "slack" ? { ...s, displayName: "Slack Grid" } : s));
    expect(fingerprintOf(tenant, ["github"], [], renamedSlack)).toBe(fingerprintOf(tenant, ["github"], [], SERVERS));
    // Slack's shared part moves instead (identityOf).
    expect(fingerprintOf(tenant, ["slack"], [], renamedSlack)).toBe(fingerprintOf(tenant, ["slack"], [], SERVERS));
    expect(identityOf(tenant, ["slack"], [], renamedSlack)).not.toBe(identityOf(tenant, ["slack"], [], SERVERS));
    const restricted = new Map<string, ToolAccess>([["slack", { allow: ["a"], deny: [] }]]);
    expect(fingerprintOf(tenant, ["slack"], [], renamedSlack, [], restricted)).not.toBe(fingerprintOf(tenant, ["slack"], [], SERVERS, [], restricted));
  });
});

describe("contract tools (DESIGN §11)", () => {
  const tenant = { name: "alpha", displayName: "Alpha", team: "" };

  it("lists each allowed server's tools with their pinned digests, and TOOLS.md their one-line descriptions", () => {
    const contract = contractOf(tenant, ["github", "slack", "time"], [], SERVERS);
    expect(contract.mcp.servers).toEqual([
      {
        name: "github",
        tools: SERVERS[0]!.tools!.map(({ name, sha256 }) => ({ name, sha256 })),
        displayName: "GitHub",
        transport: "streamable-http",
        endpoint: "https://github.example/mcp",
      },
      // No manifest known: no `tools`, the server-level decision alone.
      { name: "slack", displayName: "Slack", transport: "sse", endpoint: "https://slack.example/sse" },
      { name: "time", displayName: "Time", transport: "stdio", endpoint: null },
    ]);
    expect(contract.policy.mcpServers.tools).toEqual({});
    const md = contract.workspace["TOOLS.md"];
    expect(md).toContain("- Tools:\n  - `create_issue`: Opens an issue\n  - `search_issues`: Searches issues");
    expect(md).toContain("- Tools: `now`");
  });

  it("shows a tenant with a tool-level decision only the tools it allows, and the decision itself", () => {
    const tools = new Map<string, ToolAccess>([["github", { allow: ["search_issues"], deny: ["create_issue"] }]]);
    const contract = contractOf(tenant, ["github"], [], SERVERS, [], tools);
    expect(contract.mcp.servers[0]!.tools).toEqual([{ name: "search_issues", sha256: SERVERS[0]!.tools![1]!.sha256 }]);
    expect(contract.policy.mcpServers.tools).toEqual({ github: { allow: ["search_issues"], deny: ["create_issue"] } });
    expect(contract.workspace["TOOLS.md"]).not.toContain("create_issue");
    expect(fingerprintOf(tenant, ["github"], [], SERVERS, [], tools)).not.toBe(fingerprintOf(tenant, ["github"], [], SERVERS));
    // A tool the tenant may not use changes: its contract does not, nor its fingerprint; a tool it uses does.
    const repinned = (name: string): ContractServer[] => [
      { ...SERVERS[0]!, tools: SERVERS[0]!.tools!.map((t) => (t.name === name ? { ...t, sha256: "f".repeat(64) } : t)) },
      ...SERVERS.slice(1),
    ];
    expect(contractOf(tenant, ["github"], [], repinned("create_issue"), [], tools).contractVersion).toBe(contract.contractVersion);
    expect(fingerprintOf(tenant, ["github"], [], repinned("create_issue"), [], tools)).toBe(fingerprintOf(tenant, ["github"], [], SERVERS, [], tools));
    expect(fingerprintOf(tenant, ["github"], [], repinned("search_issues"), [], tools)).not.toBe(fingerprintOf(tenant, ["github"], [], SERVERS, [], tools));
  });

  it("bounds TOOLS.md: at most 40 tools per server, then how many more", () => {
    const many: ContractServer = { ...SERVERS[0]!, tools: Array.from({ length: 45 }, (_, i) => tool(`t${String(i).padStart(2, "0")}`, "x".repeat(10))) };
    const md = contractOf(tenant, ["github"], [], [many])["workspace"]["TOOLS.md"];
    expect(md).toContain("`t39`");
    expect(md).not.toContain("`t40`");
    expect(md).toContain("  - and 5 more");
  });

  it("says when a governed server exposes no tool", () => {
    const none: ContractServer = { ...SERVERS[0]!, tools: [] };
    const contract = contractOf(tenant, ["github"], [], [none]);
    expect(contract.mcp.servers[0]!.tools).toEqual([]);
    expect(contract.workspace["TOOLS.md"]).toContain("- Tools: none available");
  });
});
