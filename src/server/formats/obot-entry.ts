/**
 * Obot's catalog entry format (MCPServerCatalogEntryManifest), both ways: the entry the feed serves
 * for a server, and the server an imported entry describes. Pure functions.
 */
import {
  sanitizeObotName,
  type EnvDeclaration,
  type HeaderDeclaration,
  type Runtime,
  type Provenance,
  type ServerCreateInput,
  type ServerSpec,
} from "../catalog/model";
import { decodeAs, go, type DecodeReport, type GoType } from "./go-decode";
import { isPlainObject } from "./keys";

export type ObotRuntime = "remote" | "npx" | "uvx" | "containerized";

export interface ObotHeader {
  key: string;
  name?: string;
  description?: string;
  required: boolean;
  sensitive: boolean;
  prefix?: string;
  value?: string;
}

export interface ObotEnv extends Omit<ObotHeader, "prefix"> {
  file?: boolean;
  dynamicFile?: boolean;
}

export interface ObotTool {
  id?: string;
  name: string;
  description?: string;
  params?: Record<string, string>;
}

export interface ObotEntry {
  name: string;
  entryKey: string;
  serverUserType: string;
  shortDescription: string;
  description: string;
  metadata?: Record<string, string>;
  icon: string;
  repoURL?: string;
  env?: ObotEnv[];
  runtime: ObotRuntime;
  remoteConfig?: {
    fixedURL?: string;
    hostname?: string;
    urlTemplate?: string;
    headers?: ObotHeader[];
    staticOAuthRequired?: boolean;
  };
  npxConfig?: { package: string; args?: string[]; egressDomains?: string[]; denyAllEgress?: boolean };
  uvxConfig?: { package: string; command?: string; args?: string[]; egressDomains?: string[]; denyAllEgress?: boolean };
  containerizedConfig?: {
    image: string;
    port: number;
    path: string;
    command?: string;
    args?: string[];
    egressDomains?: string[];
    denyAllEgress?: boolean;
  };
  toolPreview?: ObotTool[];
}

type ServerForEntry = Pick<ServerSpec, Exclude<keyof ServerSpec, "runtime">> & {
  name: string;
  runtime: Runtime;
  provenance?: Provenance | null;
};

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function headerOut(h: HeaderDeclaration): ObotHeader {
  return definedOnly({
    key: h.key,
    name: h.name,
    description: h.description,
    required: h.required,
    sensitive: h.sensitive,
    prefix: h.prefix,
    value: h.value,
  });
}

function envOut(e: EnvDeclaration): ObotEnv {
  return definedOnly({
    key: e.key,
    name: e.name,
    description: e.description,
    required: e.required,
    sensitive: e.sensitive,
    value: e.value,
    file: e.file ? true : undefined,
    dynamicFile: e.dynamicFile,
  });
}

const nonEmpty = <T>(list: T[] | undefined) => (list && list.length > 0 ? list : undefined);

function runtimeConfig(runtime: Runtime): Partial<ObotEntry> {
  switch (runtime.type) {
    case "remote":
      return {
        remoteConfig: definedOnly({
          fixedURL: runtime.fixedURL,
          hostname: runtime.hostname,
          urlTemplate: runtime.urlTemplate,
          headers: nonEmpty(runtime.headers.map(headerOut)),
          staticOAuthRequired: runtime.staticOAuthRequired,
        }),
      };
    case "npx":
      return {
        npxConfig: definedOnly({
          package: runtime.package,
          args: nonEmpty(runtime.args),
          egressDomains: runtime.egressDomains,
          denyAllEgress: runtime.denyAllEgress,
        }),
      };
    case "uvx":
      return {
        uvxConfig: definedOnly({
          package: runtime.package,
          command: runtime.command || undefined,
          args: nonEmpty(runtime.args),
          egressDomains: runtime.egressDomains,
          denyAllEgress: runtime.denyAllEgress,
        }),
      };
    case "containerized":
      return {
        containerizedConfig: definedOnly({
          image: runtime.image,
          port: runtime.port,
          path: runtime.path,
          command: runtime.command || undefined,
          args: nonEmpty(runtime.args),
          egressDomains: runtime.egressDomains,
          denyAllEgress: runtime.denyAllEgress,
        }),
      };
  }
}

/** The categories as the imported entry wrote them while they still say the same; else joined. */
function categoriesText(server: ServerForEntry): string {
  const given = server.provenance?.categoriesText;
  if (given !== undefined) {
    const list = splitCategories(given);
    if (list.length === server.categories.length && list.every((c, i) => c === server.categories[i])) return given;
  }
  return server.categories.join(", ");
}

/** The exact entry the Obot feed serves for a server. Key order follows Obot's own catalog files. */
export function obotEntryFor(server: ServerForEntry): ObotEntry {
  const metadata: Record<string, string> = {};
  if (server.categories.length > 0) metadata.categories = categoriesText(server);
  Object.assign(metadata, server.metadata);
  return definedOnly({
    name: server.displayName,
    entryKey: server.name,
    serverUserType: server.serverUserType,
    shortDescription: server.shortDescription,
    description: server.description,
    metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
    icon: server.icon,
    repoURL: server.repoUrl || undefined,
    env: nonEmpty(server.env.map(envOut)),
    runtime: server.runtime.type,
    ...runtimeConfig(server.runtime),
    toolPreview: nonEmpty(server.toolPreview),
  });
}

// ---------------------------------------------------------------------------------------------
// Import: an Obot entry → the create input of a server.

const RUNTIMES = ["remote", "npx", "uvx", "containerized"] as const;
const str = go.string;
const HEADER_FIELDS: Record<string, GoType> = {
  name: str,
  description: str,
  key: str,
  value: str,
  sensitive: go.bool,
  required: go.bool,
  prefix: str,
  options: go.ignored("value options are not carried by the catalog", go.list(go.struct({ name: str, value: str, description: str }))),
  secretBinding: go.ignored("secret bindings are set up in Obot, not carried by the catalog", go.struct({ name: str, key: str, adminAdded: go.bool })),
};
const STARTUP = { startupTimeoutSeconds: go.ignored("the startup timeout is not carried by the catalog", go.int) };
const EGRESS = { egressDomains: go.list(str), denyAllEgress: go.bool };

/** The Go types Obot decodes an entry into (apiclient/types/mcpserver.go), as far as import reads them. */
const CONFIG_TYPES: Record<ObotRuntime, GoType> = {
  uvx: go.struct({ package: str, command: str, args: go.list(str), ...EGRESS, ...STARTUP }),
  npx: go.struct({ package: str, args: go.list(str), ...EGRESS, ...STARTUP }),
  containerized: go.struct({
    image: str,
    command: str,
    args: go.list(str),
    port: go.int,
    path: str,
    healthzPath: go.ignored("the readiness path is not carried by the catalog", str),
    ...EGRESS,
    ...STARTUP,
  }),
  remote: go.struct({
    fixedURL: str,
    tunnelName: go.ignored("tunnels are set up in Obot, not carried by the catalog", str),
    urlTemplate: str,
    hostname: str,
    headers: go.list(go.struct(HEADER_FIELDS)),
    staticOAuthRequired: go.bool,
  }),
};
const ENTRY_TYPE = go.struct({
  metadata: go.stringMap,
  entryKey: str,
  name: str,
  shortDescription: str,
  description: str,
  icon: str,
  repoURL: str,
  toolPreview: go.list(
    go.struct({
      id: str,
      name: str,
      description: str,
      params: go.stringMap,
      credentials: go.ignored("tool credentials are not carried by the catalog", go.list(str)),
      enabled: go.ignored("tool enablement is not carried by the catalog", go.bool),
      unsupported: go.ignored("tool support flags are not carried by the catalog", go.bool),
    }),
  ),
  runtime: str,
  uvxConfig: CONFIG_TYPES.uvx,
  npxConfig: CONFIG_TYPES.npx,
  containerizedConfig: CONFIG_TYPES.containerized,
  remoteConfig: CONFIG_TYPES.remote,
  compositeConfig: go.raw,
  multiUserConfig: go.raw,
  serverUserType: str,
  // MCPEnv embeds MCPHeader: its fields are promoted, which changes how YAML scalars are read.
  env: go.list(go.struct({ ...go.promoted(HEADER_FIELDS), file: go.bool, dynamicFile: go.bool })),
  resources: go.ignored("resource requests and limits are not carried by the catalog"),
});

interface DecodedEntry {
  metadata?: Record<string, string>;
  entryKey?: string;
  name?: string;
  shortDescription?: string;
  description?: string;
  icon?: string;
  repoURL?: string;
  toolPreview?: Record<string, unknown>[];
  runtime?: string;
  compositeConfig?: unknown;
  multiUserConfig?: unknown;
  serverUserType?: string;
  env?: Record<string, unknown>[];
  [config: `${string}Config`]: unknown;
}

export type ParsedDocument =
  { ok: true; input: ServerCreateInput; provenance: Provenance; warnings: string[] } | { ok: false; name: string | null; errors: string[] };

/** True when a document looks like an Obot entry rather than a server.json. */
export function looksLikeObotEntry(doc: Record<string, unknown>): boolean {
  const keys = new Set(Object.keys(doc).map((k) => k.toLowerCase()));
  return (
    Object.entries(doc).some(([k, v]) => k.toLowerCase() === "runtime" && typeof v === "string") ||
    ["entrykey", "shortdescription", "remoteconfig", "containerizedconfig", "npxconfig", "uvxconfig", "serverusertype"].some((k) => keys.has(k))
  );
}

/** Obot's comma-separated `metadata.categories` as a list. */
export function splitCategories(text: string): string[] {
  return text
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
}

/**
 * Reads an entry exactly as Obot's decoder does (see go-decode.ts): what Obot would load imports,
 * and every normalization (a key's case, a coerced scalar, an empty value) is a warning.
 */
export function parseObotEntry(doc: unknown): ParsedDocument {
  if (!isPlainObject(doc)) return { ok: false, name: null, errors: ["an Obot catalog entry must be an object"] };
  const report: DecodeReport = { warnings: [], errors: [] };
  const { warnings, errors } = report;
  const entry = (decodeAs(doc, ENTRY_TYPE, "", report) ?? {}) as DecodedEntry;

  const displayName = entry.name ?? "";
  const entryKey = entry.entryKey || undefined;
  const name = entryKey ?? sanitizeObotName(displayName);
  if (!displayName) errors.push("name: an Obot entry needs a name (it becomes the display name)");

  if (entry.runtime === "composite" || entry.compositeConfig !== undefined) {
    errors.push("runtime: composite entries are not supported; import each component server instead");
  }
  if (entry.multiUserConfig !== undefined) warnings.push("multiUserConfig: not supported by the catalog; ignored");

  const runtimeType = entry.runtime;
  let runtime: Record<string, unknown> | null = null;
  if (runtimeType === "remote" || runtimeType === "npx" || runtimeType === "uvx" || runtimeType === "containerized") {
    const configKey = `${runtimeType}Config` as const;
    const config = entry[configKey];
    if (!isPlainObject(config)) errors.push(`${configKey}: required when runtime is ${runtimeType}`);
    else runtime = { type: runtimeType, ...config };
    for (const other of RUNTIMES) {
      if (other !== runtimeType && entry[`${other}Config`] !== undefined) {
        warnings.push(`${other}Config: ignored because runtime is ${runtimeType}`);
      }
    }
  } else if (entry.runtime !== "composite") {
    errors.push(`runtime: must be one of remote, npx, uvx, containerized (got ${JSON.stringify(entry.runtime ?? null)})`);
  }

  // The categories list is what the catalog works with; the text is kept so the feed can serve
  // it back byte-equal while the list is unchanged.
  const { categories: categoriesText, ...metadata } = entry.metadata ?? {};
  const categories = splitCategories(categoriesText ?? "");

  if (errors.length > 0) return { ok: false, name: name || null, errors };

  const input: ServerCreateInput = {
    name,
    displayName,
    shortDescription: entry.shortDescription,
    description: entry.description,
    icon: entry.icon,
    repoUrl: entry.repoURL,
    serverUserType: entry.serverUserType as ServerCreateInput["serverUserType"],
    categories,
    metadata,
    env: (entry.env ?? []) as ServerCreateInput["env"],
    toolPreview: (entry.toolPreview ?? []) as ServerCreateInput["toolPreview"],
    runtime: runtime as ServerCreateInput["runtime"],
  };
  const provenance: Provenance = { format: "obot-entry", upstreamName: entryKey ?? displayName };
  if (categoriesText !== undefined && categories.length > 0) provenance.categoriesText = categoriesText;
  return { ok: true, input, provenance, warnings };
}

/** Names a validation error of the catalog model by the Obot entry field it came from. */
export function obotFieldFor(path: string, runtimeType: string | undefined): string {
  const [head, ...rest] = path.split(".");
  const tail = rest.length > 0 ? `.${rest.join(".")}` : "";
  switch (head) {
    case "name":
      return "entryKey";
    case "displayName":
      return "name";
    case "repoUrl":
      return "repoURL";
    case "categories":
      return "metadata.categories";
    case "runtime":
      return runtimeType ? `${runtimeType}Config${tail}` : `runtime${tail}`;
    default:
      return path;
  }
}
