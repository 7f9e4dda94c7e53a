import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ToolAccess } from "./compile";
import { renderTenantContract, type ContractServer } from "./contract";
import { renderContractBody, serverPartsOf, type ServerParts } from "./contract-body";

/** Text with what JSON and Markdown treat specially: quotes, backslashes, control characters, runs of space, emoji, lone surrogates. */
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("", " ", 'say "hi"', "back\\slash", "tab\there", "line\nbreak\r\n", "\u2028\u2029", "😀 émoji", "\ud800", "a\udfffb", "</script>"),
);
const serverName = fc.constantFrom("github", "slack", "time", "jira", "db-1", "wiki");
const toolName = fc.constantFrom("read", "write", "search_issues", "create_issue");
/** Tool-level decisions of the tenant on some servers (the compiler's TenantAccess.tools). */
const toolAccess = fc
  .array(fc.tuple(serverName, fc.record({ allow: fc.uniqueArray(toolName), deny: fc.uniqueArray(toolName) })), { maxLength: 3 })
  .map((entries) => new Map<string, ToolAccess>(entries));
const server = (name: string) =>
  fc.record({
    name: fc.constant(name),
    displayName: text,
    shortDescription: text,
    transport: fc.constantFrom("streamable-http" as const, "sse" as const, "stdio" as const),
    endpoint: fc.oneof(fc.constant(null), text),
    // No manifest known (the preview's names), or the governed tools with digests and descriptions.
    tools: fc.oneof(
      fc.constant(null),
      fc.uniqueArray(fc.record({ name: fc.oneof(toolName, text), sha256: fc.constantFrom("a".repeat(64), "b".repeat(64)), description: text }), {
        selector: (t) => t.name,
        maxLength: 45,
      }),
    ),
    previewTools: fc.array(text, { maxLength: 45 }),
  });
const world = fc.record({
  servers: fc.uniqueArray(serverName, { maxLength: 6 }).chain((names) => fc.tuple(...names.map(server))),
  tenant: fc.record({ name: fc.constantFrom("alpha", "beta-2"), displayName: text, team: text }),
  // Allow lists may name servers the snapshot lacks (the renderers skip them).
  allow: fc.uniqueArray(fc.oneof(serverName, fc.constant("gone")), { maxLength: 7 }),
  deny: fc.array(fc.oneof(serverName, text), { maxLength: 4 }),
  reserved: fc.array(text, { maxLength: 3 }),
  tools: toolAccess,
  revision: fc.nat({ max: 1_000_000 }),
});

describe("contract bodies from shared per-server parts", () => {
  it("are byte-equal to JSON.stringify(renderTenantContract(…)), over random inputs", () => {
    fc.assert(
      fc.property(world, (w) => {
        const servers = new Map(w.servers.map((s) => [s.name, s as ContractServer]));
        const access = { allow: w.allow, deny: w.deny, reserved: w.reserved, tools: w.tools };
        const body = renderContractBody(w.tenant, access, servers, w.revision).toString("utf8");
        expect(body).toBe(JSON.stringify(renderTenantContract(w.tenant, access, servers, w.revision)));
      }),
      { numRuns: 1000 },
    );
  });

  it("share each server's parts between tenants: one rendering per server, whatever the number of contracts", () => {
    const servers = new Map<string, ContractServer>(
      ["github", "slack"].map((name) => [
        name,
        {
          name,
          displayName: name,
          shortDescription: "",
          transport: "sse",
          endpoint: `https://${name}.example`,
          tools: [
            { name: "read", sha256: "a".repeat(64), description: "Reads" },
            { name: "write", sha256: "b".repeat(64), description: "Writes" },
          ],
          previewTools: [],
        },
      ]),
    );
    const shared = new Map<ContractServer, ServerParts>();
    let rendered = 0;
    const partsOf = (s: ContractServer) => {
      if (!shared.has(s)) {
        rendered++;
        shared.set(s, serverPartsOf(s));
      }
      return shared.get(s)!;
    };
    const bodies = ["alpha", "beta", "gamma"].map((name) =>
      renderContractBody({ name, displayName: name, team: "" }, { allow: ["github", "slack"], deny: [], reserved: [] }, servers, 3, partsOf),
    );
    expect(rendered).toBe(2);
    for (const [i, name] of ["alpha", "beta", "gamma"].entries()) {
      expect(bodies[i]!.toString("utf8")).toBe(
        JSON.stringify(renderTenantContract({ name, displayName: name, team: "" }, { allow: ["github", "slack"], deny: [], reserved: [] }, servers, 3)),
      );
    }
  });

  it("render a server's parts for a tenant alone when a tool-level decision restricts what it sees of it", () => {
    const servers = new Map<string, ContractServer>([
      [
        "github",
        {
          name: "github",
          displayName: "GitHub",
          shortDescription: "",
          transport: "sse",
          endpoint: null,
          tools: [
            { name: "read", sha256: "a".repeat(64), description: "Reads" },
            { name: "write", sha256: "b".repeat(64), description: "Writes" },
          ],
          previewTools: [],
        },
      ],
    ]);
    const shared: ContractServer[] = [];
    const partsOf = (s: ContractServer) => {
      shared.push(s);
      return serverPartsOf(s);
    };
    const access = { allow: ["github"], deny: [], reserved: [], tools: new Map([["github", { allow: ["read"], deny: ["write"] }]]) };
    const body = renderContractBody({ name: "alpha", displayName: "", team: "" }, access, servers, 1, partsOf).toString("utf8");
    expect(shared).toEqual([]);
    expect(body).toBe(JSON.stringify(renderTenantContract({ name: "alpha", displayName: "", team: "" }, access, servers, 1)));
    expect(body).not.toContain("Writes");
    expect(body).not.toContain("b".repeat(64));
  });
});
