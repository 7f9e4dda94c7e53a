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

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

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
  try {
    const parsed = new URL(url);
    const source = parsed.hostname === "github.com" ? "github" : parsed.hostname === "gitlab.com" ? "gitlab" : null;
    return source ? { url, source } : null;
  } catch {
    return null;
  }
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
  const repository = server.repoUrl ? repositoryOf(server.repoUrl) : null;
  if (repository) doc.repository = repository;
  else if (server.repoUrl) doc.websiteUrl = server.repoUrl;
  if (server.icon.startsWith("https://")) doc.icons = [{ src: server.icon }];
  const env = server.env.map(keyValue);
  if (runtime?.type === "remote") {
    const transport = server.transport === "sse" ? "sse" : "streamable-http";
    const headers = runtime.headers.length > 0 ? { headers: runtime.headers.map(keyValue) } : {};
    if (runtime.fixedURL) doc.remotes = [{ type: transport, url: runtime.fixedURL, ...headers }];
    else {
      const url = runtime.urlTemplate ? runtime.urlTemplate.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, "{$1}") : "{url}";
      const variables = runtime.urlTemplate
        ? Object.fromEntries(
            server.env.filter((e) => url.includes(`{${e.key}}`)).map((e) => [e.key, { description: e.description || e.name || e.key, isRequired: e.required, isSecret: e.sensitive }]),
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

/** Every active server as a registry list item, in name order. */
export function registryEntries(servers: readonly McpServer[], namespace: string): RegistryEntry[] {
  return servers
    .filter((s) => s.status === "active" && s.runtime)
    .map((server) => ({
      name: registryNameOf(namespace, server.name),
      updatedAt: server.updatedAt,
      response: {
        server: serverJsonFor(server, namespace),
        _meta: { [OFFICIAL_META]: { status: "active", publishedAt: server.createdAt, updatedAt: server.updatedAt, isLatest: true } },
      },
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
      (!after || e.name > after) &&
      (!needle || e.name.toLowerCase().includes(needle)) &&
      (!query.updatedSince || new Date(e.updatedAt) > query.updatedSince),
  );
  const page = matching.slice(0, limit);
  const more = matching.length > limit;
  return {
    servers: page.map((e) => e.response),
    metadata: { ...(more ? { nextCursor: Buffer.from(page.at(-1)!.name).toString("base64url") } : {}), count: page.length },
  };
}
