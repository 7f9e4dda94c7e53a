/**
 * The MCP Registry server.json format (camelCase, schemas 2025-09-29 to 2025-12-11) and how a
 * server.json maps onto a catalog server that Obot can run. Pure functions.
 */
import { z } from "zod";
import type { EnvDeclaration, HeaderDeclaration, PackageProvenance, ServerCreateInput } from "../catalog/model";
import type { ParsedDocument } from "./obot-entry";
import { isPlainObject } from "./keys";

const VERSION_RANGE = /^[\^~><=*]|(^|\.)[x*](\.|$)|\s-\s|\|\|/i;

const inputSchema = z.object({
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.enum(["string", "number", "boolean", "filepath"]).optional(),
  value: z.string().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
});

const keyValueInputSchema = inputSchema.extend({
  name: z.string().min(1, "name is required"),
  variables: z.record(z.string(), inputSchema).optional(),
});

const argumentSchema = inputSchema.extend({
  type: z.enum(["positional", "named"], { error: "argument type must be positional or named" }),
  name: z.string().optional(),
  valueHint: z.string().optional(),
  isRepeated: z.boolean().optional(),
  variables: z.record(z.string(), inputSchema).optional(),
});

const urlPattern = /^(https?:\/\/[^\s]+|\{[a-zA-Z_][a-zA-Z0-9_]*\}[^\s]*)$/;

const transportSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("stdio") }),
    z.object({
      type: z.literal("streamable-http"),
      url: z.string().regex(urlPattern, "url must start with http://, https:// or a {variable}"),
      headers: z.array(keyValueInputSchema).optional(),
    }),
    z.object({
      type: z.literal("sse"),
      url: z.string().regex(urlPattern, "url must start with http://, https:// or a {variable}"),
      headers: z.array(keyValueInputSchema).optional(),
    }),
  ],
  { error: "transport type must be stdio, streamable-http or sse" },
);

const packageSchema = z.object({
  registryType: z.string().min(1, "registryType is required"),
  registryBaseUrl: z.string().optional(),
  identifier: z.string().min(1, "identifier is required"),
  version: z
    .string()
    .min(1)
    .max(255)
    .refine((v) => v !== "latest", "package version 'latest' is not allowed: pin an exact version")
    .refine((v) => !VERSION_RANGE.test(v), {
      error: (iss) => `package version '${String(iss.input)}' is a range: pin an exact version`,
    })
    .optional(),
  fileSha256: z
    .string()
    .regex(/^[a-f0-9]{64}$/, "fileSha256 must be 64 lowercase hex digits")
    .optional(),
  runtimeHint: z.string().optional(),
  transport: transportSchema,
  runtimeArguments: z.array(argumentSchema).optional(),
  packageArguments: z.array(argumentSchema).optional(),
  environmentVariables: z.array(keyValueInputSchema).optional(),
});

const remoteSchema = z.object({
  type: z.enum(["streamable-http", "sse"], { error: "remote type must be streamable-http or sse" }),
  url: z.string().regex(urlPattern, "url must start with http://, https:// or a {variable}"),
  headers: z.array(keyValueInputSchema).optional(),
  variables: z.record(z.string(), inputSchema).optional(),
});

export const serverJsonSchema = z.object({
  $schema: z.string().optional(),
  name: z
    .string({ error: "name is required (reverse-DNS 'namespace/name', e.g. 'io.github.user/weather')" })
    .min(3, "name must be at least 3 characters")
    .max(200, "name must be at most 200 characters")
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, {
      error: (iss) => `name '${String(iss.input)}' must be 'namespace/name' with exactly one '/', e.g. 'io.github.user/weather'`,
    }),
  description: z.string({ error: "description is required" }).min(1, "description is required").max(100, "description must be at most 100 characters"),
  version: z
    .string({ error: "version is required" })
    .min(1, "version is required")
    .max(255)
    .refine((v) => v !== "latest" && !VERSION_RANGE.test(v), "version must be a specific version, not 'latest' or a range"),
  title: z.string().min(1).max(100).optional(),
  websiteUrl: z.string().optional(),
  repository: z.object({ url: z.string(), source: z.string(), id: z.string().optional(), subfolder: z.string().optional() }).optional(),
  icons: z
    .array(z.object({ src: z.string(), mimeType: z.string().optional(), sizes: z.array(z.string()).optional(), theme: z.string().optional() }))
    .optional(),
  packages: z.array(packageSchema).optional(),
  remotes: z.array(remoteSchema).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});

export type ServerJson = z.infer<typeof serverJsonSchema>;

/** The 2025-07-09 era had no length limit on descriptions. */
const legacyServerJsonSchema = serverJsonSchema.extend({
  description: z.string({ error: "description is required" }).min(1, "description is required").max(4000),
});

const LEGACY_REGISTRY_TYPES: Record<string, string> = { npm: "npm", pypi: "pypi", docker: "oci", nuget: "nuget" };

function camelArgument(arg: Record<string, unknown>) {
  return {
    type: arg.type,
    name: arg.name,
    valueHint: arg.value_hint,
    value: arg.value,
    default: arg.default,
    description: arg.description,
    format: arg.format,
    isRequired: arg.is_required,
    isRepeated: arg.is_repeated,
    isSecret: arg.is_secret,
  };
}

function definedOnly(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

/** True for the legacy snake_case form (version_detail, registry_name, …). */
export function looksLikeLegacyServerJson(doc: Record<string, unknown>): boolean {
  const packages = Array.isArray(doc.packages) ? doc.packages : [];
  return "version_detail" in doc || packages.some((p) => isPlainObject(p) && "registry_name" in p);
}

/** The legacy 2025-07-09 snake_case server (as in the registry's seed file) in today's camelCase shape. */
export function fromLegacyServerJson(doc: Record<string, unknown>): Record<string, unknown> {
  const detail = isPlainObject(doc.version_detail) ? doc.version_detail : {};
  const packages = (Array.isArray(doc.packages) ? doc.packages : []).filter(isPlainObject).map((p) =>
    definedOnly({
      registryType: LEGACY_REGISTRY_TYPES[String(p.registry_name)] ?? String(p.registry_name),
      identifier: p.name,
      // The seed has packages with version "": say "not pinned", not "too short".
      version: p.version === "" ? undefined : p.version,
      runtimeHint: p.runtime_hint,
      transport: { type: "stdio" },
      packageArguments: Array.isArray(p.package_arguments) ? p.package_arguments.filter(isPlainObject).map((a) => definedOnly(camelArgument(a))) : undefined,
      runtimeArguments: Array.isArray(p.runtime_arguments) ? p.runtime_arguments.filter(isPlainObject).map((a) => definedOnly(camelArgument(a))) : undefined,
      environmentVariables: Array.isArray(p.environment_variables)
        ? p.environment_variables.filter(isPlainObject).map((e) => definedOnly({ ...camelArgument(e), name: e.name, type: undefined }))
        : undefined,
    }),
  );
  const remotes = (Array.isArray(doc.remotes) ? doc.remotes : []).filter(isPlainObject).map((r) =>
    definedOnly({
      type: r.transport_type === "http" ? "streamable-http" : r.transport_type,
      url: r.url,
      headers: Array.isArray(r.headers)
        ? r.headers.filter(isPlainObject).map((h) => definedOnly({ ...camelArgument(h), name: h.name, type: undefined }))
        : undefined,
    }),
  );
  const repository = isPlainObject(doc.repository) ? definedOnly({ url: doc.repository.url, source: doc.repository.source, id: doc.repository.id }) : undefined;
  return definedOnly({
    name: doc.name,
    description: doc.description,
    version: detail.version,
    repository: repository && repository.url ? repository : undefined,
    packages: packages.length > 0 ? packages : undefined,
    remotes: remotes.length > 0 ? remotes : undefined,
  });
}
type Package = z.infer<typeof packageSchema>;
type Remote = z.infer<typeof remoteSchema>;
type KeyValueInput = z.infer<typeof keyValueInputSchema>;
type Argument = z.infer<typeof argumentSchema>;

export function looksLikeServerJson(doc: Record<string, unknown>): boolean {
  return (
    looksLikeLegacyServerJson(doc) ||
    "$schema" in doc ||
    "version" in doc ||
    "packages" in doc ||
    "remotes" in doc ||
    (typeof doc.name === "string" && doc.name.includes("/"))
  );
}

/** The catalog name for a server.json name: the part after '/', as a DNS-1123 label. */
export function catalogNameForServerJson(upstreamName: string): string {
  const short = upstreamName.slice(upstreamName.lastIndexOf("/") + 1);
  return short
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

function withDefault(description: string | undefined, input: { default?: string; placeholder?: string }) {
  const hint = input.default ? `default: ${input.default}` : input.placeholder ? `e.g. ${input.placeholder}` : "";
  if (!hint) return description;
  return description ? `${description} (${hint})` : hint;
}

function declaration(input: KeyValueInput): HeaderDeclaration & EnvDeclaration {
  const fixed = input.value !== undefined && !input.isSecret && !/\{[^}]+\}/.test(input.value);
  return {
    key: input.name,
    name: input.name,
    description: withDefault(input.description, input),
    required: input.isRequired ?? false,
    sensitive: input.isSecret ?? false,
    ...(fixed ? { value: input.value } : {}),
    file: input.format === "filepath",
  };
}

function envKeyFor(hint: string): string {
  return hint
    .toUpperCase()
    .replace(/[^A-Z0-9_]+/g, "_")
    .replace(/^(\d)/, "_$1");
}

/** Package arguments as argv; an argument each user must supply becomes a ${VAR} and an env declaration. */
function argv(args: Argument[] | undefined, env: EnvDeclaration[], warnings: string[]): string[] {
  const out: string[] = [];
  for (const arg of args ?? []) {
    const fixed = arg.value ?? arg.default;
    if (arg.type === "named") {
      if (!arg.name) continue;
      out.push(arg.name);
      if (fixed !== undefined) out.push(fixed);
      continue;
    }
    if (fixed !== undefined && !/\{[^}]+\}/.test(fixed)) {
      out.push(fixed);
      continue;
    }
    const hint = arg.valueHint ?? "ARG";
    const key = envKeyFor(hint);
    out.push(`\${${key}}`);
    if (!env.some((e) => e.key === key)) {
      env.push({
        key,
        name: hint,
        description: withDefault(arg.description, arg),
        required: arg.isRequired ?? true,
        sensitive: arg.isSecret ?? false,
        file: arg.format === "filepath",
      });
    }
    warnings.push(`argument '${hint}' is supplied by each user: passed as \${${key}}`);
  }
  return out;
}

/** Obot cannot run every kind of package; say why a package is skipped. */
function unrepresentable(pkg: Package): string | null {
  switch (pkg.registryType) {
    case "npm":
    case "pypi":
      return pkg.transport.type === "stdio" ? null : `${pkg.registryType} package speaks ${pkg.transport.type}; Obot runs npx/uvx packages over stdio`;
    case "oci":
      return pkg.transport.type === "stdio" ? "OCI image speaks stdio; Obot runs containers as HTTP servers (port and path)" : null;
    default:
      return `${pkg.registryType} packages${pkg.runtimeHint ? ` (${pkg.runtimeHint})` : ""} cannot be run by Obot`;
  }
}

function portAndPath(url: string): { port: number; path: string } | null {
  try {
    const parsed = new URL(url.replace(/\{[^}]+\}/g, "x"));
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
    return { port, path: parsed.pathname || "/" };
  } catch {
    return null;
  }
}

function remoteRuntime(remote: Remote, env: EnvDeclaration[]): NonNullable<ServerCreateInput["runtime"]> {
  const headers = (remote.headers ?? []).map(declaration);
  const variables = Object.keys(remote.variables ?? {});
  const templated = /\{[a-zA-Z_][a-zA-Z0-9_]*\}/.test(remote.url);
  if (!templated) return { type: "remote", fixedURL: remote.url, headers };
  for (const [name, input] of Object.entries(remote.variables ?? {})) {
    env.push({ ...declaration({ ...input, name }), name, key: name });
  }
  for (const match of remote.url.matchAll(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g)) {
    const name = match[1]!;
    if (!variables.includes(name) && !env.some((e) => e.key === name)) {
      env.push({ key: name, name, required: true, sensitive: false, file: false });
    }
  }
  return { type: "remote", urlTemplate: remote.url.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, "${$1}"), headers };
}

function packageRuntime(pkg: Package, env: EnvDeclaration[], warnings: string[]): NonNullable<ServerCreateInput["runtime"]> {
  env.push(...(pkg.environmentVariables ?? []).map(declaration));
  if ((pkg.runtimeArguments ?? []).length > 0) {
    warnings.push(`runtimeArguments of ${pkg.identifier} are not used: Obot starts the package itself`);
  }
  const args = argv(pkg.packageArguments, env, warnings);
  const version = pkg.version ?? "";
  switch (pkg.registryType) {
    case "npm":
      return { type: "npx", package: version ? `${pkg.identifier}@${version}` : pkg.identifier, args };
    case "pypi":
      return { type: "uvx", package: version ? `${pkg.identifier}==${version}` : pkg.identifier, command: "", args };
    default: {
      const location = pkg.transport.type === "stdio" ? null : portAndPath(pkg.transport.url);
      const image = version && !pkg.identifier.includes(":") && !pkg.identifier.includes("@") ? `${pkg.identifier}:${version}` : pkg.identifier;
      return { type: "containerized", image, port: location?.port ?? 0, path: location?.path ?? "/", command: "", args };
    }
  }
}

function zodErrors(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message));
}

export function parseServerJson(raw: unknown): ParsedDocument {
  if (!isPlainObject(raw)) return { ok: false, name: null, errors: ["a server.json document must be an object"] };
  const legacy = looksLikeLegacyServerJson(raw);
  const doc = legacy ? fromLegacyServerJson(raw) : raw;
  const parsed = (legacy ? legacyServerJsonSchema : serverJsonSchema).safeParse(doc);
  const upstreamName = typeof doc.name === "string" ? doc.name : null;
  if (!parsed.success) {
    return {
      ok: false,
      name: upstreamName ? catalogNameForServerJson(upstreamName) || upstreamName : null,
      errors: zodErrors(parsed.error),
    };
  }
  const server = parsed.data;
  const name = catalogNameForServerJson(server.name);
  const warnings: string[] = [];
  const env: EnvDeclaration[] = [];

  let runtime: ServerCreateInput["runtime"] = null;
  let pkgProvenance: PackageProvenance | null = null;
  const remote = server.remotes?.find((r) => r.type === "streamable-http") ?? server.remotes?.[0];
  const skipped: string[] = [];
  const runnable = (server.packages ?? []).filter((pkg) => {
    const reason = unrepresentable(pkg);
    if (reason) skipped.push(`${pkg.identifier}: ${reason}`);
    return reason === null;
  });
  if (remote) {
    runtime = remoteRuntime(remote, env);
  } else if (runnable[0]) {
    const pkg = runnable[0];
    runtime = packageRuntime(pkg, env, warnings);
    pkgProvenance = {
      registryType: pkg.registryType as PackageProvenance["registryType"],
      identifier: pkg.identifier,
      ...(pkg.version ? { version: pkg.version } : {}),
      ...(pkg.registryBaseUrl ? { registryBaseUrl: pkg.registryBaseUrl } : {}),
      ...(pkg.fileSha256 ? { fileSha256: pkg.fileSha256 } : {}),
    };
  } else if (skipped.length > 0) {
    return { ok: false, name, errors: skipped.map((s) => `Obot cannot represent this server: ${s}`) };
  } else {
    warnings.push("no packages or remotes: imported without a runtime; set one before publishing");
  }
  if (runtime && skipped.length > 0) warnings.push(...skipped.map((s) => `package skipped: ${s}`));

  const icon = server.icons?.find((i) => i.src.startsWith("https://"))?.src ?? "";
  const input: ServerCreateInput = {
    name,
    displayName: server.title ?? server.name.slice(server.name.lastIndexOf("/") + 1),
    shortDescription: server.description.length > 160 ? `${server.description.slice(0, 157).trimEnd()}…` : server.description,
    description: server.description,
    icon,
    repoUrl: server.repository?.url ?? server.websiteUrl ?? "",
    runtime,
    package: pkgProvenance,
    env,
    transport: remote ? remote.type : runnable[0] ? runnable[0].transport.type : undefined,
  };
  return {
    ok: true,
    input,
    provenance: { format: legacy ? "server.json-legacy" : "server.json", upstreamName: server.name, upstreamVersion: server.version },
    warnings,
  };
}
