/**
 * The OpenAPI document: valid OpenAPI 3.1, in step with the routes the app really serves, and
 * truthful: every answer of a realistic session is validated against the schema the document
 * gives for its operation and status.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { dispatchAuth } from "@/server/rest/auth-routes";
import { dispatchRest, documentedRoutes, openApiDocument, restRoutes } from "@/server/rest";
import { operationIdOf } from "@/server/rest/openapi";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { apiTokenCreateInput, createApiToken } from "@/server/auth/tokens";
import { startMutableServer } from "./support/mcp-servers";
import { ALICE, BOOTSTRAP, principalFor, restClient, testServices } from "./support/services";

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

const document = (): Document => JSON.parse(openApiDocument().body) as Document;
const METHODS = ["get", "post", "patch", "put", "delete"];

function documentedOperations(doc: Document): { method: string; path: string }[] {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => ({ method: m.toUpperCase(), path: p })),
  );
}

/** The route files under src/app/api, relative to it. */
function routeFiles(dir = path.resolve(__dirname, "../src/app/api"), prefix = ""): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full, `${prefix}/${entry}`);
    return entry === "route.ts" ? [prefix] : [];
  });
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const doc = document();
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("describes every registered route, and nothing else", () => {
    const documented = documentedOperations(document())
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    const registered = documentedRoutes.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(registered);
    expect(new Set(documentedRoutes.map(operationIdOf)).size).toBe(documentedRoutes.length);
  });

  it("has no /api/v1 or /api/auth route outside the table it is generated from", () => {
    const files = routeFiles().filter((f) => f.startsWith("/v1") || f.startsWith("/auth"));
    expect(files.sort()).toEqual(["/auth/[...path]", "/v1/[...path]"]);
  });

  it("documents a body schema for every route that reads one, and a response for every route", () => {
    for (const route of documentedRoutes) {
      const operation = document().paths[route.path]![route.method.toLowerCase()]!;
      expect(operation.responses[String(route.response.status)], `${route.method} ${route.path}`).toBeDefined();
      if (route.role !== "public") expect(operation.responses["401"], `${route.method} ${route.path}`).toBeDefined();
    }
  });
});

describeEachDatabase("OpenAPI: the served API matches the document", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;
  const doc = document();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "openapi.json", components: doc.components });
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  const checked = new Set<string>();

  /** Validates an answer against what the document says the operation answers with that status. */
  function conforms(method: string, template: string, res: { status: number; body: unknown; headers: Headers }) {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const response = operation!.responses[String(res.status)];
    expect(response, `${method} ${template} documents status ${res.status} (body: ${JSON.stringify(res.body).slice(0, 300)})`).toBeDefined();
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
    const media = response!.content?.[type];
    if (res.status !== 204 && res.status !== 304 && response!.content) {
      expect(media, `${method} ${template} ${res.status} documents ${type}`).toBeDefined();
      const key = `${method} ${template} ${res.status} ${type}`;
      let validate = validators.get(key);
      if (!validate) {
        // Component references resolve against the document's components.
        const schema = JSON.parse(JSON.stringify(media!.schema).replaceAll('"#/components/', '"openapi.json#/components/'));
        validate = ajv.compile(schema);
        validators.set(key, validate);
      }
      const bodies =
        type === "application/x-ndjson"
          ? String(res.body)
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l))
          : [res.body];
      for (const body of bodies) {
        const ok = validate(body);
        expect(ok ? [] : validate.errors, `${method} ${template} ${res.status}: ${JSON.stringify(body).slice(0, 400)}`).toEqual([]);
      }
    }
    if (res.status < 300) checked.add(`${method} ${template}`);
  }

  /** Calls a route and checks its answer; `template` is the documented path. */
  async function exchange(method: string, template: string, concrete: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await call(method, concrete, body, headers);
    conforms(method, template, res);
    return res;
  }

  beforeAll(async () => {
    services = await testServices(database(), {
      ingest: { fetchAllowHosts: ["127.0.0.1"], denylistedNamespaces: [] },
      toolDiscovery: { intervalMs: 0, discoverOnPublish: true },
    });
    call = restClient(services);
  });

  it("answers a whole session as documented, every operation at least once", async () => {
    const S = "/api/v1/mcp-servers";
    await exchange("GET", "/api/v1/openapi.json", "/api/v1/openapi.json");

    // Servers
    await exchange("POST", S, S, { name: "alpha", displayName: "Alpha", endpoint: "https://alpha.example.com/mcp" });
    await exchange("POST", S, S, { name: "gamma", displayName: "Gamma", endpoint: "https://gamma.example.com/mcp" });
    await exchange("GET", S, `${S}?status=draft,active&limit=5`);
    const alpha = await exchange("GET", `${S}/{name}`, `${S}/alpha`);
    await exchange("PATCH", `${S}/{name}`, `${S}/alpha`, { version: alpha.body.version, shortDescription: "The first" });
    await exchange("POST", `${S}/{name}/publish`, `${S}/alpha/publish?dryRun=true`);
    await exchange("POST", `${S}/{name}/publish`, `${S}/alpha/publish`);
    await exchange("POST", `${S}/{name}/publish`, `${S}/gamma/publish`, { reason: "reviewed" });
    await exchange("GET", `${S}/{name}/obot-entry`, `${S}/alpha/obot-entry`);
    await exchange("GET", `${S}/{name}/registry-entry`, `${S}/alpha/registry-entry`);
    await exchange("POST", `${S}/{name}/disable`, `${S}/gamma/disable?dryRun=1`);
    const gamma = await exchange("POST", `${S}/{name}/disable`, `${S}/gamma/disable`);
    await exchange("DELETE", `${S}/{name}`, `${S}/gamma?version=${gamma.body.version}`);
    await exchange("POST", `${S}:batch`, `${S}:batch?dryRun=true`, { action: "disable", names: ["alpha"] });
    await exchange("POST", `${S}:batch`, `${S}:batch`, { action: "publish", names: ["alpha", "no-such-server"] }); // 422, documented
    await exchange("GET", `${S}/{name}`, `${S}/gamma`); // 404, documented

    // Tools: discovered from a live MCP server, pinned at publish, drift reviewed
    const lookup = { name: "lookup", description: "Looks a record up", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } };
    const mcp = await startMutableServer([lookup]);
    try {
      await exchange("POST", S, S, { name: "tooled-server", displayName: "Tooled server", endpoint: mcp.url });
      await exchange("PATCH", `${S}/{name}/tools/probe-headers`, `${S}/tooled-server/tools/probe-headers`, { headers: { "X-Api-Key": "s3cret" } });
      await exchange("POST", `${S}/{name}/tools/discover`, `${S}/tooled-server/tools/discover`);
      await exchange("POST", `${S}/{name}/publish`, `${S}/tooled-server/publish`);
      mcp.tools.push({ name: "erase", description: "Erases a record", inputSchema: { type: "object" }, annotations: { destructiveHint: true } });
      const drifted = await exchange("POST", `${S}/{name}/tools/discover`, `${S}/tooled-server/tools/discover`);
      expect(drifted.body.drift.added.map((t: { name: string }) => t.name)).toEqual(["erase"]);
      await exchange("PUT", `${S}/{name}/tools/settings`, `${S}/tooled-server/tools/settings`, { onToolDrift: "suspend-server" });
      await exchange("GET", "/api/v1/review/tool-drift", "/api/v1/review/tool-drift");
      await exchange("POST", "/api/v1/review/tool-drift/{server}/approve", "/api/v1/review/tool-drift/tooled-server/approve", { digest: drifted.body.digest });
      await exchange("POST", `${S}/{name}/tools/upload`, `${S}/tooled-server/tools/upload`, { tools: [lookup] });
      await exchange("POST", "/api/v1/review/tool-drift/{server}/reject", "/api/v1/review/tool-drift/tooled-server/reject");
      await exchange("GET", `${S}/{name}/tools`, `${S}/tooled-server/tools`);
    } finally {
      await mcp.close();
    }

    // Tenants, groups, rules
    const tenant = { name: "payments-agent", team: "payments", labels: { env: "prod" } };
    await exchange("POST", "/api/v1/tenants", "/api/v1/tenants?dryRun=true", tenant);
    await exchange("POST", "/api/v1/tenants", "/api/v1/tenants", tenant);
    await exchange("POST", "/api/v1/tenants", "/api/v1/tenants", { name: "ops-agent" });
    await exchange("GET", "/api/v1/tenants", "/api/v1/tenants?label=env=prod");
    await exchange("PATCH", "/api/v1/tenants/{name}", "/api/v1/tenants/payments-agent", { displayName: "Payments agent" });
    await exchange("POST", "/api/v1/groups", "/api/v1/groups?dryRun=true", { name: "platform", members: ["payments-agent"] });
    await exchange("POST", "/api/v1/groups", "/api/v1/groups", { name: "platform", members: ["payments-agent"] });
    await exchange("GET", "/api/v1/groups", "/api/v1/groups");
    await exchange("GET", "/api/v1/groups/{name}", "/api/v1/groups/platform");
    await exchange("PATCH", "/api/v1/groups/{name}", "/api/v1/groups/platform", { members: ["payments-agent", "ops-agent"] });
    const rule = { subject: { type: "group", name: "platform" }, servers: "al*", access: "allow", note: "platform tools" };
    await exchange("POST", "/api/v1/grants", "/api/v1/grants?dryRun=true", rule);
    const grant = await exchange("POST", "/api/v1/grants", "/api/v1/grants", rule);
    await exchange("GET", "/api/v1/grants", "/api/v1/grants?access=allow");
    await exchange("GET", "/api/v1/grants/{id}", `/api/v1/grants/${grant.body.id}`);
    await exchange("PATCH", "/api/v1/grants/{id}", `/api/v1/grants/${grant.body.id}?dryRun=true`, { servers: "alpha" });
    await exchange("PATCH", "/api/v1/grants/{id}", `/api/v1/grants/${grant.body.id}`, { servers: "alpha" });
    await exchange("GET", "/api/v1/tenants/{name}", "/api/v1/tenants/payments-agent");
    await exchange("GET", "/api/v1/tenants/{name}/explain/{server}", "/api/v1/tenants/payments-agent/explain/alpha");
    const contract = await exchange("GET", "/api/v1/tenants/{name}/contract", "/api/v1/tenants/payments-agent/contract");
    expect(contract.body.policy.mcpServers.allow).toEqual(["alpha"]);
    await exchange("GET", "/api/v1/policy", "/api/v1/policy");
    await exchange("GET", "/api/v1/policy/servers", "/api/v1/policy/servers");
    const matrix = await exchange("GET", "/api/v1/policy/matrix", "/api/v1/policy/matrix?group=platform&server=al*&offset=0&limit=1");
    expect(matrix.body).toMatchObject({ servers: [{ name: "alpha" }], rows: [{ tenant: "ops-agent" }], totalTenants: 2 });
    await exchange("POST", `${S}/{name}/status-preview`, `${S}/alpha/status-preview?to=disabled`);
    const token = await exchange("POST", "/api/v1/tenants/{name}/tokens", "/api/v1/tenants/ops-agent/tokens", { name: "laptop" });
    await exchange("GET", "/api/v1/tenants/{name}/tokens", "/api/v1/tenants/ops-agent/tokens");
    await exchange("DELETE", "/api/v1/tenants/{name}/tokens/{id}", `/api/v1/tenants/ops-agent/tokens/${token.body.tenantToken.id}`);
    await exchange("DELETE", "/api/v1/grants/{id}", `/api/v1/grants/${grant.body.id}?dryRun=true`);
    await exchange("DELETE", "/api/v1/grants/{id}", `/api/v1/grants/${grant.body.id}`);
    await exchange("DELETE", "/api/v1/groups/{name}", "/api/v1/groups/platform?dryRun=true");
    await exchange("DELETE", "/api/v1/groups/{name}", "/api/v1/groups/platform");
    await exchange("DELETE", "/api/v1/tenants/{name}", "/api/v1/tenants/ops-agent?dryRun=true");
    await exchange("DELETE", "/api/v1/tenants/{name}", "/api/v1/tenants/ops-agent");

    // Import and review: a new server, then an upstream change to it once active, then a quarantined one
    const beta = (description: string, url = "https://beta.example.com/mcp") => ({
      name: "io.example/beta",
      description,
      version: "1.0.0",
      remotes: [{ type: "streamable-http", url }],
    });
    const imported = await exchange("POST", `${S}/import`, `${S}/import`, [beta("Searches the beta index")]);
    const betaName = imported.body.created[0] as string;
    await exchange("POST", `${S}/{name}/publish`, `${S}/${betaName}/publish`);
    await exchange("POST", `${S}/import`, `${S}/import`, [beta("Searches the beta index, faster")]);
    let pending = await exchange("GET", "/api/v1/review/pending-updates", "/api/v1/review/pending-updates?source=uploads");
    await exchange("POST", "/api/v1/review/items/{id}/approve-update", `/api/v1/review/items/${pending.body.items[0].id}/approve-update`, {
      version: pending.body.items[0].server.version,
    });
    await exchange("POST", `${S}/import`, `${S}/import`, [beta("Searches the beta index, slower")]);
    pending = await exchange("GET", "/api/v1/review/pending-updates", "/api/v1/review/pending-updates");
    await exchange("POST", "/api/v1/review/items/{id}/reject-update", `/api/v1/review/items/${pending.body.items[0].id}/reject-update`, {
      reason: "not wanted",
    });
    const privateOne = (n: number) => ({ ...beta("Internal", `http://10.0.0.${n}/mcp`), name: `io.example/internal-${n}` });
    const held = await exchange("POST", `${S}/import`, `${S}/import`, [privateOne(1), privateOne(2)]);
    expect(held.body.quarantined).toHaveLength(2);
    const quarantined = await exchange("GET", "/api/v1/review/quarantined", "/api/v1/review/quarantined");
    await exchange("POST", "/api/v1/review/items/{id}/reject", `/api/v1/review/items/${quarantined.body.items[0].id}/reject`);
    await exchange("POST", "/api/v1/review/items/{id}/release", `/api/v1/review/items/${quarantined.body.items[1].id}/release`);
    const heldAgain = await exchange("POST", `${S}/import`, `${S}/import`, [privateOne(3), privateOne(4)]);
    expect(heldAgain.body.quarantined).toHaveLength(2);
    const stillHeld = (await exchange("GET", "/api/v1/review/quarantined", "/api/v1/review/quarantined")).body.items.map((i: { id: string }) => i.id);
    await exchange("POST", "/api/v1/review/items:batch", "/api/v1/review/items:batch?dryRun=true", { action: "release", ids: stillHeld });
    await exchange("POST", "/api/v1/review/items:batch", "/api/v1/review/items:batch", { action: "reject", ids: stillHeld, reason: "internal addresses" });

    // Sources and runs
    const source = { name: "acme", kind: "mcp-registry", url: "https://registry.acme.example", include: ["io.acme/*"] };
    await exchange("POST", "/api/v1/sources", "/api/v1/sources", source);
    await exchange("POST", "/api/v1/sources", "/api/v1/sources", { ...source, name: "spare" });
    await exchange("GET", "/api/v1/sources/{name}", "/api/v1/sources/acme");
    await exchange("PATCH", "/api/v1/sources/{name}", "/api/v1/sources/acme", { exclude: ["io.acme/legacy-*"] });
    await exchange("POST", "/api/v1/sources/{name}/approve", "/api/v1/sources/acme/approve");
    const queued = await exchange("POST", "/api/v1/sources/{name}/sync", "/api/v1/sources/acme/sync");
    await exchange("POST", "/api/v1/sources/{name}/sync", "/api/v1/sources/acme/sync"); // 409: one is queued
    await exchange("GET", "/api/v1/sources/{name}/runs", "/api/v1/sources/acme/runs");
    await exchange("GET", "/api/v1/sources/{name}/runs/{runId}", `/api/v1/sources/acme/runs/${queued.body.runId}`);
    await exchange("POST", "/api/v1/sources/upload", "/api/v1/sources/upload", beta("Uploaded"));
    await exchange("POST", "/api/v1/sources", "/api/v1/sources", { name: "drops", kind: "manual-upload" });
    await exchange("POST", "/api/v1/sources/{name}/approve", "/api/v1/sources/drops/approve");
    const form = new FormData();
    form.append("file", new File([JSON.stringify(beta("Dropped"))], "beta.json", { type: "application/json" }));
    const multipart = new Request("http://control-plane.test/", { method: "POST", body: form });
    const dropped = await exchange("POST", "/api/v1/sources/{name}/upload", "/api/v1/sources/drops/upload", await multipart.text(), {
      "content-type": multipart.headers.get("content-type")!,
    });
    expect(dropped.body.source).toBe("drops");
    await exchange("GET", "/api/v1/sources", "/api/v1/sources");
    await exchange("DELETE", "/api/v1/sources/{name}", "/api/v1/sources/spare");

    // The state document
    const state = await exchange("GET", "/api/v1/state", "/api/v1/state");
    await exchange("POST", "/api/v1/state", "/api/v1/state?dryRun=true&prune=true", state.body);
    await exchange("POST", "/api/v1/state", "/api/v1/state", state.body);

    // Audit
    await exchange("GET", "/api/v1/audit", "/api/v1/audit?limit=20&entityType=mcp_server");
    await exchange("GET", "/api/v1/audit/export", "/api/v1/audit/export?format=jsonl");
    await exchange("GET", "/api/v1/obot", "/api/v1/obot");

    // Overview, users and API tokens
    await exchange("GET", "/api/v1/dashboard", "/api/v1/dashboard");
    await exchange("GET", "/api/v1/catalog/stats", "/api/v1/catalog/stats");
    await exchange("POST", "/api/v1/catalog/demo", "/api/v1/catalog/demo");
    expect((await exchange("GET", "/api/v1/catalog/demo", "/api/v1/catalog/demo")).body).toEqual({ loaded: true });
    const user = await exchange("POST", "/api/v1/users", "/api/v1/users", { email: "ops@example.com", role: "editor", password: "a long enough password" });
    await exchange("GET", "/api/v1/users", "/api/v1/users");
    await exchange("PATCH", "/api/v1/users/{id}", `/api/v1/users/${user.body.id}`, { displayName: "Ops" });
    await exchange("POST", "/api/v1/users/{id}/password", `/api/v1/users/${user.body.id}/password`, { password: "another long password" });
    // The bootstrap token owns no tokens: the user's first is made in the domain, the next through the API with it.
    const seed = await createApiToken(
      services.db,
      ALICE,
      principalFor("editor", "ops@example.com", user.body.id),
      apiTokenCreateInput.parse({ name: "seed", role: "editor" }),
    );
    const asOps = { authorization: `Bearer ${seed.token}` };
    const issued = await exchange("POST", "/api/v1/api-tokens", "/api/v1/api-tokens", { name: "ci", role: "viewer", expiresInDays: 30 }, asOps);
    await exchange("GET", "/api/v1/api-tokens", "/api/v1/api-tokens", undefined, asOps);
    expect((await exchange("GET", "/api/v1/api-tokens", "/api/v1/api-tokens?all=true")).body.items).toHaveLength(2);
    await exchange("DELETE", "/api/v1/api-tokens/{id}", `/api/v1/api-tokens/${issued.body.apiToken.id}`, undefined, asOps);
    await exchange("GET", "/api/v1/audit", "/api/v1/audit?since=yesterday"); // 422, documented

    // Every /api/v1 operation answered successfully at least once, and as documented.
    const unchecked = restRoutes.map((r) => `${r.method} ${r.path}`).filter((op) => !checked.has(op));
    expect(unchecked).toEqual([]);
  });

  it("answers the sign-in routes a script uses as documented", async () => {
    const viaAuth = async (template: string, headers: Record<string, string>) => {
      const response = await dispatchAuth(services, new Request(`http://control-plane.test${template}`, { headers }));
      const text = await response.text();
      const res = { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
      conforms("GET", template, res);
      return res;
    };
    expect((await viaAuth("/api/auth/config", {})).status).toBe(200);
    expect((await viaAuth("/api/auth/session", BOOTSTRAP)).body.user.role).toBe("admin");
    expect((await viaAuth("/api/auth/session", { authorization: "Bearer oct_wrong" })).status).toBe(401);
  });

  it("refuses a query the route's schema rejects with 422 and the field at fault", async () => {
    const res = await call("GET", "/api/v1/grants?access=sometimes");
    expect(res.status).toBe(422);
    expect(res.body.error.details.fieldErrors.access).toEqual(["access must be allow or deny"]);
    const dry = await call("POST", "/api/v1/grants?dryRun=maybe", { subject: { type: "everyone" }, servers: "*", access: "allow" });
    expect(dry.status).toBe(422);
    expect(dry.body.error.details.fieldErrors.dryRun).toEqual(["dryRun must be true or false"]);
    expect((await call("GET", "/api/v1/grants")).body.items.filter((g: { servers: string }) => g.servers === "*")).toEqual([]);
  });

  it("serves the document with an ETag and 304 to a poller that has it", async () => {
    const first = await dispatchRest(services, new Request("http://control-plane.test/api/v1/openapi.json"));
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    const again = await dispatchRest(services, new Request("http://control-plane.test/api/v1/openapi.json", { headers: { "if-none-match": etag } }));
    expect(again.status).toBe(304);
  });
});
