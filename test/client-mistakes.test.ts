/**
 * Issue 10, item 6: what an OpenAPI-driven fuzzer sent that got a 5xx. Each is the client's
 * mistake (or a correct request) and gets a clear 4xx (or the right answer), on both databases.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { boundedTrpcRequest } from "@/server/trpc/body-limit";
import { createTrpcContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";
import type { Services } from "@/server/services";
import { startApiServer, type ApiServer } from "./support/api-server";
import { describeEachDatabase } from "./support/database";
import { BOOTSTRAP, restClient, testServices } from "./support/services";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

describeEachDatabase("Client mistakes get a 4xx", (database) => {
  let services: Services;
  let api: ApiServer;
  let rest: ReturnType<typeof restClient>;
  beforeAll(async () => {
    services = await testServices(database());
    api = await startApiServer(services);
    rest = restClient(services);
  });
  afterAll(() => api.close());

  /** A tRPC call the way the route handler serves it: the capped body, then the fetch adapter with real authentication. */
  async function trpc(path: string, init: { method?: string; body?: string; query?: string; headers?: Record<string, string> } = {}) {
    const incoming = new Request(`http://cp.test/api/trpc/${path}${init.query ? `?${init.query}` : ""}`, {
      method: init.method ?? "GET",
      headers: { "content-type": "application/json", ...BOOTSTRAP, ...init.headers },
      body: init.body,
    });
    const request = await boundedTrpcRequest(incoming);
    const response =
      request instanceof Response
        ? request
        : await fetchRequestHandler({
            endpoint: "/api/trpc",
            req: request,
            router: appRouter,
            createContext: () => createTrpcContext(services, { method: request.method, headers: request.headers, url: request.url }),
          });
    return { status: response.status, body: (await response.json()) as any };
  }

  it("answers 400 to JSON nested thousands deep, in a REST body, an import and tRPC", async () => {
    for (const depth of [3_000, 5_000, 100_000]) {
      const patch = await rest("POST", "/api/v1/tenants", nestedObject(depth));
      expect(patch.status, `tenant create ${depth}`).toBe(400);
      expect(patch.body.error.message).toMatch(/nested deeper than 100 levels/);
      const imported = await rest("POST", "/api/v1/mcp-servers/import", nested(depth));
      expect(imported.status, `import ${depth}`).toBe(400);
      expect(imported.body.error.message).toMatch(/nested deeper than 100 levels/);
      const upload = await trpc("sources.upload", { method: "POST", body: JSON.stringify({ text: nested(depth), format: "json" }) });
      expect(upload.status, `tRPC upload ${depth}`).toBe(400);
      const mutation = await trpc("catalog.create", { method: "POST", body: `{"name":"deep","metadata":${nestedObject(depth)}}` });
      expect(mutation.status, `tRPC body ${depth}`).toBe(400);
      expect(mutation.body.error.message).toMatch(/nested deeper than 100 levels/);
      const query = await trpc("catalog.list", { query: `input=${encodeURIComponent(nested(Math.min(depth, 3_000)))}` });
      expect(query.status, `tRPC query ${depth}`).toBe(400);
    }
  });

  it("still takes JSON and YAML nested as deep as real documents go", async () => {
    const imported = await rest("POST", "/api/v1/mcp-servers/import", `[${nestedObject(20).replace("1", '"x"')}]`);
    expect(imported.status).toBe(200);
    expect(imported.body.rejected).toHaveLength(1);
  });

  it("answers 400 to a YAML alias that contains itself, in an import and a tRPC upload", async () => {
    for (const yaml of ["a: &a\n  b: *a\n", "- &x [1, *x]\n", "name: loop\nmeta: &m\n  list:\n    - *m\n"]) {
      const imported = await rest("POST", "/api/v1/mcp-servers/import", yaml, { "content-type": "application/yaml" });
      expect(imported.status, yaml).toBe(400);
      expect(imported.body.error.message).toMatch(/nested deeper than 100 levels, or an alias contains itself/);
      const upload = await trpc("sources.upload", { method: "POST", body: JSON.stringify({ text: yaml, format: "yaml" }) });
      expect(upload.status, yaml).toBe(400);
    }
  });

  it("answers 422 to an audit cursor past the range of event ids, and 409 to a version past an integer's", async () => {
    for (const cursor of ["99999999999999999999", "9223372036854775808", "9007199254740993"]) {
      const res = await rest("GET", `/api/v1/audit?cursor=${cursor}`);
      expect(res.status, cursor).toBe(422);
      expect(res.body.error.details.fieldErrors.cursor).toEqual(["cursor is not valid: start again without it"]);
    }
    await rest("POST", "/api/v1/mcp-servers", { name: "ranged", displayName: "Ranged" });
    // Versions are compared with the stored one, never sent to an integer column: any number is just stale.
    const deleted = await rest("DELETE", "/api/v1/mcp-servers/ranged?version=99999999999");
    expect(deleted.status).toBe(409);
    const patched = await rest("PATCH", "/api/v1/mcp-servers/ranged", { version: 99_999_999_999, shortDescription: "x" });
    expect(patched.status).toBe(409);
  });

  it("answers 400 before streaming an export filtered by text with a NUL, and to NUL in any query parameter", async () => {
    for (const path of [
      "/api/v1/audit/export?format=csv&actor=%00",
      "/api/v1/audit/export?entityId=a%00b",
      "/api/v1/audit?action=%00",
      "/api/v1/mcp-servers?q=%00",
    ]) {
      const response = await fetch(`${api.url}${path}`, { headers: BOOTSTRAP });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, path).toBe(400);
      expect(body.error.message).toMatch(/contains a NUL character/);
    }
    const fine = await fetch(`${api.url}/api/v1/audit/export?format=csv&actor=nobody`, { headers: BOOTSTRAP });
    expect(fine.status).toBe(200);
    expect(await fine.text()).toMatch(/^id,at,actor/);
  });

  it("lists no tokens of its own for the bootstrap token (tRPC tokens.list), and everyone's when it asks as admin", async () => {
    const own = await trpc("tokens.list");
    expect(own.status).toBe(200);
    expect(own.body.result.data).toEqual([]);
    const all = await trpc("tokens.list", { query: `input=${encodeURIComponent(JSON.stringify({ all: true }))}` });
    expect(all.status).toBe(200);
    expect(all.body.result.data).toEqual([]);
  });
});
