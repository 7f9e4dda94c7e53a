import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTRACT_RENDERING, contractFingerprint, contractServerDigest, renderTenantContract, type ContractServer, type ContractTenant } from "./contract";

const SERVERS: ContractServer[] = [
  {
    name: "github",
    displayName: "GitHub",
    shortDescription: "Issues and pull requests",
    transport: "streamable-http",
    endpoint: "https://github.example/mcp",
    tools: ["search_issues", "create_issue"],
  },
  { name: "slack", displayName: "Slack", shortDescription: "", transport: "sse", endpoint: "https://slack.example/sse", tools: [] },
  { name: "time", displayName: "Time", shortDescription: "Clocks and zones", transport: "stdio", endpoint: null, tools: ["now"] },
];

const contractOf = (tenant: ContractTenant, allow: string[], deny: string[], servers: ContractServer[], reserved: string[] = []) =>
  renderTenantContract(tenant, { allow, deny, reserved }, new Map(servers.map((s) => [s.name, s])), 7);

const fingerprintOf = (tenant: ContractTenant, allow: string[], deny: string[], servers: ContractServer[], reserved: string[] = []) =>
  contractFingerprint(tenant, { allow, deny, reserved }, new Map(servers.map((s) => [s.name, contractServerDigest(s)])));

describe("contract fingerprint", () => {
  it("pins the rendering: change CONTRACT_RENDERING whenever this sample renders differently", () => {
    const sample = contractOf({ name: "alpha", displayName: "Alpha", team: "payments" }, ["github", "time"], ["slack"], SERVERS);
    expect({ rendering: CONTRACT_RENDERING, contractVersion: sample.contractVersion }).toEqual({ rendering: "2", contractVersion: "dc360adc0b354253" });
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
        tools: fc.constantFrom<string[]>([], ["search_issues"], ["search_issues", "create_issue"]),
      }),
    });
    fc.assert(
      fc.property(variant, variant, (a, b) => {
        const serversOf = (v: typeof a): ContractServer[] => [{ ...SERVERS[0]!, ...v.server }, ...SERVERS.slice(1)];
        const { contractVersion: versionA, revision: _a, ...contentA } = contractOf(a.tenant, a.allow, a.deny, serversOf(a), a.reserved);
        const { contractVersion: versionB, revision: _b, ...contentB } = contractOf(b.tenant, b.allow, b.deny, serversOf(b), b.reserved);
        const sameContract = JSON.stringify(contentA) === JSON.stringify(contentB);
        expect(versionA === versionB).toBe(sameContract);
        expect(fingerprintOf(a.tenant, a.allow, a.deny, serversOf(a), a.reserved) === fingerprintOf(b.tenant, b.allow, b.deny, serversOf(b), b.reserved)).toBe(
          sameContract,
        );
      }),
      { numRuns: 500 },
    );
  });

  it("ignores servers the tenant may not use", () => {
    const tenant = { name: "alpha", displayName: "", team: "" };
    const renamedSlack = SERVERS.map((s) => (s.name === "slack" ? { ...s, displayName: "Slack Grid" } : s));
    expect(fingerprintOf(tenant, ["github"], [], renamedSlack)).toBe(fingerprintOf(tenant, ["github"], [], SERVERS));
    expect(fingerprintOf(tenant, ["slack"], [], renamedSlack)).not.toBe(fingerprintOf(tenant, ["slack"], [], SERVERS));
  });
});
