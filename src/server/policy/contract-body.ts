/**
 * A contract's bytes, assembled from parts shared between tenants: what a contract says about a
 * server (its `mcp.servers` entry and its TOOLS.md section, most of a contract's bytes) is the same
 * in every contract that allows the server, so it is rendered once per server and copied into each
 * body. The bytes equal `JSON.stringify(renderTenantContract(...))` exactly (contract-body.test.ts
 * compares the two over random inputs), so `contractVersion` and every replica's answer agree.
 *
 * A tenant with a tool-level decision on a server (an entry in `TenantAccess.tools`) sees only
 * some of its tools: that server's parts are rendered for the tenant alone (restrictedServer);
 * every other tenant shares them.
 */
import { createHash } from "node:crypto";
import {
  CONTRACT_FORMAT,
  contractServerEntry,
  renderToolsMarkdown,
  renderToolsSection,
  restrictedServer,
  toolDecisionsOf,
  toolsMarkdownHead,
  type ContractAccess,
  type ContractServer,
  type ContractTenant,
} from "./contract";

/** A server's parts of every contract that allows it, as UTF-8 bytes ready to copy. */
export interface ServerParts {
  /** Its `mcp.servers` entry, `{"name":…,"tools":[…],"displayName":…,"transport":…,"endpoint":…}`. */
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
    entry: utf8(JSON.stringify(contractServerEntry(server))),
    section: utf8(escaped(renderToolsSection(server))),
  };
}

/**
 * `JSON.stringify(renderTenantContract(tenant, access, servers, revision))` as bytes, with each
 * allowed server's parts from `partsOf` (which may hand out the same parts to every tenant).
 */
export function renderContractBody(
  tenant: ContractTenant,
  access: ContractAccess,
  servers: ReadonlyMap<string, ContractServer>,
  revision: number,
  partsOf: (server: ContractServer) => ServerParts = serverPartsOf,
): Buffer {
  const parts: ServerParts[] = [];
  for (const name of access.allow) {
    const server = servers.get(name);
    if (!server) continue;
    const tools = access.tools?.get(name);
    parts.push(tools ? serverPartsOf(restrictedServer(server, tools)) : partsOf(server));
  }
  // The content object of renderTenantContract, serialized without its opening brace.
  const content: Buffer[] = [
    utf8(
      `"tenant":${JSON.stringify({ name: tenant.name, team: tenant.team })},"policy":${JSON.stringify({
        mcpServers: { allow: access.allow, deny: access.deny, reserved: access.reserved, tools: toolDecisionsOf(access.tools) },
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
