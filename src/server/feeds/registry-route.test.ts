import fs from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import YAML from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { sharedData } from "../../../test/support/env";
import { ALICE, testServices } from "../../../test/support/services";
import { createServer, publishServer, updateServer } from "../catalog/servers";
import { catalogNameOf, registryNameOf } from "../formats/registry-view";
import type { Services } from "../services";
import { registryResponse } from "./registry-route";

const BASE = "http://cp.test/api/internal/obot-registry/v0.1";

async function get(services: Services, rest: string, headers: Record<string, string> = {}) {
  const response = registryResponse(services, new Request(`${BASE}${rest}`, { headers }));
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

const openapi = sharedData("reference", "mcp-registry", "openapi.yaml");

/** Validators for the registry's own response schemas, from its OpenAPI document. */
function registrySchemas() {
  const doc = YAML.parse(fs.readFileSync(openapi.path, "utf8")) as { components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "registry", components: doc.components });
  return {
    list: ajv.compile({ $ref: "registry#/components/schemas/ServerList" }),
    one: ajv.compile({ $ref: "registry#/components/schemas/ServerResponse" }),
  };
}

describeEachDatabase("MCP Registry v0.1 view", (database) => {
  let services: Services;
  const names: string[] = [];

  beforeAll(async () => {
    services = await testServices(database());
    const db = services.db;
    const make = async (name: string, input: Record<string, unknown>) => {
      await createServer(db, ALICE, { name, displayName: name.toUpperCase(), shortDescription: `The ${name} server`, repoUrl: `https://github.com/acme/${name}`, ...input });
      await publishServer(db, ALICE, name);
      names.push(name);
    };
    await make("remote-fixed", { endpoint: "https://fixed.example/mcp", runtime: { type: "remote", fixedURL: "https://fixed.example/mcp", headers: [{ key: "Authorization", required: true, sensitive: true }] } });
    await make("remote-template", { runtime: { type: "remote", urlTemplate: "https://${HOST}/mcp" }, env: [{ key: "HOST", description: "Your host", required: true }] });
    await make("remote-host", { runtime: { type: "remote", hostname: "*.example.com" } });
    await make("npx-server", { runtime: { type: "npx", package: "@acme/npx-server@1.2.3", args: ["--read-only"] }, env: [{ key: "API_KEY", required: true, sensitive: true }] });
    await make("uvx-server", { runtime: { type: "uvx", package: "acme-uvx==0.4.0" } });
    await make("container", { runtime: { type: "containerized", image: "ghcr.io/acme/container:2.0.1", port: 8080, path: "/mcp" } });
    for (let i = 0; i < 7; i++) await make(`bulk-${i}`, { endpoint: `https://bulk-${i}.example/mcp` });
    await createServer(db, ALICE, { name: "still-draft", displayName: "Still Draft", endpoint: "https://draft.example/mcp" });
    await services.snapshots.refresh();
  });

  it("names servers <namespace>/<name>, one to one", () => {
    expect(registryNameOf("local.opencrane", "github")).toBe("local.opencrane/github");
    expect(catalogNameOf("local.opencrane", "local.opencrane/github")).toBe("github");
    expect(catalogNameOf("local.opencrane", "io.github.x/github")).toBeNull();
  });

  it("pages through every active server exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get(services, `/servers?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.servers.map((s: { server: { name: string } }) => s.server.name));
      expect(res.body.metadata.count).toBe(res.body.servers.length);
      cursor = res.body.metadata.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort().map((n) => `local.opencrane/${n}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("serves remotes for remote runtimes and pinned packages for the others", async () => {
    const byName = async (name: string) => (await get(services, `/servers/${encodeURIComponent(`local.opencrane/${name}`)}/versions/latest`)).body.server;
    expect((await byName("remote-fixed")).remotes).toEqual([
      { type: "streamable-http", url: "https://fixed.example/mcp", headers: [{ name: "Authorization", isRequired: true, isSecret: true }] },
    ]);
    expect((await byName("remote-template")).remotes[0]).toMatchObject({ url: "https://{HOST}/mcp", variables: { HOST: { description: "Your host", isRequired: true } } });
    expect((await byName("npx-server")).packages[0]).toMatchObject({ registryType: "npm", identifier: "@acme/npx-server", version: "1.2.3", transport: { type: "stdio" } });
    expect((await byName("uvx-server")).packages[0]).toMatchObject({ registryType: "pypi", identifier: "acme-uvx", version: "0.4.0" });
    expect((await byName("container")).packages[0]).toMatchObject({ registryType: "oci", identifier: "ghcr.io/acme/container", version: "2.0.1", transport: { type: "streamable-http", url: "http://localhost:8080/mcp" } });
  });

  it("searches by name and returns only servers changed since updated_since", async () => {
    expect((await get(services, "/servers?search=BULK-")).body.servers).toHaveLength(7);
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await updateServer(services.db, ALICE, "bulk-3", { version: 2, shortDescription: "changed" });
    await services.snapshots.refresh();
    const changed = await get(services, `/servers?updated_since=${encodeURIComponent(before.toISOString())}`);
    expect(changed.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual(["local.opencrane/bulk-3"]);
    expect((await get(services, "/servers?updated_since=yesterday")).status).toBe(400);
  });

  it("has ETags, answers 304, and 404 for what is not published", async () => {
    const first = await get(services, "/servers");
    const again = await get(services, "/servers", { "if-none-match": first.headers.get("etag")! });
    expect(again.status).toBe(304);
    expect((await get(services, `/servers/${encodeURIComponent("local.opencrane/still-draft")}/versions`)).status).toBe(404);
    expect((await get(services, `/servers/${encodeURIComponent("local.opencrane/bulk-1")}/versions/9.9.9`)).status).toBe(404);
    const versions = await get(services, `/servers/${encodeURIComponent("local.opencrane/bulk-1")}/versions`);
    expect(versions.body.servers).toHaveLength(1);
    expect(versions.body.servers[0].server.version).toBe("2.0.0");
    expect((await get(services, "/servers/%E0/versions")).status).toBe(400);
    expect((await get(services, `/servers/${encodeURIComponent("local.opencrane/bulk-1")}/versions/%ZZ`)).status).toBe(400);
  });

  describe.skipIf(!openapi.available)(`against the registry's OpenAPI schemas (${openapi.reason})`, () => {
    it("every answer validates", async () => {
      const { list, one } = registrySchemas();
      const page = await get(services, "/servers?limit=100");
      expect(list(page.body), JSON.stringify(list.errors)).toBe(true);
      for (const name of names) {
        const res = await get(services, `/servers/${encodeURIComponent(`local.opencrane/${name}`)}/versions/latest`);
        expect(one(res.body), `${name}: ${JSON.stringify(one.errors)}`).toBe(true);
      }
      const versions = await get(services, `/servers/${encodeURIComponent("local.opencrane/npx-server")}/versions`);
      expect(list(versions.body), JSON.stringify(list.errors)).toBe(true);
    });
  });
});

