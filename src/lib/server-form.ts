/**
 * The create/edit server form: its values, their conversion to the shared input schemas
 * (serverCreateInput, serverSpecSchema) and back, and the one mapping from an input path
 * ("runtime.fixedURL", "env.0.key", "categories.2") to the form field that shows its error.
 * Client-side zod errors and the server's fieldErrors both go through that mapping.
 */
import type { Resolver } from "react-hook-form";
import YAML from "yaml";
import {
  defaultTransport,
  serverCreateInput,
  serverSpecSchema,
  type McpServer,
  type Runtime,
  type RuntimeType,
  type Scope,
  type ServerUserType,
  type Transport,
} from "@/server/catalog/model";
import { FormInputError, inputResolver, mapErrors, type ErrorTarget, type MappedErrors } from "./form";

export { errorMessageAt, flattenErrors, FORM_ERROR, FormInputError, nestErrors, type ErrorTarget, type MappedErrors } from "./form";

export type RuntimeChoice = RuntimeType | "none";
export type RemoteMode = "fixedURL" | "hostname" | "urlTemplate";

export interface HeaderRow {
  key: string;
  name: string;
  description: string;
  prefix: string;
  required: boolean;
  sensitive: boolean;
  value: string;
}

export interface EnvRow {
  key: string;
  name: string;
  description: string;
  required: boolean;
  sensitive: boolean;
  file: boolean;
  value: string;
  /** Not edited here; kept so an edit does not drop it. */
  dynamicFile?: boolean;
}

/**
 * Field names follow the input's paths wherever they can (so `runtime.fixedURL` errors land on
 * the `runtime.fixedURL` input); lists an admin types as text (categories, args, tool preview)
 * are single text fields.
 */
export interface ServerFormValues {
  name: string;
  displayName: string;
  shortDescription: string;
  description: string;
  runtime: {
    type: RuntimeChoice;
    remoteMode: RemoteMode;
    fixedURL: string;
    hostname: string;
    urlTemplate: string;
    headers: HeaderRow[];
    package: string;
    command: string;
    /** One argument per line. */
    args: string;
    image: string;
    port: string;
    path: string;
  };
  /** "" follows the runtime's default. */
  transport: Transport | "";
  scope: Scope;
  /** The owner tenant's name; only sent for a personal server. */
  ownerTenant: string;
  serverUserType: ServerUserType;
  /** Comma-separated. */
  categories: string;
  capabilities: string;
  icon: string;
  repoUrl: string;
  env: EnvRow[];
  /** JSON or YAML list of {name, description, params}. */
  toolPreview: string;
}

export const emptyHeaderRow = (): HeaderRow => ({
  key: "",
  name: "",
  description: "",
  prefix: "",
  required: false,
  sensitive: false,
  value: "",
});

export const emptyEnvRow = (): EnvRow => ({
  key: "",
  name: "",
  description: "",
  required: false,
  sensitive: false,
  file: false,
  value: "",
});

export function emptyFormValues(): ServerFormValues {
  return {
    name: "",
    displayName: "",
    shortDescription: "",
    description: "",
    runtime: {
      type: "remote",
      remoteMode: "fixedURL",
      fixedURL: "",
      hostname: "",
      urlTemplate: "",
      headers: [],
      package: "",
      command: "",
      args: "",
      image: "",
      port: "",
      path: "/mcp",
    },
    transport: "",
    scope: "org",
    ownerTenant: "",
    serverUserType: "singleUser",
    categories: "",
    capabilities: "",
    icon: "",
    repoUrl: "",
    env: [],
    toolPreview: "",
  };
}

export function formValuesOf(server: McpServer): ServerFormValues {
  const values = emptyFormValues();
  const runtime = server.runtime;
  values.name = server.name;
  values.displayName = server.displayName;
  values.shortDescription = server.shortDescription;
  values.description = server.description;
  values.runtime.type = runtime?.type ?? "none";
  if (runtime?.type === "remote") {
    values.runtime.remoteMode = runtime.hostname !== undefined ? "hostname" : runtime.urlTemplate !== undefined ? "urlTemplate" : "fixedURL";
    values.runtime.fixedURL = runtime.fixedURL ?? "";
    values.runtime.hostname = runtime.hostname ?? "";
    values.runtime.urlTemplate = runtime.urlTemplate ?? "";
    values.runtime.headers = runtime.headers.map((h) => ({
      key: h.key,
      name: h.name ?? "",
      description: h.description ?? "",
      prefix: h.prefix ?? "",
      required: h.required,
      sensitive: h.sensitive,
      value: h.value ?? "",
    }));
  } else if (runtime) {
    values.runtime.package = "package" in runtime ? runtime.package : "";
    values.runtime.command = "command" in runtime ? runtime.command : "";
    values.runtime.args = runtime.args.join("\n");
    if (runtime.type === "containerized") {
      values.runtime.image = runtime.image;
      values.runtime.port = String(runtime.port);
      values.runtime.path = runtime.path;
    }
  }
  values.transport = server.transport === defaultTransport(runtime?.type ?? null) ? "" : server.transport;
  values.scope = server.scope;
  values.ownerTenant = server.ownerTenant ?? "";
  values.serverUserType = server.serverUserType;
  values.categories = server.categories.join(", ");
  values.capabilities = server.capabilities.join(", ");
  values.icon = server.icon;
  values.repoUrl = server.repoUrl;
  values.env = server.env.map((e) => ({
    key: e.key,
    name: e.name ?? "",
    description: e.description ?? "",
    required: e.required,
    sensitive: e.sensitive,
    file: e.file,
    value: e.value ?? "",
    ...(e.dynamicFile !== undefined ? { dynamicFile: e.dynamicFile } : {}),
  }));
  values.toolPreview = server.toolPreview.length > 0 ? JSON.stringify(server.toolPreview, null, 2) : "";
  return values;
}

const optional = (text: string) => (text.trim() === "" ? undefined : text.trim());
const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const lines = (text: string) =>
  text
    .split("\n")
    .map((s) => s.trimEnd())
    .filter((s) => s.trim() !== "");

/** Runtime settings the form does not show (egress, static OAuth); an edit keeps them. */
function hiddenRuntimeSettings(runtime: Runtime | null | undefined, type: RuntimeChoice): Record<string, unknown> {
  if (!runtime || runtime.type !== type) return {};
  const { staticOAuthRequired, egressDomains, denyAllEgress } = runtime as Record<string, unknown>;
  return Object.fromEntries(Object.entries({ staticOAuthRequired, egressDomains, denyAllEgress }).filter(([, v]) => v !== undefined));
}

function runtimeInputOf(values: ServerFormValues["runtime"], original?: McpServer): Record<string, unknown> | null {
  const hidden = hiddenRuntimeSettings(original?.runtime, values.type);
  switch (values.type) {
    case "none":
      return null;
    case "remote":
      return {
        type: "remote",
        [values.remoteMode]: values[values.remoteMode].trim(),
        headers: values.headers.map((h) => ({
          key: h.key.trim(),
          name: optional(h.name),
          description: optional(h.description),
          // "Bearer " keeps its trailing space: Obot prepends it as typed.
          prefix: h.prefix === "" ? undefined : h.prefix,
          required: h.required,
          sensitive: h.sensitive,
          value: h.sensitive ? undefined : optional(h.value),
        })),
        ...hidden,
      };
    case "npx":
      return { type: "npx", package: values.package.trim(), args: lines(values.args), ...hidden };
    case "uvx":
      return { type: "uvx", package: values.package.trim(), command: values.command.trim(), args: lines(values.args), ...hidden };
    case "containerized":
      return {
        type: "containerized",
        image: values.image.trim(),
        port: /^\d+$/.test(values.port.trim()) ? Number(values.port.trim()) : undefined,
        path: values.path.trim(),
        command: values.command.trim(),
        args: lines(values.args),
        ...hidden,
      };
  }
}

function toolPreviewOf(text: string): unknown {
  if (text.trim() === "") return [];
  try {
    // YAML is a superset of JSON: one parser takes either.
    return YAML.parse(text);
  } catch (error) {
    throw new FormInputError("toolPreview", `tool preview is not valid JSON or YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

/**
 * The server's fields (everything but `name`), as serverSpecSchema and serverUpdateInput take them.
 * Unreadable tool preview text is a FormInputError that carries the rest of the input, so the
 * form still shows every other field's error next to it.
 */
export function specInputOf(values: ServerFormValues, original?: McpServer): Record<string, unknown> {
  let toolPreview: unknown = [];
  let unreadable: FormInputError | null = null;
  try {
    toolPreview = toolPreviewOf(values.toolPreview);
  } catch (error) {
    if (!(error instanceof FormInputError)) throw error;
    unreadable = error;
  }
  const input = specFieldsOf(values, toolPreview, original);
  if (unreadable) throw new FormInputError(unreadable.field, unreadable.message, input);
  return input;
}

function specFieldsOf(values: ServerFormValues, toolPreview: unknown, original?: McpServer): Record<string, unknown> {
  const transport = values.transport === "" ? undefined : values.transport;
  return {
    displayName: values.displayName,
    shortDescription: values.shortDescription,
    description: values.description,
    runtime: runtimeInputOf(values.runtime, original),
    ...(transport ? { transport } : {}),
    scope: values.scope,
    ownerTenant: values.scope === "personal" ? values.ownerTenant.trim() || null : null,
    serverUserType: values.serverUserType,
    categories: list(values.categories),
    capabilities: list(values.capabilities),
    icon: values.icon.trim(),
    repoUrl: values.repoUrl.trim(),
    env: values.env.map((e) => ({
      key: e.key.trim(),
      name: optional(e.name),
      description: optional(e.description),
      required: e.required,
      sensitive: e.sensitive,
      file: e.file,
      value: e.sensitive ? undefined : optional(e.value),
      ...(e.dynamicFile !== undefined ? { dynamicFile: e.dynamicFile } : {}),
    })),
    toolPreview,
  };
}

export function createInputOf(values: ServerFormValues): Record<string, unknown> {
  const name = values.name.trim();
  try {
    return { name, ...specInputOf(values) };
  } catch (error) {
    if (error instanceof FormInputError && error.input !== undefined)
      throw new FormInputError(error.field, error.message, { name, ...(error.input as object) });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors: input path → form field

const TEXT_LISTS: Record<string, string | null> = {
  categories: null,
  capabilities: null,
  toolPreview: "tool",
  "runtime.args": "argument",
};

const ROW_FIELD = {
  "runtime.headers": ["key", "name", "description", "prefix", "required", "sensitive", "value"],
  env: ["key", "name", "description", "required", "sensitive", "file", "value"],
} as const;

const PLAIN_FIELDS = new Set([
  "name",
  "displayName",
  "shortDescription",
  "description",
  "transport",
  "scope",
  "ownerTenant",
  "serverUserType",
  "icon",
  "repoUrl",
  "runtime.type",
  "runtime.fixedURL",
  "runtime.hostname",
  "runtime.urlTemplate",
  "runtime.package",
  "runtime.command",
  "runtime.image",
  "runtime.port",
  "runtime.path",
  "runtime.headers",
  "env",
]);

/** Where an error at an input path belongs in the form, and how to word it there. */
export function errorTargetFor(path: string, message: string, values?: Pick<ServerFormValues, "runtime">): ErrorTarget {
  if (path === "endpoint") return { field: "runtime.fixedURL", message };
  if (path === "runtime") return { field: "runtime.type", message };
  // "needs a fixed URL, a hostname or a URL template" is reported on fixedURL: show it on the one in use.
  if (path === "runtime.fixedURL" && values?.runtime.type === "remote") return { field: `runtime.${values.runtime.remoteMode}`, message };
  for (const [field, noun] of Object.entries(TEXT_LISTS)) {
    if (path === field) return { field, message };
    if (path.startsWith(`${field}.`)) {
      const index = Number(path.slice(field.length + 1).split(".")[0]);
      return { field, message: noun && Number.isInteger(index) ? `${noun} ${index + 1}: ${message}` : message };
    }
  }
  for (const [rows, columns] of Object.entries(ROW_FIELD)) {
    const match = new RegExp(`^${rows.replace(".", "\\.")}\\.(\\d+)(?:\\.(\\w+))?$`).exec(path);
    if (match) {
      const column = match[2];
      if (column && (columns as readonly string[]).includes(column)) return { field: `${rows}.${match[1]}.${column}`, message };
      return { field: rows, message: `row ${Number(match[1]) + 1}: ${message}` };
    }
  }
  if (PLAIN_FIELDS.has(path)) return { field: path, message };
  return { field: null, message: path ? `${path}: ${message}` : message };
}

/** Server (or client) field errors keyed by input path, regrouped by form field. */
export function mapFieldErrors(fieldErrors: Record<string, string[]>, formErrors: string[] = [], values?: Pick<ServerFormValues, "runtime">): MappedErrors {
  return mapErrors(fieldErrors, formErrors, errorTargetFor, { values });
}

/**
 * zodResolver on the shared schema — serverCreateInput when creating, serverSpecSchema (the rule
 * the server applies to the merged result) when editing — with its errors moved onto form fields.
 */
export function serverFormResolver(mode: "create" | "edit", original?: McpServer): Resolver<ServerFormValues> {
  return inputResolver<ServerFormValues>(
    mode === "create" ? serverCreateInput : serverSpecSchema,
    (values) => (mode === "create" ? createInputOf(values) : specInputOf(values, original)),
    errorTargetFor,
  );
}
