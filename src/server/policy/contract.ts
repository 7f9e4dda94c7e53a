/**
 * The tenant contract (DESIGN §5.3) and the agent's TOOLS.md, rendered from the compiled policy.
 * Pure and deterministic: equal inputs give byte-equal bodies, so every replica serves the same
 * ETag.
 */
import { hash } from "node:crypto";
import type { McpServer, Transport } from "../catalog/model";
import { UNGOVERNED, type GovernedTools } from "./tool-state";
import type { TenantAccess, ToolAccess } from "./compile";

export const CONTRACT_FORMAT = "opencrane-runtime/v1alpha1";
/**
 * Part of every contract fingerprint. Bump it whenever renderTenantContract or
 * renderToolsMarkdown render the same input differently, so revisions move with the bodies
 * (contract.test.ts pins a rendered sample to this value).
 */
export const CONTRACT_RENDERING = "3";
const MAX_TOOLS_LISTED = 40;

/** A tool a contract lists: pinned, not withheld by drift, allowed to the tenant. */
export interface ContractTool {
  name: string;
  /** The pinned digest (DESIGN §11): the runtime can refuse a tool whose live definition no longer matches it. */
  sha256: string;
  /** The pinned description on one line, for TOOLS.md. */
  description: string;
}

/** What a contract and TOOLS.md say about an allowed server. */
export interface ContractServer {
  name: string;
  displayName: string;
  shortDescription: string;
  transport: Transport;
  endpoint: string | null;
  /**
   * The tools the server may expose (its pinned manifest less what tool drift withholds), in byte
   * order; null when no manifest is known: tool governance does not apply yet, and the contract
   * lists no `tools` for the server.
   */
  tools: readonly ContractTool[] | null;
  /** With no manifest known (`tools: null`): the names of the stored tool preview, which TOOLS.md lists as before. */
  previewTools: readonly string[];
}

/** A server as contracts and TOOLS.md describe it, with its governed tools (governed.ts). */
export function contractServerOf(server: McpServer, governed: GovernedTools = UNGOVERNED): ContractServer {
  return {
    name: server.name,
    displayName: server.displayName,
    shortDescription: server.shortDescription,
    transport: server.transport,
    endpoint: server.endpoint,
    tools: governed.tools?.map((t) => ({ name: t.name, sha256: t.sha256, description: t.description })) ?? null,
    previewTools: governed.tools === null ? server.toolPreview.map((t) => t.name) : [],
  };
}

/**
 * The server as a tenant with a tool-level decision on it sees it: only the tools `access.allow`
 * names. (A server with no manifest known has no tools to choose from: none is listed.)
 */
export function restrictedServer(server: ContractServer, access: ToolAccess): ContractServer {
  const allowed = new Set(access.allow);
  return { ...server, tools: (server.tools ?? []).filter((t) => allowed.has(t.name)), previewTools: [] };
}

/** The servers a tenant may use as its contract describes them: restricted where a tool-level decision applies. */
export function allowedServers(access: ContractAccess, servers: ReadonlyMap<string, ContractServer>): ContractServer[] {
  const out: ContractServer[] = [];
  for (const name of access.allow) {
    const server = servers.get(name);
    if (!server) continue;
    const tools = access.tools?.get(name);
    out.push(tools ? restrictedServer(server, tools) : server);
  }
  return out;
}

/** What of a tenant's access its contract shows; `tools` (tool-level decisions) may be left out by inputs built by hand. */
export type ContractAccess = Pick<TenantAccess, "allow" | "deny" | "reserved"> & Partial<Pick<TenantAccess, "tools">>;

/** A contract's entry for an allowed server. `tools` comes second so that the in-pod library can find it with sed. */
export interface ContractServerEntry {
  name: string;
  tools?: { name: string; sha256: string }[];
  displayName: string;
  transport: Transport;
  endpoint: string | null;
}

export function contractServerEntry(s: ContractServer): ContractServerEntry {
  const entry: ContractServerEntry = { name: s.name, displayName: s.displayName, transport: s.transport, endpoint: s.endpoint };
  if (s.tools === null) return entry;
  return {
    name: s.name,
    tools: s.tools.map((t) => ({ name: t.name, sha256: t.sha256 })),
    displayName: s.displayName,
    transport: s.transport,
    endpoint: s.endpoint,
  };
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `policy.mcpServers.tools`: per server with a tool-level decision, the tools allowed and explicitly denied; keys in byte order. */
export function toolDecisionsOf(tools: ReadonlyMap<string, ToolAccess> | undefined): Record<string, { allow: string[]; deny: string[] }> {
  const out: Record<string, { allow: string[]; deny: string[] }> = {};
  if (!tools) return out;
  for (const name of [...tools.keys()].sort(byteOrder)) {
    const t = tools.get(name)!;
    out[name] = { allow: [...t.allow], deny: [...t.deny] };
  }
  return out;
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
  policy: { mcpServers: { allow: string[]; deny: string[]; reserved: string[]; tools: Record<string, { allow: string[]; deny: string[] }> } };
  mcp: { servers: ContractServerEntry[] };
  capabilities: { mcpPolicyEnforced: true };
  workspace: { "TOOLS.md": string };
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/** One allowed server's section of TOOLS.md: the same in every tenant's TOOLS.md that lists it. */
export function renderToolsSection(s: ContractServer): string {
  const lines = [`## ${oneLine(s.displayName)} (\`${s.name}\`)`, ""];
  if (s.shortDescription) lines.push(oneLine(s.shortDescription), "");
  lines.push(`- Transport: ${s.transport}`);
  if (s.tools === null) {
    // No manifest known: the stored tool preview's names, as the catalog describes the server.
    if (s.previewTools.length > 0) {
      const listed = s.previewTools.slice(0, MAX_TOOLS_LISTED).map((t) => `\`${t}\``);
      const more = s.previewTools.length - listed.length;
      lines.push(`- Tools: ${listed.join(", ")}${more > 0 ? `, and ${more} more` : ""}`);
    }
  } else if (s.tools.length === 0) {
    lines.push("- Tools: none available");
  } else {
    lines.push("- Tools:");
    for (const t of s.tools.slice(0, MAX_TOOLS_LISTED))
      lines.push(t.description ? `  - \`${oneLine(t.name)}\`: ${t.description}` : `  - \`${oneLine(t.name)}\``);
    const more = s.tools.length - MAX_TOOLS_LISTED;
    if (more > 0) lines.push(`  - and ${more} more`);
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
  access: ContractAccess,
  servers: ReadonlyMap<string, ContractServer>,
  revision: number,
): TenantContract {
  const allowed = allowedServers(access, servers);
  const content = {
    tenant: { name: tenant.name, team: tenant.team },
    policy: { mcpServers: { allow: [...access.allow], deny: [...access.deny], reserved: [...access.reserved], tools: toolDecisionsOf(access.tools) } },
    mcp: { servers: allowed.map(contractServerEntry) },
    capabilities: { mcpPolicyEnforced: true as const },
    workspace: { "TOOLS.md": renderToolsMarkdown(tenant, allowed) },
  };
  const contractVersion = hash("sha256", JSON.stringify(content), "hex").slice(0, 16);
  return { version: CONTRACT_FORMAT, contractVersion, revision, ...content };
}

const digest = (text: string) => hash("sha256", text, "base64url").slice(0, 22);

/** contractServerDigest, once per server object (a snapshot's are immutable, and kept while unchanged). */
export function serverDigestOf(server: ContractServer): string {
  let digest = serverDigests.get(server);
  if (digest === undefined) serverDigests.set(server, (digest = contractServerDigest(server)));
  return digest;
}

const serverDigests = new WeakMap<ContractServer, string>();

/** A digest of what a contract says about one server: computed once per server per snapshot. */
export function contractServerDigest(server: ContractServer): string {
  return digest(
    JSON.stringify([
      server.name,
      server.displayName,
      server.shortDescription,
      server.transport,
      server.endpoint,
      server.tools?.map((t) => [t.name, t.sha256, t.description]) ?? null,
      server.previewTools,
    ]),
  );
}

/**
 * A digest of the tenant's own part of its contract: its details, its allow, deny and reserved
 * lists, its tool-level decisions and what it sees of each server those restrict. Equal exactly
 * when everything the contract says is equal, except what it says of the servers it is allowed
 * unrestricted: those are the servers' shared parts (serverDigestOf), which every tenant allowed
 * a server shares and whose revisions are settled once per server (CatalogSnapshot.serverParts).
 * So a change to a server re-fingerprints only the tenants that see it restricted, and a change to
 * a tool a tenant may not use leaves its contract alone.
 */
export function contractFingerprint(tenant: ContractTenant, access: ContractAccess, servers: ReadonlyMap<string, ContractServer> = new Map()): string {
  const decisions = access.tools && access.tools.size > 0 ? access.tools : null;
  const restricted: string[] = [];
  if (decisions)
    for (const name of access.allow) {
      const restriction = decisions.get(name);
      const server = restriction && servers.get(name);
      if (server) restricted.push(`${name}=${contractServerDigest(restrictedServer(server, restriction))}`);
    }
  // The tenant's tool-level decisions are in its contract (policy.mcpServers.tools).
  const tools = decisions ? JSON.stringify(toolDecisionsOf(decisions)) : "";
  return digest(
    `${CONTRACT_RENDERING}\u0000${tenantPartOf(tenant)}\u0000${access.allow.join(",")}\u0000${restricted.join(",")}\u0000${access.deny.join(",")}\u0000${access.reserved.join(",")}\u0000${tools}`,
  );
}

/**
 * contractFingerprint over bytes: the lists are written in place into one scratch buffer and
 * hashed, with no string built per tenant (joining the lists first made most of the garbage a
 * burst's fingerprints left, about a kilobyte a tenant). The bytes hashed are exactly the string
 * contractFingerprint hashes, so the digests are the same (the tests compare the two).
 */
export class ContractFingerprints {
  private scratch = Buffer.alloc(16 * 1024);

  /** Fingerprints of contracts over `servers` (by name): the restricted servers' are read from there. */
  constructor(private readonly servers: ReadonlyMap<string, ContractServer>) {}

  fingerprint(tenant: ContractTenant, access: ContractAccess): string {
    const decisions = access.tools && access.tools.size > 0 ? access.tools : null;
    const prefix = prefixOf(tenant);
    this.ensure(prefix.length, 0);
    this.scratch.set(prefix, 0);
    let at = this.writeList(access.allow, prefix.length);
    if (decisions) {
      let first = true;
      for (const name of access.allow) {
        const restriction = decisions.get(name);
        const server = restriction && this.servers.get(name);
        if (!server) continue;
        if (!first) at = this.writeByte(COMMA, at);
        first = false;
        at = this.writeText(`${name}=${contractServerDigest(restrictedServer(server, restriction))}`, at);
      }
    }
    at = this.writeByte(0, at);
    at = this.writeList(access.deny, at);
    at = this.writeList(access.reserved, at);
    if (decisions) at = this.writeText(JSON.stringify(toolDecisionsOf(decisions)), at);
    return hash("sha256", this.scratch.subarray(0, at), "base64url").slice(0, 22);
  }

  /** Writes the names comma-separated, then the NUL that ends the list; answers where it ended. */
  private writeList(names: readonly string[], at: number): number {
    for (let i = 0; i < names.length; i++) {
      if (i > 0) at = this.writeByte(COMMA, at);
      at = this.writeText(names[i]!, at);
    }
    return this.writeByte(0, at);
  }

  private writeByte(byte: number, at: number): number {
    this.ensure(at + 1, at);
    this.scratch[at] = byte;
    return at + 1;
  }

  private writeText(text: string, at: number): number {
    // UTF-8 takes at most three bytes for each UTF-16 unit.
    this.ensure(at + 3 * text.length, at);
    const out = this.scratch;
    // Server names are ASCII: copied a character at a time, with no call into the encoder per
    // name (tenants deny hundreds); anything else is encoded from the start of the text.
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return at + out.write(text, at, "utf8");
      out[at + i] = code;
    }
    return at + text.length;
  }

  /** Makes room for `bytes` in the scratch buffer, keeping the first `used`. */
  private ensure(bytes: number, used: number) {
    if (bytes <= this.scratch.length) return;
    const larger = Buffer.alloc(2 * bytes);
    larger.set(this.scratch.subarray(0, used));
    this.scratch = larger;
  }
}

const COMMA = 0x2c;

/** The bytes a tenant's fingerprint starts with, once per tenant object. */
const prefixes = new WeakMap<ContractTenant, Uint8Array>();

function prefixOf(tenant: ContractTenant): Uint8Array {
  let prefix = prefixes.get(tenant);
  if (prefix === undefined) prefixes.set(tenant, (prefix = Buffer.from(`${CONTRACT_RENDERING}\u0000${tenantPartOf(tenant)}\u0000`, "utf8")));
  return prefix;
}

/** What a fingerprint says of the tenant itself, once per tenant object (a snapshot's are immutable). */
const tenantParts = new WeakMap<ContractTenant, string>();

function tenantPartOf(tenant: ContractTenant): string {
  let part = tenantParts.get(tenant);
  if (part === undefined) tenantParts.set(tenant, (part = JSON.stringify([tenant.name, tenant.team, tenant.displayName])));
  return part;
}
