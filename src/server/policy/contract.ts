/**
 * The tenant contract (DESIGN §5.3) and the agent's TOOLS.md, rendered from the compiled policy.
 * Pure and deterministic: equal inputs give byte-equal bodies, so every replica serves the same
 * ETag.
 */
import { createHash } from "node:crypto";
import type { McpServer, Transport } from "../catalog/model";
import type { TenantAccess } from "./compile";

export const CONTRACT_FORMAT = "opencrane-runtime/v1alpha1";
/**
 * Part of every contract fingerprint. Bump it whenever renderTenantContract or
 * renderToolsMarkdown render the same input differently, so revisions move with the bodies
 * (contract.test.ts pins a rendered sample to this value).
 */
export const CONTRACT_RENDERING = "2";
const MAX_TOOLS_LISTED = 40;

/** What a contract and TOOLS.md say about an allowed server. */
export interface ContractServer {
  name: string;
  displayName: string;
  shortDescription: string;
  transport: Transport;
  endpoint: string | null;
  tools: string[];
}

/** A server as contracts and TOOLS.md describe it. */
export function contractServerOf(server: McpServer): ContractServer {
  return {
    name: server.name,
    displayName: server.displayName,
    shortDescription: server.shortDescription,
    transport: server.transport,
    endpoint: server.endpoint,
    tools: server.toolPreview.map((t) => t.name),
  };
}

export interface ContractTenant {
  name: string;
  displayName: string;
  team: string;
}

export interface TenantContract {
  version: typeof CONTRACT_FORMAT;
  contractVersion: string;
  revision: number;
  tenant: { name: string; team: string };
  /**
   * `reserved`: servers the tenant's own allow list matches that it can never be granted (another
   * tenant's personal server): the in-pod library must not enable them from that list.
   */
  policy: { mcpServers: { allow: string[]; deny: string[]; reserved: string[] } };
  mcp: { servers: { name: string; displayName: string; transport: Transport; endpoint: string | null }[] };
  capabilities: { mcpPolicyEnforced: true };
  workspace: { "TOOLS.md": string };
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/** One allowed server's section of TOOLS.md: the same in every tenant's TOOLS.md that lists it. */
export function renderToolsSection(s: ContractServer): string {
  const lines = [`## ${oneLine(s.displayName)} (\`${s.name}\`)`, ""];
  if (s.shortDescription) lines.push(oneLine(s.shortDescription), "");
  lines.push(`- Transport: ${s.transport}`);
  if (s.tools.length > 0) {
    const listed = s.tools.slice(0, MAX_TOOLS_LISTED).map((t) => `\`${t}\``);
    const more = s.tools.length - listed.length;
    lines.push(`- Tools: ${listed.join(", ")}${more > 0 ? `, and ${more} more` : ""}`);
  }
  return lines.join("\n");
}

const toolsTitle = (tenant: ContractTenant) => `# MCP servers for ${oneLine(tenant.displayName) || tenant.name}`;

/** TOOLS.md up to its first section, for `count` (at least one) servers; the sections follow, a blank line apart, then a newline. */
export function toolsMarkdownHead(tenant: ContractTenant, count: number): string {
  const intro = `You can use these ${count} MCP server${count === 1 ? "" : "s"} through the OpenCrane MCP gateway. Requests to any other MCP server are refused.`;
  return `${toolsTitle(tenant)}\n\n${intro}\n\n`;
}

/** What the agent is told it can use: exactly the allow set, sorted, one section per server. */
export function renderToolsMarkdown(tenant: ContractTenant, servers: readonly ContractServer[]): string {
  if (servers.length === 0) {
    return `${toolsTitle(tenant)}\n\nNo MCP servers are enabled for this tenant. Ask a platform admin if you need one.\n`;
  }
  return `${toolsMarkdownHead(tenant, servers.length)}${servers.map(renderToolsSection).join("\n\n")}\n`;
}

export function renderTenantContract(
  tenant: ContractTenant,
  access: Pick<TenantAccess, "allow" | "deny" | "reserved">,
  servers: ReadonlyMap<string, ContractServer>,
  revision: number,
): TenantContract {
  const allowed = access.allow.map((name) => servers.get(name)).filter((s): s is ContractServer => s !== undefined);
  const content = {
    tenant: { name: tenant.name, team: tenant.team },
    policy: { mcpServers: { allow: [...access.allow], deny: [...access.deny], reserved: [...access.reserved] } },
    mcp: { servers: allowed.map((s) => ({ name: s.name, displayName: s.displayName, transport: s.transport, endpoint: s.endpoint })) },
    capabilities: { mcpPolicyEnforced: true as const },
    workspace: { "TOOLS.md": renderToolsMarkdown(tenant, allowed) },
  };
  const contractVersion = createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 16);
  return { version: CONTRACT_FORMAT, contractVersion, revision, ...content };
}

const digest = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 22);

/** A digest of what a contract says about one server: computed once per server per snapshot. */
export function contractServerDigest(server: ContractServer): string {
  return digest(JSON.stringify([server.name, server.displayName, server.shortDescription, server.transport, server.endpoint, server.tools]));
}

/**
 * A digest of every input of the tenant's contract, equal exactly when the rendered contract
 * would be: far cheaper than rendering (no TOOLS.md), so it is computed for every tenant at every
 * snapshot to tell whose contract changed.
 */
export function contractFingerprint(
  tenant: ContractTenant,
  access: Pick<TenantAccess, "allow" | "deny" | "reserved">,
  serverDigests: ReadonlyMap<string, string>,
): string {
  const allowed = access.allow.map((name) => serverDigests.get(name) ?? `?${name}`).join(",");
  return digest(
    `${CONTRACT_RENDERING}\u0000${JSON.stringify([tenant.name, tenant.team, tenant.displayName])}\u0000${allowed}\u0000${access.deny.join(",")}\u0000${access.reserved.join(",")}`,
  );
}
