import { z } from "zod";
import type { AnyUseCase } from "../application/use-case";
import type { ChangeContext } from "../audit/audit";
import { authenticate } from "../auth/authenticate";
import { authorize } from "../auth/guard";
import { changeContext, type Principal } from "../auth/principal";
import type { Requirement } from "../auth/roles";
import type { Services } from "../services";
import { parseInput } from "../errors";
import { decodePathSegment, errorResponse, json, queryObject, requestIdOf, sourceIpOf } from "./http";

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RestRequest<Query = Record<string, unknown>> {
  services: Services;
  request: Request;
  url: URL;
  params: Record<string, string>;
  /** The query string, parsed by the route's `query` schema (empty when it declares none). */
  query: Query;
  change: ChangeContext;
  principal: Principal | null;
  requestId: string;
}

export interface RouteBody {
  /** The schema the domain function validates the body with (the one tRPC and the UI form use). */
  schema: z.ZodType;
  /** An empty body is accepted (as {}). */
  optional?: boolean;
  /** Defaults to application/json. */
  contentTypes?: readonly string[];
  /** A content type's own schema, where it differs from `schema` (a multipart form's fields). */
  schemas?: Record<string, z.ZodType>;
  description?: string;
}

export interface RouteResponse {
  status: number;
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when there is a schema. */
  contentTypes?: readonly string[];
  /** Response headers worth knowing, by name, with what they mean. */
  headers?: Record<string, string>;
}

export interface RestRoute<Query extends z.ZodObject = z.ZodObject> {
  method: Method;
  /** OpenAPI-style template, e.g. /api/v1/mcp-servers/{name}. */
  path: string;
  summary: string;
  description?: string;
  /** The smallest role allowed to call it; checked before the handler runs. */
  role: Requirement;
  /** Successful calls may change the catalog, so the feed snapshot is rebuilt before answering. */
  mutates: boolean;
  /** Query parameters: validated here (422 on a mistake) and handed to the handler parsed. */
  query?: Query;
  body?: RouteBody;
  response: RouteResponse;
  /** Error statuses particular to this route, with when they happen (the usual ones are documented for every route). */
  errors?: Record<number, string>;
  /** The route takes ?dryRun=true and then answers the impact preview instead of changing anything. */
  dryRun?: boolean;
  /** What a dry run's `result` holds when it differs from the response schema (a delete previews what it would remove). */
  dryRunResult?: z.ZodType;
  /** The use case the route adapts (its role and argument schema are the route's). */
  useCase?: AnyUseCase;
  handle(req: RestRequest<z.output<Query>>): Promise<Response>;
}

export const dryRunQuery = z.object({
  dryRun: z
    .enum(["true", "false", "1", "0", ""], { error: "dryRun must be true or false" })
    .optional()
    .transform((v) => v === "true" || v === "1" || v === "")
    .meta({ description: "true: answer the impact preview (who gains and loses which server) and write nothing" }),
});

/** The query schema a route is validated and documented with: its own, plus dryRun where it takes one. */
export function querySchemaOf(route: RestRoute): z.ZodObject | undefined {
  if (!route.dryRun) return route.query;
  return route.query ? route.query.extend(dryRunQuery.shape) : dryRunQuery;
}

/** Keeps a route's query type for its handler while it sits in a table of routes. */
export function route<Query extends z.ZodObject>(definition: RestRoute<Query>): RestRoute {
  return definition as unknown as RestRoute;
}

interface CompiledRoute extends RestRoute {
  pattern: RegExp;
  paramNames: string[];
  querySchema: z.ZodObject | undefined;
}

function compile(route: RestRoute): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      paramNames.push(param[1]!);
      return "([^/]+)";
    })
    .join("/");
  return { ...route, pattern: new RegExp(`^${source}/?$`), paramNames, querySchema: querySchemaOf(route) };
}

/** Routes a request through a table of REST routes; static segments win over parameters. */
export function createRestRouter(routes: readonly RestRoute[]) {
  const compiled = routes.map(compile).sort((a, b) => a.paramNames.length - b.paramNames.length);

  return async function dispatch(services: Services, request: Request): Promise<Response> {
    const url = new URL(request.url);
    const requestId = requestIdOf(request);
    const pathMatches = compiled.map((route) => ({ route, match: route.pattern.exec(url.pathname) })).filter((m) => m.match !== null);
    const method = request.method === "HEAD" ? "GET" : request.method;
    const hit = pathMatches.find((m) => m.route.method === method);
    let response: Response;
    if (!hit) {
      response =
        pathMatches.length === 0
          ? json({ error: { code: "NOT_FOUND", message: `no such endpoint: ${request.method} ${url.pathname}`, details: {} } }, 404)
          : json({ error: { code: "METHOD_NOT_ALLOWED", message: `${request.method} is not allowed on ${url.pathname}`, details: {} } }, 405, {
              Allow: [...new Set(pathMatches.map((m) => m.route.method))].join(", "),
            });
    } else {
      const params: Record<string, string> = {};
      try {
        hit.route.paramNames.forEach((name, i) => {
          params[name] = decodePathSegment(hit.match![i + 1]!);
        });
        const principal = await authenticate(services.db, services.config.auth, request.headers).catch((error) => {
          if (hit.route.role === "public") return null;
          throw error;
        });
        authorize(principal, hit.route.role, { method: request.method, headers: request.headers, url: request.url }, services.config.auth);
        const change = changeContext(principal, { requestId, sourceIp: sourceIpOf(request, services.config) });
        const query = hit.route.querySchema ? parseInput(hit.route.querySchema, queryObject(url), "invalid query") : {};
        // A dry run writes nothing: no build waits for it, and none follows it.
        const writes = hit.route.mutates && (query as { dryRun?: unknown }).dryRun !== true;
        const written = writes ? services.snapshots.writeStarted() : null;
        try {
          response = await hit.route.handle({ services, request, url, params, query, change, principal, requestId });
        } finally {
          written?.();
        }
        if (writes && response.ok) await services.snapshots.refresh().catch(() => undefined);
      } catch (error) {
        response = errorResponse(error, requestId);
      }
    }
    response.headers.set("X-Request-Id", requestId);
    return response;
  };
}
