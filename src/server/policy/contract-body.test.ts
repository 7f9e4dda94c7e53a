import fc from "fast-check";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TenantAccess } from "./compile";
import { renderTenantContract, type ContractServer, type ContractTenant } from "./contract";
import { renderContractBody, serverPartsOf, type ServerParts } from "./contract-body";

/**
 * The renderer as it was before contracts were assembled from shared parts (copied verbatim from
 * policy/contract.ts at 894cd75): the bytes pods hold, which the shared-part renderer must equal.
 */
function renderBefore(
  tenant: ContractTenant,
  access: Pick<TenantAccess, "allow" | "deny" | "reserved">,
  servers: ReadonlyMap<string, ContractServer>,
  revision: number,
) {
  const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
  const renderToolsMarkdown = (tenant: ContractTenant, servers: readonly ContractServer[]): string => {
    const title = `# MCP servers for ${oneLine(tenant.displayName) || tenant.name}`;
    if (servers.length === 0) {
      return `${title}\n\nNo MCP servers are enabled for this tenant. Ask a platform admin if you need one.\n`;
    }
    const sections = servers.map((s) => {
      const lines = [`## ${oneLine(s.displayName)} (\`${s.name}\`)`, ""];
      if (s.shortDescription) lines.push(oneLine(s.shortDescription), "");
      lines.push(`- Transport: ${s.transport}`);
      if (s.tools.length > 0) {
        const listed = s.tools.slice(0, 40).map((t) => `\`${t}\``);
        const more = s.tools.length - listed.length;
        lines.push(`- Tools: ${listed.join(", ")}${more > 0 ? `, and ${more} more` : ""}`);
      }
      return lines.join("\n");
    });
    return [
      title,
      "",
      `You can use these ${servers.length} MCP server${servers.length === 1 ? "" : "s"} through the OpenCrane MCP gateway. Requests to any other MCP server are refused.`,
      "",
      sections.join("\n\n"),
      "",
    ].join("\n");
  };
  const allowed = access.allow.map((name) => servers.get(name)).filter((s): s is ContractServer => s !== undefined);
  const content = {
    tenant: { name: tenant.name, team: tenant.team },
    policy: { mcpServers: { allow: [...access.allow], deny: [...access.deny], reserved: [...access.reserved] } },
    mcp: { servers: allowed.map((s) => ({ name: s.name, displayName: s.displayName, transport: s.transport, endpoint: s.endpoint })) },
    capabilities: { mcpPolicyEnforced: true as const },
    workspace: { "TOOLS.md": renderToolsMarkdown(tenant, allowed) },
  };
  const contractVersion = createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 16);
  return JSON.stringify({ version: "opencrane-runtime/v1alpha1", contractVersion, revision, ...content });
}

/** Text with what JSON and Markdown treat specially: quotes, backslashes, control characters, runs of space, emoji, lone surrogates. */
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("", " ", 'say "hi"', "back\\slash", "tab\there", "line\nbreak\r\n", "\u2028\u2029", "😀 émoji", "\ud800", "a\udfffb", "</script>"),
);
const serverName = fc.constantFrom("github", "slack", "time", "jira", "db-1", "wiki");
const server = (name: string) =>
  fc.record({
    name: fc.constant(name),
    displayName: text,
    shortDescription: text,
    transport: fc.constantFrom("streamable-http" as const, "sse" as const, "stdio" as const),
    endpoint: fc.oneof(fc.constant(null), text),
    tools: fc.array(text, { maxLength: 45 }),
  });
const world = fc.record({
  servers: fc.uniqueArray(serverName, { maxLength: 6 }).chain((names) => fc.tuple(...names.map(server))),
  tenant: fc.record({ name: fc.constantFrom("alpha", "beta-2"), displayName: text, team: text }),
  // Allow lists may name servers the snapshot lacks (the renderers skip them).
  allow: fc.uniqueArray(fc.oneof(serverName, fc.constant("gone")), { maxLength: 7 }),
  deny: fc.array(fc.oneof(serverName, text), { maxLength: 4 }),
  reserved: fc.array(text, { maxLength: 3 }),
  revision: fc.nat({ max: 1_000_000 }),
});

describe("contract bodies from shared per-server parts", () => {
  it("are byte-equal to the renderer they replace and to JSON.stringify(renderTenantContract(…)), over random inputs", () => {
    fc.assert(
      fc.property(world, (w) => {
        const servers = new Map(w.servers.map((s) => [s.name, s as ContractServer]));
        const access = { allow: w.allow, deny: w.deny, reserved: w.reserved };
        const body = renderContractBody(w.tenant, access, servers, w.revision).toString("utf8");
        expect(body).toBe(renderBefore(w.tenant, access, servers, w.revision));
        expect(body).toBe(JSON.stringify(renderTenantContract(w.tenant, access, servers, w.revision)));
      }),
      { numRuns: 1000 },
    );
  });

  it("share each server's parts between tenants: one rendering per server, whatever the number of contracts", () => {
    const servers = new Map<string, ContractServer>(
      ["github", "slack"].map((name) => [
        name,
        { name, displayName: name, shortDescription: "", transport: "sse", endpoint: `https://${name}.example`, tools: ["t"] },
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
});
