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
import { canonicalizeKeys, isPlainObject } from "./keys";

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

type ServerForEntry = Pick<ServerSpec, Exclude<keyof ServerSpec, "runtime">> & { name: string; runtime: Runtime };

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

/** The exact entry the Obot feed serves for a server. Key order follows Obot's own catalog files. */
export function obotEntryFor(server: ServerForEntry): ObotEntry {
  const metadata: Record<string, string> = {};
  if (server.categories.length > 0) metadata.categories = server.categories.join(", ");
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

const ENTRY_KEYS = [
  "name",
  "entryKey",
  "serverUserType",
  "shortDescription",
  "description",
  "metadata",
  "icon",
  "repoURL",
  "toolPreview",
  "runtime",
  "uvxConfig",
  "npxConfig",
  "containerizedConfig",
  "remoteConfig",
  "compositeConfig",
  "multiUserConfig",
  "env",
] as const;
const HEADER_KEYS = ["key", "name", "description", "required", "sensitive", "prefix", "value"] as const;
const ENV_KEYS = ["key", "name", "description", "required", "sensitive", "value", "file", "dynamicFile"] as const;
const TOOL_KEYS = ["id", "name", "description", "params"] as const;
const EGRESS_KEYS = ["egressDomains", "denyAllEgress"] as const;
const CONFIG_KEYS: Record<ObotRuntime, readonly string[]> = {
  remote: ["fixedURL", "hostname", "urlTemplate", "headers", "staticOAuthRequired"],
  npx: ["package", "args", ...EGRESS_KEYS],
  uvx: ["package", "command", "args", ...EGRESS_KEYS],
  containerized: ["image", "port", "path", "command", "args", ...EGRESS_KEYS],
};

export type ParsedDocument =
  | { ok: true; input: ServerCreateInput; provenance: Provenance; warnings: string[] }
  | { ok: false; name: string | null; errors: string[] };

/** True when a document looks like an Obot entry rather than a server.json. */
export function looksLikeObotEntry(doc: Record<string, unknown>): boolean {
  const keys = new Set(Object.keys(doc).map((k) => k.toLowerCase()));
  return (
    typeof doc.runtime === "string" ||
    ["entrykey", "shortdescription", "remoteconfig", "containerizedconfig", "npxconfig", "uvxconfig", "serverusertype"].some(
      (k) => keys.has(k),
    )
  );
}

function stringMap(value: unknown, where: string, errors: string[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    errors.push(`${where}: must be a map of strings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else errors.push(`${where}.${k}: must be a string`);
  }
  return out;
}

function listOfObjects(
  value: unknown,
  known: readonly string[],
  where: string,
  warnings: string[],
  errors: string[],
): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push(`${where}: must be a list`);
    return [];
  }
  return value.flatMap((item, i) => {
    if (!isPlainObject(item)) {
      errors.push(`${where}[${i}]: must be an object`);
      return [];
    }
    return [canonicalizeKeys(item, known, `${where}[${i}].`, warnings)];
  });
}

export function parseObotEntry(doc: unknown): ParsedDocument {
  if (!isPlainObject(doc)) return { ok: false, name: null, errors: ["an Obot catalog entry must be an object"] };
  const warnings: string[] = [];
  const errors: string[] = [];
  const entry = canonicalizeKeys(doc, ENTRY_KEYS, "", warnings);

  const displayName = typeof entry.name === "string" ? entry.name : "";
  const entryKey = typeof entry.entryKey === "string" && entry.entryKey !== "" ? entry.entryKey : undefined;
  const name = entryKey ?? sanitizeObotName(displayName);
  if (!displayName) errors.push("name: an Obot entry needs a name (it becomes the display name)");

  if (entry.runtime === "composite" || entry.compositeConfig !== undefined) {
    errors.push("runtime: composite entries are not supported; import each component server instead");
  }
  if (entry.multiUserConfig !== undefined) warnings.push("multiUserConfig: not supported by the catalog; ignored");

  const runtimeType = entry.runtime;
  let runtime: Record<string, unknown> | null = null;
  if (runtimeType === "remote" || runtimeType === "npx" || runtimeType === "uvx" || runtimeType === "containerized") {
    const configKey = `${runtimeType}Config`;
    const config = entry[configKey];
    if (!isPlainObject(config)) {
      errors.push(`${configKey}: required when runtime is ${runtimeType}`);
    } else {
      runtime = { type: runtimeType, ...canonicalizeKeys(config, CONFIG_KEYS[runtimeType], `${configKey}.`, warnings) };
      if (runtimeType === "remote") {
        runtime.headers = listOfObjects(runtime.headers, HEADER_KEYS, "remoteConfig.headers", warnings, errors);
      }
    }
    for (const other of ["remote", "npx", "uvx", "containerized"] as const) {
      if (other !== runtimeType && entry[`${other}Config`] !== undefined) {
        warnings.push(`${other}Config: ignored because runtime is ${runtimeType}`);
      }
    }
  } else if (entry.runtime !== "composite") {
    errors.push(`runtime: must be one of remote, npx, uvx, containerized (got ${JSON.stringify(entry.runtime ?? null)})`);
  }

  const { categories: categoryList, ...metadata } = stringMap(entry.metadata, "metadata", errors);
  const categories = (categoryList ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);

  if (errors.length > 0) return { ok: false, name: name || null, errors };

  const input: ServerCreateInput = {
    name,
    displayName,
    shortDescription: entry.shortDescription as string | undefined,
    description: entry.description as string | undefined,
    icon: entry.icon as string | undefined,
    repoUrl: entry.repoURL as string | undefined,
    serverUserType: entry.serverUserType as ServerCreateInput["serverUserType"],
    categories,
    metadata,
    env: listOfObjects(entry.env, ENV_KEYS, "env", warnings, errors) as ServerCreateInput["env"],
    toolPreview: listOfObjects(entry.toolPreview, TOOL_KEYS, "toolPreview", warnings, errors) as ServerCreateInput["toolPreview"],
    runtime: runtime as ServerCreateInput["runtime"],
  };
  if (errors.length > 0) return { ok: false, name, errors };
  return { ok: true, input, provenance: { format: "obot-entry", upstreamName: entryKey ?? displayName }, warnings };
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
