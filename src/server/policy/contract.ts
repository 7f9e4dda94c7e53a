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
 * A digest of every input of the tenant's contract, equal exactly when the rendered contract
 * would be: far cheaper than rendering (no TOOLS.md), so it is computed for every tenant at every
 * snapshot to tell whose contract changed. An allowed server counts by its shared digest
 * (`serverDigests`); one the tenant sees restricted by a tool-level decision by the digest of what
 * it sees of it (from `servers`), so a change to a tool it may not use leaves its contract alone.
 */
export function contractFingerprint(
  tenant: ContractTenant,
  access: ContractAccess,
  serverDigests: ReadonlyMap<string, string>,
  servers: ReadonlyMap<string, ContractServer> = new Map(),
): string {
  // A server change re-fingerprints every tenant allowed it: the digests are joined from one
  // scratch array (no array per tenant, and no string per `+=` step), and the tool decisions are
  // looked up only for a tenant that has some.
  const decisions = access.tools && access.tools.size > 0 ? access.tools : null;
  const parts = allowedScratch;
  parts.length = access.allow.length;
  for (let i = 0; i < access.allow.length; i++) {
    const name = access.allow[i]!;
    const restriction = decisions?.get(name);
    const server = restriction && servers.get(name);
    parts[i] = server ? contractServerDigest(restrictedServer(server, restriction)) : (serverDigests.get(name) ?? `?${name}`);
  }
  const allowed = parts.join(",");
  parts.length = 0;
  // The tenant's tool-level decisions are in its contract (policy.mcpServers.tools).
  const tools = decisions ? JSON.stringify(toolDecisionsOf(decisions)) : "";
  return digest(
    `${CONTRACT_RENDERING}\u0000${tenantPartOf(tenant)}\u0000${allowed}\u0000${access.deny.join(",")}\u0000${access.reserved.join(",")}\u0000${tools}`,
  );
}

/**
 * contractFingerprint's digests, computed over bytes: each server's digest is kept once, as bytes
 * at its slot in one table, and a tenant's allowed servers as their slots (once per TenantAccess),
 * so a fingerprint copies bytes and hashes them, and looks up no server by name and builds no
 * string. A server change re-fingerprints every tenant allowed it (hundreds, each allowed ~120
 * servers), and the string way spent most of its time fetching scattered strings from memory.
 * The bytes hashed are exactly the string contractFingerprint hashes, so the digests are the same
 * (the tests compare the two).
 */
export class ContractFingerprints {
  /** Per slot: the server's digest and a comma, DIGEST_BYTES each. */
  private readonly table: DataView;
  /** Per slot: 1 when the table holds a digest there. */
  private readonly known: Uint8Array;
  private digests: Map<string, string> | null = null;
  private scratch = Buffer.alloc(16 * 1024);
  private scratchView = viewOf(this.scratch);

  /**
   * The fingerprints of contracts over `servers` (by name), with each server's digest at its slot
   * in `serverIndex`. With `earlier` (of the same server index), only the servers named in
   * `changed` are looked at: every other is the same object in both maps.
   */
  constructor(
    private readonly servers: ReadonlyMap<string, ContractServer>,
    private readonly serverIndex: ReadonlyMap<string, number>,
    earlier: ContractFingerprints | null = null,
    changed: Iterable<string> = [],
  ) {
    if (earlier && earlier.serverIndex === serverIndex) {
      this.table = viewOf(Buffer.from(new Uint8Array(earlier.table.buffer, earlier.table.byteOffset, earlier.table.byteLength)));
      this.known = earlier.known.slice();
      for (const name of changed) {
        const slot = serverIndex.get(name);
        if (slot !== undefined) this.place(slot, servers.get(name));
      }
      return;
    }
    let slots = 0;
    for (const slot of serverIndex.values()) slots = Math.max(slots, slot + 1);
    this.table = viewOf(Buffer.alloc(slots * DIGEST_BYTES));
    this.known = new Uint8Array(slots);
    for (const [name, slot] of serverIndex) this.place(slot, servers.get(name));
  }

  private place(slot: number, server: ContractServer | undefined) {
    this.known[slot] = 0;
    if (!server || slot * DIGEST_BYTES >= this.table.byteLength) return;
    const digest = serverDigestOf(server);
    // A digest is base64url (one byte a character); any other would not be the bytes hashed.
    if (digest.length !== DIGEST_BYTES - 1 || !/^[A-Za-z0-9_-]*$/.test(digest)) return;
    Buffer.from(this.table.buffer, this.table.byteOffset, this.table.byteLength).write(`${digest},`, slot * DIGEST_BYTES, "latin1");
    this.known[slot] = 1;
  }

  /** Whether its slots are those of `serverIndex`. */
  indexes(serverIndex: ReadonlyMap<string, number>): boolean {
    return this.serverIndex === serverIndex;
  }

  fingerprint(tenant: ContractTenant, access: ContractAccess): string {
    const slots = this.slotsOf(access);
    if (!slots) {
      this.digests ??= new Map([...this.servers].map(([name, server]) => [name, serverDigestOf(server)]));
      return contractFingerprint(tenant, access, this.digests, this.servers);
    }
    const decisions = access.tools && access.tools.size > 0 ? access.tools : null;
    const prefix = prefixOf(tenant);
    // A restricted server's digest takes as many bytes as one from the table.
    this.ensure(prefix.length + slots.length * DIGEST_BYTES + 1, 0);
    const out = this.scratch;
    const view = this.scratchView;
    const table = this.table;
    out.set(prefix, 0);
    let at = prefix.length;
    for (let i = 0; i < slots.length; i++) {
      const restriction = decisions?.get(access.allow[i]!);
      const server = restriction && this.servers.get(access.allow[i]!);
      if (server) {
        at += out.write(contractServerDigest(restrictedServer(server, restriction)), at, "latin1");
        out[at++] = COMMA;
        continue;
      }
      // 23 bytes as five words, a half word and a byte: a tenth of the time of a byte loop.
      const from = slots[i]! * DIGEST_BYTES;
      view.setUint32(at, table.getUint32(from));
      view.setUint32(at + 4, table.getUint32(from + 4));
      view.setUint32(at + 8, table.getUint32(from + 8));
      view.setUint32(at + 12, table.getUint32(from + 12));
      view.setUint32(at + 16, table.getUint32(from + 16));
      view.setUint16(at + 20, table.getUint16(from + 20));
      view.setUint8(at + 22, table.getUint8(from + 22));
      at += DIGEST_BYTES;
    }
    // The last comma is the separator before the deny list; with no server allowed, write one.
    if (slots.length > 0) at--;
    out[at++] = 0;
    // The lists and the decisions are written in place: joining them first made most of the
    // garbage a burst's fingerprints left (about a kilobyte a tenant).
    at = this.writeList(access.deny, at);
    at = this.writeList(access.reserved, at);
    if (decisions) at = this.writeText(JSON.stringify(toolDecisionsOf(decisions)), at);
    return hash("sha256", this.scratch.subarray(0, at), "base64url").slice(0, 22);
  }

  /** Writes the names comma-separated, then the NUL that ends the list; answers where it ended. */
  private writeList(names: readonly string[], at: number): number {
    for (let i = 0; i < names.length; i++) {
      if (i > 0) {
        this.ensure(at + 1, at);
        this.scratch[at++] = COMMA;
      }
      at = this.writeText(names[i]!, at);
    }
    this.ensure(at + 1, at);
    this.scratch[at++] = 0;
    return at;
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
    this.scratchView = viewOf(larger);
  }

  /** The slots of the allowed servers, in the list's order; null if one has no digest here (the string way then says `?name`). */
  private slotsOf(access: ContractAccess): Int32Array | null {
    const memo = allowedSlots.get(access.allow);
    if (memo && memo.serverIndex === this.serverIndex && memo.slots.length === access.allow.length) return memo.slots;
    const slots = new Int32Array(access.allow.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = this.serverIndex.get(access.allow[i]!);
      if (slot === undefined || this.known[slot] !== 1) return null;
      slots[i] = slot;
    }
    allowedSlots.set(access.allow, { serverIndex: this.serverIndex, slots });
    return slots;
  }
}

const viewOf = (bytes: Buffer) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A digest's 22 characters and the comma that follows it. */
const DIGEST_BYTES = 23;
const COMMA = 0x2c;

/** Per allow list (a compiled TenantAccess's, immutable): its servers' slots under one server index. */
const allowedSlots = new WeakMap<readonly string[], { serverIndex: ReadonlyMap<string, number>; slots: Int32Array }>();

/** The bytes a tenant's fingerprint starts with, once per tenant object. */
const prefixes = new WeakMap<ContractTenant, Uint8Array>();

function prefixOf(tenant: ContractTenant): Uint8Array {
  let prefix = prefixes.get(tenant);
  if (prefix === undefined) prefixes.set(tenant, (prefix = Buffer.from(`${CONTRACT_RENDERING}\u0000${tenantPartOf(tenant)}\u0000`, "utf8")));
  return prefix;
}

/** Reused by every contractFingerprint call (synchronous, so never by two at once). */
const allowedScratch: string[] = [];

/** What a fingerprint says of the tenant itself, once per tenant object (a snapshot's are immutable). */
const tenantParts = new WeakMap<ContractTenant, string>();

function tenantPartOf(tenant: ContractTenant): string {
  let part = tenantParts.get(tenant);
  if (part === undefined) tenantParts.set(tenant, (part = JSON.stringify([tenant.name, tenant.team, tenant.displayName])));
  return part;
}
