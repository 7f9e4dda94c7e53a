/**
 * A contract's bytes, assembled from parts shared between tenants: what a contract says about a
 * server (its `mcp.servers` entry and its TOOLS.md section, most of a contract's bytes) is the same
 * in every contract that allows the server, so it is rendered once per server and copied into each
 * body. The bytes equal `JSON.stringify(renderTenantContract(...))` exactly (contract-body.test.ts
 * compares the two over random inputs), so `contractVersion` and every replica's answer agree.
 */
import { createHash } from "node:crypto";
import type { TenantAccess } from "./compile";
import { CONTRACT_FORMAT, renderToolsSection, toolsMarkdownHead, renderToolsMarkdown, type ContractServer, type ContractTenant } from "./contract";

/** A server's parts of every contract that allows it, as UTF-8 bytes ready to copy. */
export interface ServerParts {
  /** Its `mcp.servers` entry, `{"name":…,"displayName":…,"transport":…,"endpoint":…}`. */
  entry: Buffer;
  /** Its TOOLS.md section, escaped as inside a JSON string (without the quotes). */
  section: Buffer;
}

const utf8 = (text: string) => Buffer.from(text, "utf8");
/** JSON escapes a string character by character: escaping the pieces and joining them equals escaping the whole. */
const escaped = (text: string) => JSON.stringify(text).slice(1, -1);

const COMMA = utf8(",");
const SECTION_BREAK = utf8(escaped("\n\n"));
const TOOLS_END = utf8(`${escaped("\n")}"}}`);

export function serverPartsOf(server: ContractServer): ServerParts {
  return {
    entry: utf8(JSON.stringify({ name: server.name, displayName: server.displayName, transport: server.transport, endpoint: server.endpoint })),
    section: utf8(escaped(renderToolsSection(server))),
  };
}

/**
 * `JSON.stringify(renderTenantContract(tenant, access, servers, revision))` as bytes, with each
 * allowed server's parts from `partsOf` (which may hand out the same parts to every tenant).
 */
export function renderContractBody(
  tenant: ContractTenant,
  access: Pick<TenantAccess, "allow" | "deny" | "reserved">,
  servers: ReadonlyMap<string, ContractServer>,
  revision: number,
  partsOf: (server: ContractServer) => ServerParts = serverPartsOf,
): Buffer {
  const allowed = access.allow.map((name) => servers.get(name)).filter((s): s is ContractServer => s !== undefined);
  const parts = allowed.map(partsOf);
  // The content object of renderTenantContract, serialized without its opening brace.
  const content: Buffer[] = [
    utf8(
      `"tenant":${JSON.stringify({ name: tenant.name, team: tenant.team })},"policy":${JSON.stringify({
        mcpServers: { allow: access.allow, deny: access.deny, reserved: access.reserved },
      })},"mcp":{"servers":[`,
    ),
  ];
  parts.forEach((part, i) => {
    if (i > 0) content.push(COMMA);
    content.push(part.entry);
  });
  content.push(utf8(`]},"capabilities":{"mcpPolicyEnforced":true},"workspace":{"TOOLS.md":"`));
  if (parts.length === 0) {
    content.push(utf8(`${escaped(renderToolsMarkdown(tenant, []))}"}}`));
  } else {
    content.push(utf8(escaped(toolsMarkdownHead(tenant, parts.length))));
    parts.forEach((part, i) => {
      if (i > 0) content.push(SECTION_BREAK);
      content.push(part.section);
    });
    content.push(TOOLS_END);
  }
  const hash = createHash("sha256").update("{");
  for (const chunk of content) hash.update(chunk);
  const contractVersion = hash.digest("hex").slice(0, 16);
  const head = utf8(`{"version":${JSON.stringify(CONTRACT_FORMAT)},"contractVersion":"${contractVersion}","revision":${JSON.stringify(revision)},`);
  return Buffer.concat([head, ...content]);
}
