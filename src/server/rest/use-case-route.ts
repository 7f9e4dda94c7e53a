/**
 * A REST route as an adapter over a use case: it takes the role and the argument schema from the
 * use case, assembles the arguments from the path, the query string and the body, validates them
 * once with that schema and answers the result.
 */
import { z } from "zod";
import { changesSnapshot, type AnyUseCase, type UseCase } from "../application/use-case";
import { DomainError, fieldErrorsOf, summarize } from "../errors";
import { importBodySchema } from "../formats/import";
import { MAX_IMPORT_BYTES, importFormatOf, parseImportText } from "../formats/import-text";
import { json, queryObject, readBodyText, readJsonBody } from "./http";
import { isMultipart, multipartDocumentsSchema, readMultipartDocuments } from "./multipart";
import type { RestRequest, RestRoute, RouteBody, RouteResponse } from "./router";
import { unknownFieldIssue, unknownFieldMessage, unknownFields } from "../util/unknown-fields";

/**
 * What the request body holds:
 * - the name of one argument (`"patch"`): the JSON body fills it;
 * - `{ arguments: true }`: the JSON body is the arguments themselves (a create, whose tRPC twin takes the same flat object), but for
 *   those the path names: a body field of that name is refused, never silently overruled;
 * - `{ documents: true }`: documents as text, JSON or YAML by Content-Type, filling the `text` and `format` arguments (an import, an upload);
 *   or files in a multipart/form-data form, each JSON or YAML by its type or file name.
 */
export type BodyMode = string | { arguments: true } | { documents: true };

/** What a previewable use case's change produced when it was applied (changeOrPreview's outcome, unwrapped). */
export type Applied<Result> = Result extends { dryRun: false; result: infer T } ? T : Result extends { dryRun: true } ? never : Result;

export interface UseCaseRouteOptions<Result> {
  method: RestRoute["method"];
  path: string;
  summary: string;
  description?: string;
  /** Path parameters named otherwise than their argument: {name: "tenant"} fills `tenant` from {name}. */
  params?: Record<string, string>;
  /** What the body holds (see BodyMode); validation errors name its fields from the body's root. */
  body?: BodyMode;
  /** The body may be empty (then it is {}). */
  optionalBody?: boolean;
  bodyDescription?: string;
  response: RouteResponse;
  errors?: Record<number, string>;
  dryRunResult?: z.ZodType;
  /** The answer; by default the result as JSON with the response's status (a dry run answers its preview). */
  respond?: (result: Applied<Result>, req: RestRequest) => Response;
}

/** The arguments a route takes from its query string: those neither in the path, nor the body, nor dryRun. */
function queryKeys(args: z.ZodObject, path: string, body: BodyMode | undefined, renamed: Record<string, string>): string[] {
  if (body !== undefined && typeof body !== "string" && "arguments" in body) return [];
  const inBody = new Set(body === undefined ? [] : typeof body === "string" ? [body] : ["text", "format"]);
  const inPath = new Set([...path.matchAll(/\{(\w+)\}/g)].map((m) => renamed[m[1]!] ?? m[1]!));
  return Object.keys(args.shape).filter((key) => !inPath.has(key) && !inBody.has(key) && key !== "dryRun");
}

/** The arguments a route's path fills. */
function pathArguments(path: string, renamed: Record<string, string>): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => renamed[m[1]!] ?? m[1]!);
}

/** The body as the OpenAPI document describes it. */
function bodyOf(useCase: AnyUseCase, options: UseCaseRouteOptions<unknown>): RouteBody | undefined {
  const { body } = options;
  if (body === undefined) return undefined;
  const described = { optional: options.optionalBody, description: options.bodyDescription };
  if (typeof body === "string") {
    const schema = (useCase.args.shape as Record<string, z.ZodType>)[body];
    if (!schema) throw new Error(`${useCase.name}: no argument '${body}' for the body`);
    return { schema, ...described };
  }
  if ("arguments" in body) {
    const fromPath = pathArguments(options.path, options.params ?? {});
    const schema = fromPath.length > 0 ? useCase.args.omit(Object.fromEntries(fromPath.map((key) => [key, true])) as Record<string, true>) : useCase.args;
    return { schema, ...described };
  }
  return {
    schema: importBodySchema,
    contentTypes: ["application/json", "application/yaml", "multipart/form-data"],
    schemas: { "multipart/form-data": multipartDocumentsSchema },
    ...described,
  };
}

/** The arguments the request body holds. */
async function readArgumentsFromBody(request: Request, options: UseCaseRouteOptions<unknown>): Promise<Record<string, unknown>> {
  const { body } = options;
  if (body === undefined) return {};
  if (typeof body === "string") return { [body]: await readJsonBody(request, { optional: options.optionalBody }) };
  if ("arguments" in body) {
    const value = await readJsonBody(request, { optional: options.optionalBody });
    // Not an object: validated as it is, so the caller reads what the body should have been.
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { [NOT_AN_OBJECT]: value };
  }
  const contentType = request.headers.get("content-type") ?? "";
  const text = await readBodyText(request, MAX_IMPORT_BYTES);
  if (isMultipart(contentType)) return readMultipartDocuments(text, contentType);
  const documents = { text, format: importFormatOf(contentType) };
  // An empty body is answered as the parser answers it (not valid JSON, no YAML documents).
  if (text === "") parseImportText(documents);
  return documents;
}

/** A body field the path already names: which one counts would be a guess. */
function refuseBodyField(useCase: AnyUseCase, raw: Record<string, unknown>, key: string, param: string): never {
  const details = { fieldErrors: { [key]: [`given by the path ({${param}}): leave it out of the body`] }, formErrors: [] };
  throw new DomainError("VALIDATION_FAILED", `${useCase.invalid?.(raw) ?? "invalid input"}: ${summarize(details)}`, details);
}

/** Marks a JSON body that is not an object, where the body should hold the arguments. */
const NOT_AN_OBJECT = Symbol("not an object");

/** Field paths are the caller's: a body's fields are named from the body's root, not from the argument holding it. */
function relativeTo(body: BodyMode | undefined, path: PropertyKey[]): PropertyKey[] {
  return typeof body === "string" && path[0] === body ? path.slice(1) : path;
}

function parseArgs(useCase: AnyUseCase, body: BodyMode | undefined, raw: Record<string, unknown>, notInBody: ReadonlySet<string>): unknown {
  const value = NOT_AN_OBJECT in raw ? raw[NOT_AN_OBJECT] : raw;
  const result = useCase.args.safeParse(value);
  // A field the schema does not know is refused, not dropped: a typo must not pass as accepted.
  const unknown = unknownFields(useCase.args, value).map((field) => {
    const known = field.path.length === 1 ? field.known.filter((key) => !notInBody.has(key)) : field.known;
    return unknownFieldIssue(field, unknownFieldMessage({ ...field, known }));
  });
  if (result.success && unknown.length === 0) return result.data;
  const issues = [...(result.success ? [] : result.error.issues), ...unknown].map((issue: z.core.$ZodIssue) => ({
    ...issue,
    path: relativeTo(body, issue.path),
  }));
  const details = fieldErrorsOf(new z.ZodError(issues));
  const prefix = useCase.invalid?.(raw) ?? "invalid input";
  throw new DomainError("VALIDATION_FAILED", `${prefix}: ${summarize(details)}`, details);
}

export function useCaseRoute<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>, options: UseCaseRouteOptions<Result>): RestRoute {
  const shape = useCase.args.shape as Record<string, z.ZodType>;
  const takesDryRun = "dryRun" in shape;
  const renamed = options.params ?? {};
  const fromQuery = queryKeys(useCase.args, options.path, options.body, renamed);
  assertWellFormed(useCase.name, options, shape);
  // Arguments a caller gives in the path or the query string: not offered as the body's fields.
  const notInBody = new Set([...pathArguments(options.path, renamed), ...fromQuery, "dryRun"]);
  return {
    method: options.method,
    path: options.path,
    summary: options.summary,
    description: options.description,
    role: useCase.role,
    mutates: changesSnapshot(useCase as AnyUseCase),
    useCase: useCase as AnyUseCase,
    query: fromQuery.length > 0 ? useCase.args.pick(Object.fromEntries(fromQuery.map((k) => [k, true])) as Record<string, true>) : undefined,
    dryRun: takesDryRun,
    dryRunResult: options.dryRunResult,
    body: bodyOf(useCase as AnyUseCase, options as UseCaseRouteOptions<unknown>),
    response: options.response,
    errors: options.errors,
    // The router validated the query string against these same argument schemas; the arguments
    // are assembled from the raw strings again so that one parse gives the typed whole.
    handle: async (req) => {
      const raw: Record<string, unknown> = await readArgumentsFromBody(req.request, options as UseCaseRouteOptions<unknown>);
      for (const [param, value] of Object.entries(req.params)) {
        const key = renamed[param] ?? param;
        if (Object.hasOwn(raw, key)) refuseBodyField(useCase as AnyUseCase, raw, key, param);
        raw[key] = value;
      }
      const queryString = queryObject(req.url);
      for (const key of fromQuery) if (Object.hasOwn(queryString, key)) raw[key] = queryString[key];
      if (takesDryRun) raw.dryRun = (req.query as { dryRun?: boolean }).dryRun ?? false;
      const args = parseArgs(useCase as AnyUseCase, options.body, raw, notInBody) as z.output<Args>;
      const result = await useCase.run({ services: req.services, change: req.change, principal: req.principal }, args);
      if (isPreview(result)) return json({ dryRun: true, impact: result.impact, result: result.result });
      if (options.respond) return options.respond(unwrapChange(result) as Applied<Result>, req);
      const value = unwrapChange(result);
      if (options.response.status === 204) return new Response(null, { status: 204 });
      return json(value, options.response.status);
    },
  };
}

/**
 * Mistakes in a route's declaration that would otherwise pass silently: a path parameter no
 * argument takes (dropped), a body on a GET (never read by clients that send none), a body
 * argument also filled from the path (one would overwrite the other).
 */
function assertWellFormed(
  name: string,
  options: Pick<UseCaseRouteOptions<unknown>, "method" | "path" | "params" | "body">,
  shape: Record<string, z.ZodType>,
): void {
  const pathParams = [...options.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  for (const param of Object.keys(options.params ?? {})) {
    if (!pathParams.includes(param)) throw new Error(`${name}: params renames {${param}}, which ${options.path} does not have`);
  }
  for (const param of pathParams) {
    const arg = options.params?.[param] ?? param;
    if (!Object.hasOwn(shape, arg)) throw new Error(`${name}: no argument '${arg}' for the path parameter {${param}} of ${options.path}`);
    if (arg === options.body) {
      throw new Error(`${name}: '${arg}' is filled from both the path and the body`);
    }
  }
  if (options.body !== undefined && options.method === "GET") throw new Error(`${name}: a GET route takes no body`);
}

/** A previewable use case answers changeOrPreview's outcome; REST answers the preview, or the result alone. */
function isPreview(value: unknown): value is { dryRun: true; impact: unknown; result: unknown } {
  return typeof value === "object" && value !== null && (value as { dryRun?: unknown }).dryRun === true && "impact" in value;
}

function unwrapChange(value: unknown): unknown {
  if (typeof value === "object" && value !== null && (value as { dryRun?: unknown }).dryRun === false && "result" in value) {
    return (value as { result: unknown }).result;
  }
  return value;
}
