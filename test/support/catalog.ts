/** Catalog data for tests: servers as the catalog holds them, and entries as upstream publishes them. */
import type { McpServer, ServerSpec } from "@/server/catalog/model";

/** A remote server's spec at `endpoint`, every optional field empty. */
export function remoteSpec(endpoint: string, over: Partial<ServerSpec> = {}): ServerSpec {
  return {
    displayName: "",
    shortDescription: "",
    description: "",
    transport: "streamable-http",
    endpoint,
    runtime: { type: "remote", fixedURL: endpoint, headers: [] },
    package: null,
    env: [],
    serverUserType: "singleUser",
    scope: "org",
    ownerTenant: null,
    capabilities: [],
    categories: [],
    icon: "",
    repoUrl: "",
    toolPreview: [],
    metadata: {},
    ...over,
  };
}

/** A draft server named `name` with `spec`, created by "test" at the start of 2026. */
export function catalogServer(name: string, spec: ServerSpec, over: Partial<McpServer> = {}): McpServer {
  return {
    id: name,
    name,
    ...spec,
    status: "draft",
    statusReason: null,
    sourceId: null,
    provenance: null,
    overrides: [],
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    createdBy: "test",
    updatedBy: "test",
    ...over,
  };
}

/** An Obot catalog entry as upstream publishes it under `key`. */
export const obotEntry = (key: string, over: Record<string, unknown> = {}) => ({
  name: key.replace(/^./, (c) => c.toUpperCase()),
  entryKey: key,
  shortDescription: `Searches ${key}.`,
  description: `The ${key} index.`,
  runtime: "remote",
  remoteConfig: { fixedURL: `https://${key}.example.com/mcp` },
  ...over,
});
