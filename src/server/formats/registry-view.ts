/**
 * The active catalog in the official MCP Registry format (server.json, API v0.1). Pure.
 *
 * Names: the registry requires reverse-DNS `namespace/name`; a catalog server `github` is
 * `<namespace>/github`, where the namespace is OPENCRANE_REGISTRY_NAMESPACE (default
 * `local.opencrane`). The mapping is one-to-one and never changes for a server, because the
 * catalog name is immutable.
 */
import type { EnvDeclaration, HeaderDeclaration, McpServer } from "../catalog/model";

export const SERVER_JSON_SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
export const OFFICIAL_META = "io.modelcontextprotocol.registry/official";
export const DEFAULT_REGISTRY_NAMESPACE = "local.opencrane";

export const registryNameOf = (namespace: string, name: string) => `${namespace}/${name}`;

/** The catalog name behind a registry name of this namespace, or null. */
export function catalogNameOf(namespace: string, registryName: string): string | null {
  const prefix = `${namespace}/`;
  return registryName.startsWith(prefix) ? registryName.slice(prefix.length) : null;
}

/** A server's version in the registry: its catalog version, as semver (it grows with every change). */
export const registryVersionOf = (server: Pick<McpServer, "version">) => `${server.version}.0.0`;

/** At most `max` characters as JSON Schema counts them (code points), never splitting a pair. */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join("")
        .trimEnd()}…`;
}

/**
 * An absolute URI by RFC 3986 (JSON Schema's `uri` format) with an http(s) scheme, in its
 * normalized form (percent-encoded), or null when it cannot be one.
 */
export function registryUri(value: string): string | null {
  let href: string;
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    href = url.href;
  } catch {
    return null;
  }
  // Brackets are allowed only around an IPv6 host; everything else must be RFC 3986 characters.
  const rest = href.replace(/^https?:\/\/(?:[^@/?#]*@)?(?:\[[0-9A-Fa-f:.]+\])?/, "");
  return RFC3986_CHARS.test(rest) && rest.split("#").length <= 2 ? href : null;
}
const RFC3986_CHARS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*$/;

function keyValue(d: HeaderDeclaration | EnvDeclaration) {
  return {
    name: d.key,
    ...(d.description || d.name ? { description: d.description || d.name } : {}),
    isRequired: d.required,
    isSecret: d.sensitive,
    ...(d.value !== undefined ? { value: d.value } : {}),
  };
}

function repositoryOf(url: string) {
  const uri = registryUri(url);
  if (!uri) return null;
  const host = new URL(uri).hostname;
  const source = host === "github.com" ? "github" : host === "gitlab.com" ? "gitlab" : null;
  return source ? { url: uri, source } : null;
}

function splitNpm(spec: string): { identifier: string; version?: string } {
  const at = spec.lastIndexOf("@");
  return at > 0 ? { identifier: spec.slice(0, at), version: spec.slice(at + 1) } : { identifier: spec };
}

function splitPypi(spec: string): { identifier: string; version?: string } {
  const match = /^(.+?)(?:==|@)(.+)$/.exec(spec);
  return match ? { identifier: match[1]!, version: match[2]! } : { identifier: spec };
}

function splitImage(image: string): { identifier: string; version?: string } {
  const at = image.indexOf("@");
  if (at > 0) return { identifier: image.slice(0, at), version: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? { identifier: image.slice(0, colon), version: image.slice(colon + 1) } : { identifier: image };
}

/** The server.json document of an active catalog server. */
export function serverJsonFor(server: McpServer, namespace: string): Record<string, unknown> {
  const runtime = server.runtime;
  const doc: Record<string, unknown> = {
    $schema: SERVER_JSON_SCHEMA,
    name: registryNameOf(namespace, server.name),
    title: truncate(server.displayName, 100),
    description: truncate(server.shortDescription || server.displayName, 100),
    version: registryVersionOf(server),
  };
  // Optional links the format cannot hold (not an RFC 3986 URI, an icon over 255 characters) are
  // left out; they do not change what the server is.
  const repository = server.repoUrl ? repositoryOf(server.repoUrl) : null;
  const website = server.repoUrl ? registryUri(server.repoUrl) : null;
  if (repository) doc.repository = repository;
  else if (website) doc.websiteUrl = website;
  const icon = server.icon.startsWith("https://") ? registryUri(server.icon) : null;
  if (icon && icon.length <= 255) doc.icons = [{ src: icon }];
  const env = server.env.map(keyValue);
  if (runtime?.type === "remote") {
    const transport = server.transport === "sse" ? "sse" : "streamable-http";
    const headers = runtime.headers.length > 0 ? { headers: runtime.headers.map(keyValue) } : {};
    if (runtime.fixedURL) doc.remotes = [{ type: transport, url: runtime.fixedURL, ...headers }];
    else {
      const url = runtime.urlTemplate ? runtime.urlTemplate.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, "{$1}") : "{url}";
      const variables = runtime.urlTemplate
        ? Object.fromEntries(
            server.env
              .filter((e) => url.includes(`{${e.key}}`))
              .map((e) => [e.key, { description: e.description || e.name || e.key, isRequired: e.required, isSecret: e.sensitive }]),
          )
        : { url: { description: `the server's URL; its host must match ${runtime.hostname}`, isRequired: true } };
      doc.remotes = [{ type: transport, url, ...headers, variables }];
    }
  } else if (runtime?.type === "npx" || runtime?.type === "uvx") {
    const { identifier, version } = runtime.type === "npx" ? splitNpm(runtime.package) : splitPypi(runtime.package);
    doc.packages = [
      {
        registryType: runtime.type === "npx" ? "npm" : "pypi",
        identifier,
        ...(version ? { version } : {}),
        runtimeHint: runtime.type,
        transport: { type: "stdio" },
        ...(runtime.args.length > 0 ? { packageArguments: runtime.args.map((value) => ({ type: "positional", value })) } : {}),
        ...(env.length > 0 ? { environmentVariables: env } : {}),
      },
    ];
  } else if (runtime?.type === "containerized") {
    const { identifier, version } = splitImage(runtime.image);
    doc.packages = [
      {
        registryType: "oci",
        identifier,
        ...(version ? { version } : {}),
        transport: { type: server.transport === "sse" ? "sse" : "streamable-http", url: `http://localhost:${runtime.port}${runtime.path}` },
        ...(runtime.args.length > 0 ? { packageArguments: runtime.args.map((value) => ({ type: "positional", value })) } : {}),
        ...(env.length > 0 ? { environmentVariables: env } : {}),
      },
    ];
  }
  return doc;
}

export interface RegistryEntry {
  name: string;
  updatedAt: string;
  response: { server: Record<string, unknown>; _meta: Record<string, unknown> };
}

/** An active server the view leaves out, and why: it has no valid server.json. */
export interface RegistryExclusion {
  /** The catalog name. */
  name: string;
  registryName: string;
  reasons: string[];
}

export interface RegistryView {
  entries: RegistryEntry[];
  excluded: RegistryExclusion[];
}

/** Where a server stands in the view: in it, or left out for these reasons. */
export type RegistryStanding =
  { included: true; registryName: string; server: Record<string, unknown> } | { included: false; registryName: string; reasons: string[] };

/**
 * The server.json of a server, or why it cannot have a valid one. Built, then checked against the
 * official schema's rules (reference/mcp-registry: server.schema.json 2025-09-29 and the v0.1
 * OpenAPI), so that no path can put an invalid document in the view.
 */
export function registryStandingOf(server: McpServer, namespace: string): RegistryStanding {
  const registryName = registryNameOf(namespace, server.name);
  if (!server.runtime) return { included: false, registryName, reasons: ["it has no runtime"] };
  const doc = serverJsonFor(server, namespace);
  const reasons = serverJsonProblems(doc);
  return reasons.length > 0 ? { included: false, registryName, reasons } : { included: true, registryName, server: doc };
}

/** Every active server as a registry list item, in name order, and the active servers left out. */
export function registryView(servers: readonly McpServer[], namespace: string): RegistryView {
  const entries: RegistryEntry[] = [];
  const excluded: RegistryExclusion[] = [];
  for (const server of servers) {
    if (server.status !== "active" || !server.runtime) continue;
    const standing = registryStandingOf(server, namespace);
    if (!standing.included) {
      excluded.push({ name: server.name, registryName: standing.registryName, reasons: standing.reasons });
      continue;
    }
    entries.push({
      name: standing.registryName,
      updatedAt: server.updatedAt,
      response: {
        server: standing.server,
        _meta: { [OFFICIAL_META]: { status: "active", publishedAt: server.createdAt, updatedAt: server.updatedAt, isLatest: true } },
      },
    });
  }
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { entries: entries.sort(byName), excluded: excluded.sort(byName) };
}

/** Every active server that the view can express, as registry list items in name order. */
export function registryEntries(servers: readonly McpServer[], namespace: string): RegistryEntry[] {
  return registryView(servers, namespace).entries;
}

// ---------------------------------------------------------------------------------------------
// The official schema's rules, as problems a reader can act on.

const REGISTRY_NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
/** StreamableHttpTransport / SseTransport `url` in the v0.1 OpenAPI. */
const TRANSPORT_URL = /^(https?:\/\/[^\s]+|\{[a-zA-Z_][a-zA-Z0-9_]*\}[^\s]*)$/;
const codePoints = (text: string) => Array.from(text).length;

/** Why a version is not a specific one ("Version ranges are rejected", `latest` is forbidden), or null. */
export function unpinnedVersionReason(version: string | undefined): "missing" | "latest" | "range" | null {
  if (version === undefined || version === "") return "missing";
  if (version.toLowerCase() === "latest") return "latest";
  if (/^[\^~<>=]|[*\s|]|(^|\.)[xX](\.|$)/.test(version)) return "range";
  return null;
}

function packageProblems(pkg: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const identifier = String(pkg.identifier ?? "");
  const version = typeof pkg.version === "string" ? pkg.version : undefined;
  const image = pkg.registryType === "oci";
  switch (unpinnedVersionReason(version)) {
    case "missing":
      problems.push(image ? `image ${identifier} has no tag: not a pinned version` : `package ${identifier} is not pinned to a version`);
      break;
    case "latest":
      problems.push(
        image ? `image tag latest is not a pinned version (${identifier}:${version})` : `package version latest is not a pinned version (${identifier})`,
      );
      break;
    case "range":
      problems.push(`${image ? "image tag" : "package version"} '${version}' is a range, not a pinned version (${identifier})`);
      break;
  }
  if (!identifier) problems.push("the package has no identifier");
  const transport = pkg.transport as { type?: string; url?: string } | undefined;
  if (transport?.url !== undefined) problems.push(...transportUrlProblems(transport.type!, transport.url, "the package's transport URL"));
  return problems;
}

function transportUrlProblems(type: string, url: string, what: string): string[] {
  if (!TRANSPORT_URL.test(url)) return [`${what} '${url}' must start with http://, https:// or a {variable} and contain no spaces`];
  // server.schema.json 2025-09-29 also requires an SSE URL to be an absolute URI (no template).
  if (type === "sse" && registryUri(url) !== url) return [`${what} '${url}' must be an absolute URI for SSE, without variables`];
  return [];
}

/** Why a server.json document this view built would not validate against the official schemas. */
export function serverJsonProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const name = String(doc.name ?? "");
  if (!REGISTRY_NAME.test(name) || name.length < 3 || name.length > 200) {
    problems.push(`registry name '${name}' must be namespace/name of letters, digits, '.', '-' and '_', 3 to 200 characters`);
  }
  for (const field of ["description", "title"] as const) {
    const text = doc[field];
    if (typeof text === "string" && (codePoints(text) < 1 || codePoints(text) > 100)) problems.push(`${field} must be 1 to 100 characters`);
  }
  const version = String(doc.version ?? "");
  if (version.length > 255 || unpinnedVersionReason(version)) problems.push(`version '${version}' is not a specific version`);
  for (const pkg of (doc.packages as Record<string, unknown>[] | undefined) ?? []) problems.push(...packageProblems(pkg));
  for (const remote of (doc.remotes as { type: string; url: string; headers?: unknown[] }[] | undefined) ?? []) {
    problems.push(...transportUrlProblems(remote.type, remote.url, "the remote URL"));
  }
  return problems;
}

export interface RegistryPageQuery {
  cursor?: string | null;
  limit?: number;
  search?: string | null;
  updatedSince?: Date | null;
}

/** One page of the list, with an opaque cursor (the last name, base64url) to the next. */
export function registryPage(entries: readonly RegistryEntry[], query: RegistryPageQuery) {
  const limit = Math.min(Math.max(query.limit ?? 30, 1), 100);
  const after = query.cursor ? Buffer.from(query.cursor, "base64url").toString("utf8") : null;
  const needle = query.search?.toLowerCase();
  const matching = entries.filter(
    (e) =>
      (!after || e.name > after) && (!needle || e.name.toLowerCase().includes(needle)) && (!query.updatedSince || new Date(e.updatedAt) > query.updatedSince),
  );
  const page = matching.slice(0, limit);
  const more = matching.length > limit;
  return {
    servers: page.map((e) => e.response),
    metadata: { ...(more ? { nextCursor: Buffer.from(page.at(-1)!.name).toString("base64url") } : {}), count: page.length },
  };
}
