/**
 * The McpServer model and the one zod schema per input that the UI form, tRPC, REST and the CLI
 * share. Pure: no Node or database imports, so client components can import it too.
 */
import { z } from "zod";
import { tenantNameSchema } from "../tenant-name";

/** Readable defaults for limits and types that a schema does not word itself. */
z.config({
  customError: (issue) => {
    const unit = (origin: unknown) => (origin === "string" ? " characters" : origin === "array" ? " items" : "");
    switch (issue.code) {
      case "too_big":
        return `must be at most ${String(issue.maximum)}${unit(issue.origin)}`;
      case "too_small":
        return `must be at least ${String(issue.minimum)}${unit(issue.origin)}`;
      case "invalid_type":
        return issue.input === undefined ? "is required" : `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}`;
      default:
        return undefined;
    }
  },
});

export const SERVER_STATUSES = ["draft", "active", "degraded", "disabled"] as const;
export const TRANSPORTS = ["streamable-http", "sse", "stdio"] as const;
export const SCOPES = ["org", "department", "project", "personal"] as const;
export const RUNTIME_TYPES = ["remote", "npx", "uvx", "containerized"] as const;
export const SERVER_USER_TYPES = ["singleUser", "multiUser"] as const;
export const PACKAGE_REGISTRY_TYPES = ["npm", "pypi", "oci", "nuget", "mcpb"] as const;

export type ServerStatus = (typeof SERVER_STATUSES)[number];
export type Transport = (typeof TRANSPORTS)[number];
export type Scope = (typeof SCOPES)[number];
export type RuntimeType = (typeof RUNTIME_TYPES)[number];
export type ServerUserType = (typeof SERVER_USER_TYPES)[number];

/** Statuses a server may be published from, and the ones it may be disabled from. */
export const PUBLISHABLE_FROM: readonly ServerStatus[] = ["draft", "degraded", "disabled"];
export const DISABLEABLE_FROM: readonly ServerStatus[] = ["draft", "active", "degraded"];

/**
 * Statuses whose servers are in the feeds (Obot, contracts, registry view). A degraded server
 * has left them until it is published again, which checks it afresh.
 */
export const PUBLISHED_STATUSES: readonly ServerStatus[] = ["active"];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const EXACT_PEP440 = /^\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_KEY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HOSTNAME = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i;

const quoted = (value: unknown) => (typeof value === "string" ? `'${value}'` : String(value));

export const serverNameSchema = z
  .string({ error: "name is required" })
  .min(1, "name is required")
  .max(63, { error: (iss) => `server name ${quoted(iss.input)} is longer than 63 characters` })
  .regex(DNS_LABEL, {
    error: (iss) =>
      `server name ${quoted(iss.input)} must be lowercase letters, digits and '-', starting and ending with a letter or digit (for example 'github-enterprise')`,
  });

/** Obot's key for an entry: lowercase, runs outside [a-z0-9] become '-', trimmed, at most 63. */
export function sanitizeObotName(displayName: string): string {
  return displayName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

export const displayNameSchema = z
  .string({ error: "display name is required" })
  .trim()
  .min(1, { error: "display name is required", abort: true })
  .max(100, "display name must be at most 100 characters")
  .refine((value) => sanitizeObotName(value) !== "", {
    error: (iss) => `display name ${quoted(iss.input)} needs at least one letter or digit (Obot keys entries by it)`,
  });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export const httpUrlSchema = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(2048, `${what} must be at most 2048 characters`)
    .refine(isHttpUrl, {
      error: (iss) => `${what} ${quoted(iss.input)} must be an absolute http:// or https:// URL`,
    });

const optionalUrl = (what: string) => z.union([z.literal(""), httpUrlSchema(what)]).default("");

const declarationFields = {
  name: z.string().trim().max(200, "name must be at most 200 characters").optional(),
  description: z.string().max(4000, "description must be at most 4000 characters").optional(),
  required: z.boolean().default(false),
  sensitive: z.boolean().default(false),
  /** A fixed, non-secret value. Secret values never live in the catalog: each user supplies them in Obot. */
  value: z.string().max(4000).optional(),
};

const noSecretValue = (d: { sensitive: boolean; value?: string | undefined }) => !(d.sensitive && d.value);
const noSecretValueError = {
  error: "a sensitive declaration cannot carry a value: secrets are supplied by each user in Obot, never stored in the catalog",
  path: ["value"],
};

export const headerDeclarationSchema = z
  .object({
    key: z
      .string({ error: "header key is required" })
      .trim()
      .min(1, "header key is required")
      .regex(HEADER_KEY, { error: (iss) => `header key ${quoted(iss.input)} is not a valid HTTP header name` }),
    ...declarationFields,
    /** Prepended to the user's value, e.g. "Bearer ". */
    prefix: z.string().max(100).optional(),
  })
  .refine(noSecretValue, noSecretValueError);

export const envDeclarationSchema = z
  .object({
    key: z
      .string({ error: "variable name is required" })
      .trim()
      .min(1, "variable name is required")
      .regex(ENV_KEY, {
        error: (iss) => `environment variable ${quoted(iss.input)} must be letters, digits and '_', not starting with a digit`,
      }),
    ...declarationFields,
    /** Obot writes the value to a file and puts the file's path in the variable. */
    file: z.boolean().default(false),
    dynamicFile: z.boolean().optional(),
  })
  .refine(noSecretValue, noSecretValueError);

export type HeaderDeclaration = z.infer<typeof headerDeclarationSchema>;
export type EnvDeclaration = z.infer<typeof envDeclarationSchema>;

const argsSchema = z.array(z.string().max(4000)).max(100, "at most 100 arguments").default([]);
const egressFields = {
  egressDomains: z.array(z.string().trim().min(1)).optional(),
  denyAllEgress: z.boolean().optional(),
};

/** `pkg@1.2.3` or `@scope/pkg@1.2.3`, with an exact version: no tags, ranges or wildcards. */
export function npmPackagePinError(spec: string): string | null {
  const at = spec.lastIndexOf("@");
  const hasVersion = at > 0;
  const pkg = hasVersion ? spec.slice(0, at) : spec;
  const version = hasVersion ? spec.slice(at + 1) : "";
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(pkg)) {
    return `npx package '${spec}' is not an npm package name`;
  }
  if (!hasVersion || version === "") {
    return `npx package '${spec}' must pin an exact version, for example '${pkg}@1.2.3'`;
  }
  if (!EXACT_SEMVER.test(version)) {
    return `npx package '${spec}' is not pinned: '${version}' is a tag or range; use an exact version such as '${pkg}@1.2.3'`;
  }
  return null;
}

/** `pkg==1.2.3` (or uvx's `pkg@1.2.3`), with an exact PEP 440 version. */
export function pypiPackagePinError(spec: string): string | null {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?(?:(==|@)(.*))?$/.exec(spec);
  if (!match) {
    return `uvx package '${spec}' must be a PyPI package pinned with '==', for example 'my-server==1.2.3'`;
  }
  const [, pkg, , operator, version] = match;
  if (!operator || !version) {
    return `uvx package '${spec}' must pin an exact version, for example '${pkg}==1.2.3'`;
  }
  if (!EXACT_PEP440.test(version)) {
    return `uvx package '${spec}' is not pinned: '${version}' is not an exact version; use for example '${pkg}==1.2.3'`;
  }
  return null;
}

const pinned = (check: (spec: string) => string | null) =>
  z
    .string({ error: "package is required" })
    .trim()
    .min(1, "package is required")
    .superRefine((spec, ctx) => {
      const error = check(spec);
      if (error) ctx.addIssue({ code: "custom", message: error });
    });

export const remoteRuntimeSchema = z
  .object({
    type: z.literal("remote"),
    fixedURL: httpUrlSchema("fixed URL").optional(),
    /** Users connect to any URL on this host; a leading "*." allows subdomains. */
    hostname: z
      .string()
      .trim()
      .regex(HOSTNAME, { error: (iss) => `hostname ${quoted(iss.input)} must be a host name such as 'mcp.example.com' or '*.example.com'` })
      .optional(),
    /** Completed per user from env declarations, e.g. "https://${HOST}/mcp". */
    urlTemplate: z.string().trim().min(1, "URL template must not be empty").regex(/^\S+$/, "URL template must not contain spaces").optional(),
    headers: z.array(headerDeclarationSchema).max(50).default([]),
    staticOAuthRequired: z.boolean().optional(),
  })
  .superRefine((runtime, ctx) => {
    const set = [runtime.fixedURL, runtime.hostname, runtime.urlTemplate].filter((v) => v !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["fixedURL"],
        message:
          set.length === 0 ? "a remote runtime needs a fixed URL, a hostname, or a URL template" : "set only one of fixed URL, hostname and URL template",
      });
    }
    duplicateKeys(runtime.headers, "header", ctx, ["headers"]);
  });

export const npxRuntimeSchema = z.object({
  type: z.literal("npx"),
  package: pinned(npmPackagePinError),
  args: argsSchema,
  ...egressFields,
});

export const uvxRuntimeSchema = z.object({
  type: z.literal("uvx"),
  package: pinned(pypiPackagePinError),
  /** The executable inside the package; empty means the package name. */
  command: z.string().trim().max(200).default(""),
  args: argsSchema,
  ...egressFields,
});

export const containerizedRuntimeSchema = z.object({
  type: z.literal("containerized"),
  image: z
    .string({ error: "image is required" })
    .trim()
    .min(1, "image is required for a containerized runtime")
    .regex(/^[a-z0-9]+([._\-/:@][a-zA-Z0-9_.-]+)*$/, {
      error: (iss) => `image ${quoted(iss.input)} is not an image reference such as 'ghcr.io/org/server:1.0'`,
    }),
  port: z
    .number({ error: "port is required for a containerized runtime" })
    .int("port must be a whole number")
    .min(1, "port must be between 1 and 65535")
    .max(65535, "port must be between 1 and 65535"),
  path: z
    .string({ error: "path is required for a containerized runtime" })
    .trim()
    .min(1, "path is required for a containerized runtime")
    .regex(/^\//, "path must start with '/', for example '/mcp'"),
  command: z.string().trim().max(500).default(""),
  args: argsSchema,
  ...egressFields,
});

export const runtimeSchema = z.discriminatedUnion("type", [remoteRuntimeSchema, npxRuntimeSchema, uvxRuntimeSchema, containerizedRuntimeSchema], {
  error: "runtime type must be one of remote, npx, uvx, containerized",
});

export type Runtime = z.infer<typeof runtimeSchema>;
export type RemoteRuntime = z.infer<typeof remoteRuntimeSchema>;

export const toolPreviewSchema = z.object({
  id: z.string().optional(),
  name: z.string({ error: "tool name is required" }).trim().min(1, "tool name is required").max(200),
  description: z.string().max(65536).optional(),
  params: z.record(z.string(), z.string()).optional(),
});
export type ToolPreview = z.infer<typeof toolPreviewSchema>;

export const packageProvenanceSchema = z.object({
  registryType: z.enum(PACKAGE_REGISTRY_TYPES),
  identifier: z.string().min(1),
  version: z.string().optional(),
  registryBaseUrl: z.string().optional(),
  fileSha256: z.string().optional(),
});
export type PackageProvenance = z.infer<typeof packageProvenanceSchema>;

export const provenanceSchema = z.object({
  format: z.enum(["obot-entry", "server.json", "server.json-legacy"]),
  /** The upstream document's own name, e.g. "io.github.user/weather". */
  upstreamName: z.string(),
  upstreamVersion: z.string().optional(),
  /**
   * An imported Obot entry's `metadata.categories` exactly as written: the feed serves it back
   * byte-equal while it still splits to the server's categories (an edit of them replaces it).
   */
  categoriesText: z.string().optional(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

const categorySchema = z
  .string()
  .trim()
  .min(1, "category must not be empty")
  .max(100)
  .refine((c) => !c.includes(","), {
    error: (iss) => `category ${quoted(iss.input)} must not contain ',' (Obot stores categories comma-separated)`,
  });

const labelSchema = z.string().trim().min(1, "label must not be empty").max(100);

/** Obot entry metadata other than categories, passed through as-is (e.g. allow-multiple). */
const metadataSchema = z
  .record(z.string().min(1).max(200), z.string().max(4000))
  .refine((m) => !("categories" in m), { error: "set categories with the categories field, not metadata" })
  .default({});

function duplicateKeys(items: readonly { key: string }[], what: string, ctx: z.RefinementCtx, path: (string | number)[]) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = what === "header" ? item.key.toLowerCase() : item.key;
    if (seen.has(key)) {
      ctx.addIssue({ code: "custom", path: [...path, i, "key"], message: `${what} '${item.key}' is declared twice` });
    }
    seen.add(key);
  });
}

/** Every field an admin can set on a server, with its default. */
const serverSpecFields = {
  displayName: displayNameSchema,
  shortDescription: z.string().trim().max(160, "short description must be at most 160 characters").default(""),
  description: z.string().max(65536, "description must be at most 64 KiB").default(""),
  transport: z.enum(TRANSPORTS, { error: "transport must be one of streamable-http, sse, stdio" }).optional(),
  endpoint: httpUrlSchema("endpoint").optional(),
  runtime: runtimeSchema.nullable().optional(),
  package: packageProvenanceSchema.nullable().optional(),
  env: z.array(envDeclarationSchema).max(100).default([]),
  serverUserType: z.enum(SERVER_USER_TYPES, { error: "server user type must be singleUser or multiUser" }).default("singleUser"),
  scope: z.enum(SCOPES, { error: "scope must be one of org, department, project, personal" }).default("org"),
  /** The one tenant a personal server may be granted to; required for, and only for, scope personal. */
  ownerTenant: tenantNameSchema.nullable().default(null),
  capabilities: z.array(labelSchema).max(50).default([]),
  categories: z.array(categorySchema).max(20).default([]),
  icon: optionalUrl("icon"),
  repoUrl: optionalUrl("repository URL"),
  toolPreview: z.array(toolPreviewSchema).max(1000).default([]),
  metadata: metadataSchema,
};

/** The admin-editable part of a server after defaults and the runtime/endpoint rules are applied. */
export interface ServerSpec {
  displayName: string;
  shortDescription: string;
  description: string;
  transport: Transport;
  endpoint: string | null;
  runtime: Runtime | null;
  package: PackageProvenance | null;
  env: EnvDeclaration[];
  serverUserType: ServerUserType;
  scope: Scope;
  ownerTenant: string | null;
  capabilities: string[];
  categories: string[];
  icon: string;
  repoUrl: string;
  toolPreview: ToolPreview[];
  metadata: Record<string, string>;
}

type SpecInput = z.output<z.ZodObject<typeof serverSpecFields>>;

/**
 * `{endpoint}` without a runtime means a remote runtime with that fixed URL; `endpoint` mirrors a
 * remote fixed URL; transport defaults from the runtime and must be one the runtime can speak.
 */
function checkRuntimeRules(spec: SpecInput, ctx: z.RefinementCtx) {
  const runtime = spec.runtime;
  if (spec.endpoint !== undefined && runtime) {
    if (runtime.type !== "remote" || runtime.fixedURL === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["endpoint"],
        message: "endpoint is only for a remote runtime with a fixed URL; leave it empty for this runtime",
      });
    } else if (runtime.fixedURL !== spec.endpoint) {
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "endpoint must equal the runtime's fixed URL" });
    }
  }
  const type = runtime?.type ?? (spec.endpoint !== undefined ? "remote" : null);
  if (spec.transport && type) {
    const allowed = transportsFor(type);
    if (!allowed.includes(spec.transport)) {
      ctx.addIssue({
        code: "custom",
        path: ["transport"],
        message: `a ${type} runtime speaks ${allowed.join(" or ")}, not ${spec.transport}`,
      });
    }
  }
  duplicateKeys(spec.env, "environment variable", ctx, ["env"]);
  checkOwner(spec, ctx);
}

/** A personal server names the one tenant it is for; other scopes are for more than one tenant. */
function checkOwner(spec: Pick<SpecInput, "scope" | "ownerTenant">, ctx: z.RefinementCtx) {
  if (spec.scope === "personal" && !spec.ownerTenant) {
    ctx.addIssue({
      code: "custom",
      path: ["ownerTenant"],
      message: "a personal server needs an owner tenant: the one tenant that may be granted it",
    });
  }
  if (spec.scope !== "personal" && spec.ownerTenant) {
    ctx.addIssue({
      code: "custom",
      path: ["ownerTenant"],
      message: `only personal servers have an owner tenant: clear ownerTenant or set scope to personal (scope is ${spec.scope})`,
    });
  }
}

/** Obot talks to remote and containerized servers over HTTP and runs npx/uvx packages over stdio. */
export function transportsFor(type: RuntimeType): Transport[] {
  return type === "npx" || type === "uvx" ? ["stdio"] : ["streamable-http", "sse"];
}

export function defaultTransport(type: RuntimeType | null): Transport {
  return type === "remote" || type === "containerized" ? "streamable-http" : "stdio";
}

export function toServerSpec(input: SpecInput): ServerSpec {
  const runtime: Runtime | null = input.runtime ?? (input.endpoint !== undefined ? { type: "remote", fixedURL: input.endpoint, headers: [] } : null);
  return {
    displayName: input.displayName,
    shortDescription: input.shortDescription,
    description: input.description,
    transport: input.transport ?? defaultTransport(runtime?.type ?? null),
    endpoint: runtime?.type === "remote" ? (runtime.fixedURL ?? null) : null,
    runtime,
    package: input.package ?? null,
    env: input.env,
    serverUserType: input.serverUserType,
    scope: input.scope,
    ownerTenant: input.ownerTenant,
    capabilities: input.capabilities,
    categories: input.categories,
    icon: input.icon,
    repoUrl: input.repoUrl,
    toolPreview: input.toolPreview,
    metadata: input.metadata,
  };
}

export const serverSpecSchema = z.object(serverSpecFields).superRefine(checkRuntimeRules);

/** Documents pasted into the console's import page, in the format the page detected or was told. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const IMPORT_FORMATS = ["json", "yaml"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** An import or upload: the documents' text (JSON, or YAML with one document per `---`) and its format. */
export const importTextInput = z.object({
  text: z.string().min(1, "paste at least one document").max(MAX_IMPORT_BYTES),
  format: z.enum(IMPORT_FORMATS),
});
export type ImportTextInput = z.output<typeof importTextInput>;

/** Several files imported together (a folder of Obot YAML files, say): one run, a result per file. */
export const importFilesInput = z.object({
  files: z
    .array(
      z.object({
        name: z.string().trim().min(1, "a file needs a name").max(500),
        text: z.string().max(MAX_IMPORT_BYTES),
        format: z.enum(IMPORT_FORMATS),
      }),
    )
    .min(1, "choose at least one file")
    .max(1000, "at most 1000 files at once")
    .refine(
      (files) => files.reduce((sum, f) => sum + f.text.length, 0) <= MAX_IMPORT_BYTES,
      `the files add up to more than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB`,
    ),
});
export type ImportFilesInput = z.output<typeof importFilesInput>;

export const serverCreateInput = z.object({ name: serverNameSchema, ...serverSpecFields }).superRefine(checkRuntimeRules);
export type ServerCreateInput = z.input<typeof serverCreateInput>;

/** A partial change: omitted fields keep their value; `runtime` is replaced whole. */
export const serverUpdateInput = z.object({
  version: z.number({ error: "version is required: send the version you last read, so nobody's change is overwritten" }).int().min(1),
  /** Required to change the display name of an active server: Obot treats it as a rename. */
  confirmRename: z.boolean().optional(),
  name: z.string().optional(),
  displayName: serverSpecFields.displayName.optional(),
  shortDescription: z.string().trim().max(160, "short description must be at most 160 characters").optional(),
  description: z.string().max(65536, "description must be at most 64 KiB").optional(),
  transport: serverSpecFields.transport,
  endpoint: httpUrlSchema("endpoint").nullable().optional(),
  runtime: runtimeSchema.nullable().optional(),
  package: packageProvenanceSchema.nullable().optional(),
  env: z.array(envDeclarationSchema).max(100).optional(),
  serverUserType: z.enum(SERVER_USER_TYPES).optional(),
  scope: z.enum(SCOPES, { error: "scope must be one of org, department, project, personal" }).optional(),
  /** Omitted while changing the scope away from personal: the owner is cleared with it. */
  ownerTenant: tenantNameSchema.nullable().optional(),
  capabilities: z.array(labelSchema).max(50).optional(),
  categories: z.array(categorySchema).max(20).optional(),
  icon: z.union([z.literal(""), httpUrlSchema("icon")]).optional(),
  repoUrl: z.union([z.literal(""), httpUrlSchema("repository URL")]).optional(),
  toolPreview: z.array(toolPreviewSchema).max(1000).optional(),
  metadata: z.record(z.string().min(1).max(200), z.string().max(4000)).optional(),
});
export type ServerUpdateInput = z.input<typeof serverUpdateInput>;

export const statusChangeInput = z.object({
  /** When given, the change is refused if the server changed since this version. */
  version: z.number().int().min(1).optional(),
  reason: z.string().trim().max(500).optional(),
});
export type StatusChangeInput = z.input<typeof statusChangeInput>;

export const SORT_FIELDS = ["name", "displayName", "updatedAt", "status"] as const;
export type SortField = (typeof SORT_FIELDS)[number];

const csvEnum = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { error: `${what} must be one of ${values.join(", ")}` })))
    .optional();

export const serverListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  status: csvEnum(SERVER_STATUSES, "status"),
  transport: csvEnum(TRANSPORTS, "transport"),
  runtime: csvEnum([...RUNTIME_TYPES, "none"] as const, "runtime"),
  scope: csvEnum(SCOPES, "scope"),
  /** "manual" for servers created by hand, or a source id. */
  source: z.string().trim().max(100).optional(),
  category: z.string().trim().max(100).optional(),
  sort: z.enum(SORT_FIELDS, { error: `sort must be one of ${SORT_FIELDS.join(", ")}` }).default("name"),
  order: z.enum(["asc", "desc"], { error: "order must be asc or desc" }).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be between 1 and 200")
    .max(200, "limit must be between 1 and 200")
    .default(50),
});
export type ServerListQuery = z.input<typeof serverListQuery>;
export type ServerListFilter = z.output<typeof serverListQuery>;

/** A server as the API returns it (REST, tRPC, CLI). */
export interface McpServer extends ServerSpec {
  id: string;
  name: string;
  status: ServerStatus;
  statusReason: string | null;
  sourceId: string | null;
  provenance: Provenance | null;
  /** Upstream-owned fields an admin changed after import: upstream changes leave them alone (DESIGN §7). */
  overrides: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export const SERVER_BATCH_ACTIONS = ["publish", "disable", "delete"] as const;
export type ServerBatchAction = (typeof SERVER_BATCH_ACTIONS)[number];
/** The most servers one batch changes: a page of the catalog at its largest. */
export const MAX_BATCH = 200;

/** One action on several servers, applied all together or not at all. */
export const serverBatchInput = z.object({
  action: z.enum(SERVER_BATCH_ACTIONS, { error: `action must be one of ${SERVER_BATCH_ACTIONS.join(", ")}` }),
  names: z
    .array(z.string().min(1, "a server name cannot be empty"), { error: "names must be a list of server names" })
    .min(1, "select at least one server")
    .max(MAX_BATCH, `at most ${MAX_BATCH} servers at once`)
    .refine((names) => new Set(names).size === names.length, "each server may appear only once"),
  /** Recorded with a publish or a disable, as for one server. */
  reason: z.string().trim().max(500).optional(),
});
export type ServerBatchInput = z.input<typeof serverBatchInput>;
