/**
 * Random JSON at every REST write route the OpenAPI document describes: bodies shaped from the
 * route's own schema (its field names, with values of any JSON type) and plain random JSON, path
 * parameters that name real objects, odd names or broken escapes, and any dryRun. Whatever is
 * sent, the answer is never a 5xx. On both databases; well under a minute.
 */
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { openApiDocument } from "@/server/rest";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { restClient, testServices } from "./support/services";

type Schema = { $ref?: string; properties?: Record<string, Schema>; anyOf?: Schema[]; oneOf?: Schema[]; items?: Schema; type?: string | string[] };
interface Operation {
  method: string;
  path: string;
  /** Field names of the JSON body, from its schema (empty when it has none or is not an object). */
  fields: string[];
  json: boolean;
}

/**
 * Probes and syncs reach the network; uploads to the built-in source queue a run and, with no
 * worker in tests, the next one waits for it (30 s). They are exercised elsewhere.
 */
const LEFT_OUT = [/\/tools\/discover$/, /\/sync$/, /^\/api\/v1\/sources\/upload$/];

function operations(): Operation[] {
  const document = JSON.parse(openApiDocument().body) as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
    components: { schemas: Record<string, Schema> };
  };
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? resolve(document.components.schemas[schema.$ref.split("/").pop()!]) : schema;
  const fieldsOf = (schema: Schema | undefined): string[] => {
    const resolved = resolve(schema);
    if (!resolved) return [];
    const nested = [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])].flatMap(fieldsOf);
    return [...new Set([...Object.keys(resolved.properties ?? {}), ...nested])];
  };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    if (!path.startsWith("/api/v1/") || LEFT_OUT.some((re) => re.test(path))) continue;
    for (const [method, operation] of Object.entries(methods)) {
      if (!["post", "put", "patch", "delete"].includes(method)) continue;
      const content = operation.requestBody?.content ?? {};
      out.push({ method: method.toUpperCase(), path, fields: fieldsOf(content["application/json"]?.schema), json: "application/json" in content });
    }
  }
  return out;
}

const pathValue = fc.oneof(
  fc.constantFrom(
    "fuzz-server",
    "fuzz-tenant",
    "fuzz-group",
    "fuzz-source",
    "00000000-0000-4000-8000-000000000000",
    "%E0%A4%A",
    "%00",
    "a%2Fb",
    "%C3%BC",
    "x".repeat(300),
  ),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);
const leaf = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("", "\u0000", "fuzz-server", "fuzz-tenant", "2026-01-01T00:00:00Z", "https://example.com/mcp", "allow", "active", "admin"),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1, 0, 2 ** 53, true, false, null),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

function bodyFor(fields: string[]): fc.Arbitrary<string | undefined> {
  const shaped =
    fields.length === 0
      ? fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 4 })
      : fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), value, { maxKeys: 8 });
  return fc.oneof(
    { weight: 4, arbitrary: shaped.map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: value.map((body) => JSON.stringify(body) ?? "null") },
    { weight: 1, arbitrary: fc.constantFrom(undefined, "", "{", "[]", '{"__proto__":{"x":1}}', `${"[".repeat(500)}${"]".repeat(500)}`) },
  );
}

describeEachDatabase("Random JSON at every write route", (database) => {
  let services: Services;
  let rest: ReturnType<typeof restClient>;
  beforeAll(async () => {
    services = await testServices(database());
    rest = restClient(services);
    expect((await rest("POST", "/api/v1/mcp-servers", { name: "fuzz-server", displayName: "Fuzz" })).status).toBe(201);
    expect((await rest("POST", "/api/v1/tenants", { name: "fuzz-tenant" })).status).toBe(201);
    expect((await rest("POST", "/api/v1/groups", { name: "fuzz-group", members: ["fuzz-tenant"] })).status).toBe(201);
    expect((await rest("POST", "/api/v1/sources", { name: "fuzz-source", kind: "manual-upload" })).status).toBe(201);
  });

  it("never answers 5xx", async () => {
    const routes = operations();
    expect(routes.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const operation of routes) {
      const started = Date.now();
      await fc
        .assert(
          fc.asyncProperty(
            fc.array(pathValue, { minLength: 3, maxLength: 3 }),
            bodyFor(operation.fields),
            fc.constantFrom("", "?dryRun=true", "?dryRun=maybe", "?force=true&prune=true"),
            async (params, body, query) => {
              let i = 0;
              const path = operation.path.replace(/\{\w+\}/g, () => params[i++]!) + query;
              const answer = await rest(operation.method, path, body, body === undefined ? {} : { "content-type": "application/json" });
              if (answer.status >= 500)
                failures.push(`${operation.method} ${path} ${body?.slice(0, 200)} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
              return answer.status < 500;
            },
          ),
          { numRuns: Number(process.env.FUZZ_RUNS ?? 20), seed: Number(process.env.FUZZ_SEED ?? 20261203), endOnFailure: true },
        )
        .catch(() => undefined);
      if (process.env.FUZZ_TIMES) console.log(`${Date.now() - started} ms ${operation.method} ${operation.path}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
