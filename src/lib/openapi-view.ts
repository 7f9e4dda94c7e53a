/**
 * Turns the OpenAPI document into what the API reference page shows: operations grouped by tag,
 * and JSON Schemas as readable trees (type labels, constraints, required fields). Pure, so the
 * page stays a thin renderer and this is tested on the real document.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
};

export type SchemaView =
  | { kind: "ref"; name: string; description?: string }
  | { kind: "object"; properties: PropertyView[]; values?: SchemaView; description?: string }
  | { kind: "array"; items: SchemaView; constraints: string[]; description?: string }
  | { kind: "union"; options: SchemaView[]; description?: string }
  | { kind: "scalar"; type: string; values?: string[]; constraints: string[]; description?: string }
  | { kind: "any"; description?: string };

export interface PropertyView {
  name: string;
  required: boolean;
  schema: SchemaView;
  defaultValue?: string;
}

export const schemaAnchor = (name: string) => `schema-${name}`;

/** Readable limits; the dates' and emails' long regexes say nothing a format name does not. */
function constraintsOf(schema: JsonSchema): string[] {
  const out: string[] = [];
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    const big = (n: number | undefined) => n !== undefined && Math.abs(n) >= Number.MAX_SAFE_INTEGER;
    const lo = big(min) ? undefined : min;
    const hi = big(max) ? undefined : max;
    if (lo !== undefined && hi !== undefined) out.push(lo === hi ? `exactly ${lo}${unit}` : `${lo}–${hi}${unit}`);
    else if (hi !== undefined) out.push(`at most ${hi}${unit}`);
    else if (lo !== undefined && lo > 0) out.push(`at least ${lo}${unit}`);
  };
  range(schema.minLength, schema.maxLength, " characters");
  range(schema.minimum, schema.maximum, "");
  range(schema.minItems, schema.maxItems, " items");
  if (schema.format) out.push(schema.format);
  else if (schema.pattern) out.push(`matches ${schema.pattern}`);
  return out;
}

const refName = (ref: string) => ref.replace(/^.*\/components\/schemas\//, "");

export function viewOf(schema: JsonSchema | boolean | undefined): SchemaView {
  if (schema === undefined || schema === true || schema === false) return { kind: "any" };
  const description = schema.description;
  const withDescription = <T extends SchemaView>(view: T): T => (description ? { ...view, description } : view);
  if (schema.$ref) return withDescription({ kind: "ref", name: refName(schema.$ref) });
  const options = schema.oneOf ?? schema.anyOf;
  if (options) {
    // zod marks nullable as anyOf [T, null]: show it as one option, "or null".
    const nonNull = options.filter((o) => o.type !== "null");
    if (nonNull.length === 1 && options.length === 2) {
      const inner = viewOf({ ...nonNull[0]!, description: nonNull[0]!.description ?? description });
      return inner.kind === "scalar"
        ? { ...inner, type: `${inner.type} or null` }
        : { kind: "union", options: [inner, { kind: "scalar", type: "null", constraints: [] }], ...(description ? { description } : {}) };
    }
    return withDescription({ kind: "union", options: options.map(viewOf) });
  }
  if (schema.allOf?.length === 1) return viewOf({ ...schema.allOf[0]!, description });
  if (schema.const !== undefined) return withDescription({ kind: "scalar", type: JSON.stringify(schema.const), constraints: [] });
  if (schema.enum) {
    return withDescription({ kind: "scalar", type: "one of", values: schema.enum.map((v) => JSON.stringify(v)), constraints: [] });
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : schema.type;
  if (type === "object" || schema.properties) {
    const required = new Set(schema.required ?? []);
    const properties = Object.entries(schema.properties ?? {}).map(([name, property]) => ({
      name,
      required: required.has(name),
      schema: viewOf(property),
      ...(property.default !== undefined ? { defaultValue: JSON.stringify(property.default) } : {}),
    }));
    const values = typeof schema.additionalProperties === "object" ? viewOf(schema.additionalProperties) : undefined;
    return withDescription({ kind: "object", properties, ...(values ? { values } : {}) });
  }
  if (type === "array") return withDescription({ kind: "array", items: viewOf(schema.items), constraints: constraintsOf(schema) });
  if (type) return withDescription({ kind: "scalar", type, constraints: constraintsOf(schema) });
  return withDescription({ kind: "any" });
}

/** A short label for a column: "string", "Tenant", "array of Grant", "object", "one of 4 shapes". */
export function typeLabel(view: SchemaView): string {
  switch (view.kind) {
    case "ref":
      return view.name;
    case "object":
      return view.properties.length === 0 && view.values ? `map of ${typeLabel(view.values)}` : "object";
    case "array":
      return `array of ${typeLabel(view.items)}`;
    case "union":
      return view.options.every((o) => o.kind === "scalar") ? view.options.map(typeLabel).join(" or ") : `one of ${view.options.length} shapes`;
    case "scalar":
      return view.values ? view.values.join(" | ") : view.type;
    case "any":
      return "any";
  }
}

/** Whether the view has structure worth unfolding below its row. */
export function hasChildren(view: SchemaView): boolean {
  if (view.kind === "object") return view.properties.length > 0 || (view.values !== undefined && hasChildren(view.values));
  if (view.kind === "array") return hasChildren(view.items);
  if (view.kind === "union") return view.options.some((o) => o.kind !== "scalar");
  return false;
}

export interface ParameterView {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  description?: string;
  schema: SchemaView;
}

export interface OperationView {
  id: string;
  method: string;
  path: string;
  summary: string;
  description?: string;
  role: string;
  parameters: ParameterView[];
  body?: { required: boolean; description?: string; contentTypes: string[]; schema: SchemaView };
  responses: { status: string; description: string; contentTypes: string[]; schema?: SchemaView }[];
}

export interface TagView {
  name: string;
  description?: string;
  operations: OperationView[];
}

type RawOperation = {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  "x-opencrane-role"?: string;
  parameters?: { name: string; in: ParameterView["in"]; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; description?: string; content: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: JsonSchema }> }>;
};

export interface OpenApiDocumentLike {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHOD_ORDER = ["get", "post", "put", "patch", "delete"];

export function operationsByTag(doc: OpenApiDocumentLike): TagView[] {
  const tags = new Map<string, TagView>((doc.tags ?? []).map((t) => [t.name, { name: t.name, description: t.description, operations: [] }]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHOD_ORDER) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      if (!tags.has(tag)) tags.set(tag, { name: tag, operations: [] });
      const firstSchema = (content: Record<string, { schema?: JsonSchema }> | undefined) => Object.values(content ?? {})[0]?.schema;
      tags.get(tag)!.operations.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? "",
        ...(op.description ? { description: op.description } : {}),
        role: op["x-opencrane-role"] ?? "public",
        parameters: (op.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in,
          required: Boolean(p.required),
          ...((p.description ?? p.schema?.description) ? { description: p.description ?? p.schema?.description } : {}),
          schema: viewOf(p.schema),
        })),
        ...(op.requestBody
          ? {
              body: {
                required: Boolean(op.requestBody.required),
                ...(op.requestBody.description ? { description: op.requestBody.description } : {}),
                contentTypes: Object.keys(op.requestBody.content),
                schema: viewOf(firstSchema(op.requestBody.content)),
              },
            }
          : {}),
        responses: Object.entries(op.responses)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, response]) => {
            const schema = firstSchema(response.content);
            return {
              status,
              description: response.description,
              contentTypes: Object.keys(response.content ?? {}),
              ...(schema ? { schema: viewOf(schema) } : {}),
            };
          }),
      });
    }
  }
  return [...tags.values()].filter((t) => t.operations.length > 0);
}

/** A curl command for the operation, with the placeholders a reader fills in. */
export function curlExample(op: OperationView): string {
  const url = `"$OPENCRANE_URL${op.path.replace(/\{(\w+)\}/g, (_, name: string) => `<${name}>`)}"`;
  const lines = [`curl${op.method === "GET" ? "" : ` -X ${op.method}`} ${url}`];
  if (op.role !== "public") lines.push(`  -H "Authorization: Bearer $OPENCRANE_TOKEN"`);
  if (op.body) {
    const type = op.body.contentTypes[0] ?? "application/json";
    lines.push(`  -H "Content-Type: ${type}"`, `  --data-binary @${type.includes("yaml") ? "servers.yaml" : "body.json"}`);
  }
  return lines.join(" \\\n");
}
