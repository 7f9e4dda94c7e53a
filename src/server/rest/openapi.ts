/**
 * The OpenAPI 3.1 description of the REST API, generated from the route table: the same zod
 * schemas the routes and the domain validate with, so the document cannot drift from the code.
 * Pure: the route table in, the document out.
 */
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { dryRunResource, errorResource } from "./resources";
import { querySchemaOf, type RestRoute } from "./router";

export interface OpenApiOptions {
  version: string;
  /** Where the API is served; relative ("/") unless the public URL is known. */
  serverUrl?: string;
}

const TAGS: { prefix: string; name: string; description: string }[] = [
  { prefix: "/api/v1/mcp-servers", name: "Servers", description: "The MCP server catalog: drafts, publishing, import" },
  { prefix: "/api/v1/tenants", name: "Tenants", description: "Tenant agents, their overrides, effective access, contracts and tokens" },
  { prefix: "/api/v1/groups", name: "Groups", description: "Named sets of tenants that rules can grant to" },
  {
    prefix: "/api/v1/grants",
    name: "Rules",
    description: "Allow and deny rules from subjects to server patterns (the console's Rules page; the path says grants)",
  },
  { prefix: "/api/v1/policy", name: "Policy", description: "The compiled policy and its report" },
  { prefix: "/api/v1/sources", name: "Sources", description: "Third-party sources, their runs and uploads" },
  { prefix: "/api/v1/review", name: "Review", description: "Quarantined items and staged upstream updates" },
  { prefix: "/api/v1/audit", name: "Audit", description: "The append-only audit log" },
  { prefix: "/api/v1/obot", name: "Obot", description: "The Obot link and drift repair of its Deployment" },
  { prefix: "/api/v1/users", name: "Users", description: "The console's users and their roles (admins)" },
  { prefix: "/api/v1/api-tokens", name: "API tokens", description: "Your API tokens for the CLI and scripts" },
  { prefix: "/api/v1/dashboard", name: "Overview", description: "The dashboard, catalog counts and the demo catalog" },
  { prefix: "/api/v1/catalog", name: "Overview", description: "The dashboard, catalog counts and the demo catalog" },
  { prefix: "/api/v1/openapi.json", name: "Meta", description: "This document" },
  { prefix: "/api/auth", name: "Sign-in", description: "Browser sign-in and the current session" },
];

export function tagOf(path: string): string {
  return TAGS.find((t) => path === t.prefix || path.startsWith(`${t.prefix}/`))?.name ?? "Other";
}

/** getMcpServersByName, postSourcesByNameSync: stable and unique per method and path. */
export function operationIdOf(route: Pick<RestRoute, "method" | "path">): string {
  const words = route.path
    .replace(/^\/api\/(v1\/)?/, "")
    .split("/")
    .flatMap((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      return param ? ["by", param[1]!] : segment.split(/[-_.]/);
    })
    .filter(Boolean);
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return `${route.method.toLowerCase()}${pascal}`;
}

function pathParams(path: string): z.ZodObject | undefined {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  if (names.length === 0) return undefined;
  return z.object(Object.fromEntries(names.map((n) => [n, z.string().meta({ description: `The ${n === "name" ? "name" : n}` })])));
}

const errorContent = { "application/json": { schema: errorResource } };
const problem = (description: string) => ({ description, content: errorContent });

function errorResponses(route: RestRoute): Record<string, ReturnType<typeof problem>> {
  const out: Record<string, ReturnType<typeof problem>> = {};
  const takesInput = Boolean(route.body || querySchemaOf(route));
  if (route.body) out["400"] = problem("The body is empty or not valid JSON/YAML");
  if (route.role !== "public") {
    out["401"] = problem("No valid session or bearer token");
    out["403"] = problem(`Needs the ${route.role} role (or, with a session cookie, a same-origin request)`);
  }
  if (route.path.includes("{")) out["404"] = problem("No such resource");
  if (route.method !== "GET") out["409"] = problem("Conflicts with the current state: changed since the version sent, name taken, or a run already queued");
  if (route.body) {
    out["413"] = problem("The body is too large");
    out["415"] = problem("Unsupported Content-Type");
  }
  if (takesInput) out["422"] = problem("Invalid input: details.fieldErrors says which field and why");
  out["503"] = problem("The database is unreachable: retry after Retry-After seconds");
  for (const [status, when] of Object.entries(route.errors ?? {})) out[status] = problem(when);
  return out;
}

function successResponses(route: RestRoute): ZodOpenApiOperationObject["responses"] {
  const { status, description, schema, headers } = route.response;
  const contentTypes = route.response.contentTypes ?? ["application/json"];
  const content = schema ? Object.fromEntries(contentTypes.map((type) => [type, { schema }])) : undefined;
  const headerObjects = headers
    ? Object.fromEntries(Object.entries(headers).map(([name, about]) => [name, { description: about, schema: { type: "string" as const } }]))
    : undefined;
  const responses: ZodOpenApiOperationObject["responses"] = {
    [String(status)]: { description, ...(content ? { content } : {}), ...(headerObjects ? { headers: headerObjects } : {}) },
  };
  if (route.dryRun) {
    const preview = dryRunResource(route.dryRunResult ?? schema ?? z.null());
    const previewDescription = "With dryRun=true: the impact preview and what the change would have answered; nothing was written";
    if (status === 200) {
      responses["200"] = {
        description: `${description}; with dryRun=true, the impact preview and what the change would have answered (nothing is written)`,
        content: { "application/json": { schema: z.union([schema ?? z.null(), preview]) } },
      };
    } else {
      responses["200"] = { description: previewDescription, content: { "application/json": { schema: preview } } };
    }
  }
  return responses;
}

function operationOf(route: RestRoute): ZodOpenApiOperationObject {
  const path = pathParams(route.path);
  const query = querySchemaOf(route);
  const operation: ZodOpenApiOperationObject = {
    operationId: operationIdOf(route),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [tagOf(route.path)],
    security: route.role === "public" ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
    "x-opencrane-role": route.role,
    ...(path || query ? { requestParams: { ...(path ? { path } : {}), ...(query ? { query } : {}) } } : {}),
    responses: { ...successResponses(route), ...errorResponses(route) },
  };
  if (route.body) {
    const types = route.body.contentTypes ?? ["application/json"];
    operation.requestBody = {
      required: !route.body.optional,
      ...(route.body.description ? { description: route.body.description } : {}),
      content: Object.fromEntries(types.map((type) => [type, { schema: route.body!.schemas?.[type] ?? route.body!.schema }])),
    };
  }
  return operation;
}

export function buildOpenApiDocument(routes: readonly RestRoute[], options: OpenApiOptions) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    (item as Record<string, ZodOpenApiOperationObject>)[route.method.toLowerCase()] = operationOf(route);
  }
  const usedTags = new Set(routes.map((r) => tagOf(r.path)));
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "OpenCrane control plane API",
      version: options.version,
      description:
        "The admin API: the MCP server catalog, tenants, groups, rules, sources and the audit log. " +
        "Authenticate with `Authorization: Bearer <API token>` (create one under Settings → API tokens) or a console session. " +
        "Every input is validated by the schema shown; errors answer `{error: {code, message, details}}`. " +
        "The machine feeds (/api/internal/obot-registry, /api/internal/contract/{tenant}, the MCP Registry v0.1 view) are described in docs/obot.md, docs/policy.md and docs/registry.md.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: options.serverUrl ?? "/" }],
    tags: [...new Map(TAGS.filter((t) => usedTags.has(t.name)).map(({ name, description }) => [name, { name, description }])).values()],
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An API token (oct_…) or, before the first admin exists, the bootstrap token" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "oc_session", description: "A console session; changes also need a same-origin request" },
      },
    },
  });
}
