import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import YAML from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { describeEachDatabase } from "../../../test/support/database";
import { sharedData } from "../../../test/support/env";
import { FIXTURES } from "../../../test/support/obot";
import { ALICE, principalFor, restClient, testServices, trpcContext } from "../../../test/support/services";
import { createServer, publishServer, updateServer } from "../catalog/servers";
import { serverCreateInput, serverUpdateInput } from "../catalog/model";
import { mcpServers } from "../db/schema";
import { catalogNameOf, registryNameOf, serverJsonProblems } from "../formats/registry-view";
import { createCaller } from "../trpc/root";
import type { Services } from "../services";
import { registryResponse } from "./registry-route";

const BASE = "http://cp.test/api/internal/obot-registry/v0.1";

async function get(services: Services, rest: string, headers: Record<string, string> = {}) {
  const response = registryResponse(services, new Request(`${BASE}${rest}`, { headers }));
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

const openapi = sharedData("reference", "mcp-registry", "openapi.yaml");
const serverSchema = sharedData("reference", "mcp-registry", "server.schema.json");
const obotCatalog = sharedData("data", "obot-mcp-catalog");

/** Validators for the registry's own response schemas (OpenAPI) and the released server.json schema. */
function registrySchemas() {
  const doc = YAML.parse(fs.readFileSync(openapi.path, "utf8")) as { components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "registry", components: doc.components });
  const draft7 = new Ajv({ strict: false, allErrors: true });
  addFormats(draft7);
  return {
    list: ajv.compile({ $ref: "registry#/components/schemas/ServerList" }),
    one: ajv.compile({ $ref: "registry#/components/schemas/ServerResponse" }),
    serverJson: draft7.compile(JSON.parse(fs.readFileSync(serverSchema.path, "utf8")) as object),
  };
}

const yamlFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));

describeEachDatabase("MCP Registry v0.1 view", (database) => {
  let services: Services;
  /** Active servers the view serves (catalog names). */
  const names: string[] = [];
  /** Active servers it must leave out, with the reason it must give. */
  const excluded = new Map<string, string>();

  beforeAll(async () => {
    services = await testServices(database());
    const db = services.db;
    const make = async (name: string, input: Record<string, unknown>) => {
      await createServer(
        db,
        ALICE,
        serverCreateInput.parse({
          name,
          displayName: name.toUpperCase(),
          shortDescription: `The ${name} server`,
          repoUrl: `https://github.com/acme/${name}`,
          ...input,
        }),
      );
      await publishServer(db, ALICE, name);
      names.push(name);
    };
    await make("remote-fixed", {
      endpoint: "https://fixed.example/mcp",
      runtime: { type: "remote", fixedURL: "https://fixed.example/mcp", headers: [{ key: "Authorization", required: true, sensitive: true }] },
    });
    await make("remote-template", {
      runtime: { type: "remote", urlTemplate: "https://${HOST}/mcp" },
      env: [{ key: "HOST", description: "Your host", required: true }],
    });
    await make("remote-host", { runtime: { type: "remote", hostname: "*.example.com" } });
    await make("npx-server", {
      runtime: { type: "npx", package: "@acme/npx-server@1.2.3", args: ["--read-only"] },
      env: [{ key: "API_KEY", required: true, sensitive: true }],
    });
    await make("uvx-server", { runtime: { type: "uvx", package: "acme-uvx==0.4.0" } });
    await make("container", { runtime: { type: "containerized", image: "ghcr.io/acme/container:2.0.1", port: 8080, path: "/mcp" } });
    for (let i = 0; i < 7; i++) await make(`bulk-${i}`, { endpoint: `https://bulk-${i}.example/mcp` });
    // Edge cases the view can express.
    await make("container-sse", {
      transport: "sse",
      runtime: { type: "containerized", image: "registry.acme.example:5000/team/sse@sha256:" + "a".repeat(64), port: 9000, path: "/sse", args: ["--x", "1"] },
    });
    await make("remote-sse", {
      transport: "sse",
      runtime: { type: "remote", fixedURL: "https://sse.example/sse", headers: [] },
      endpoint: "https://sse.example/sse",
    });
    await make("uvx-command", {
      runtime: { type: "uvx", package: "acme-tool[extra]==1.0.0rc1", command: "acme", args: ["serve"] },
      env: [{ key: "MODE", value: "fast" }],
    });
    await make("long-texts", {
      displayName: "L".repeat(98) + "😀",
      shortDescription: "d".repeat(98) + "😀😀😀",
      icon: "https://icons.example/" + "i".repeat(300) + ".png",
      repoUrl: "https://gitlab.com/acme/long",
      endpoint: "https://long.example/mcp",
    });
    await make("odd-links", { repoUrl: "https://example.com/a b|c", icon: "http://insecure.example/icon.png", endpoint: "https://odd.example/mcp" });
    // Servers it cannot express: left out, counted, explained.
    const leaveOut = async (name: string, input: Record<string, unknown>, reason: string) => {
      await createServer(db, ALICE, serverCreateInput.parse({ name, displayName: name.toUpperCase(), shortDescription: `The ${name} server`, ...input }));
      await publishServer(db, ALICE, name);
      excluded.set(name, reason);
    };
    await leaveOut(
      "image-latest",
      { runtime: { type: "containerized", image: "ghcr.io/acme/latest:latest", port: 8080, path: "/mcp" } },
      "image tag latest is not a pinned version",
    );
    await leaveOut(
      "image-untagged",
      { runtime: { type: "containerized", image: "ghcr.io/acme/untagged", port: 8080, path: "/mcp" } },
      "has no tag: not a pinned version",
    );
    await leaveOut(
      "image-range",
      { runtime: { type: "containerized", image: "ghcr.io/acme/range:1.x", port: 8080, path: "/mcp" } },
      "is a range, not a pinned version",
    );
    await leaveOut(
      "sse-template",
      { transport: "sse", runtime: { type: "remote", urlTemplate: "https://${HOST}/sse" }, env: [{ key: "HOST", required: true }] },
      "must be an absolute URI for SSE",
    );
    await leaveOut("url-space", { endpoint: "https://space.example/a b" }, "contain no spaces");
    await leaveOut("container-bad-path", { runtime: { type: "containerized", image: "ghcr.io/acme/p:1.0.0", port: 8080, path: "/a b" } }, "contain no spaces");
    // A package pinned when it was written, unpinned since (e.g. data from before pins were required).
    await leaveOut("npx-legacy", { runtime: { type: "npx", package: "@acme/legacy@1.0.0" } }, "package @acme/legacy is not pinned to a version");
    await db
      .update(mcpServers)
      .set({ runtime: { type: "npx", package: "@acme/legacy", args: [] } })
      .where(eq(mcpServers.name, "npx-legacy"));
    await createServer(db, ALICE, serverCreateInput.parse({ name: "still-draft", displayName: "Still Draft", endpoint: "https://draft.example/mcp" }));
    await createServer(
      db,
      ALICE,
      serverCreateInput.parse({
        name: "draft-latest",
        displayName: "Draft Latest",
        runtime: { type: "containerized", image: "ghcr.io/acme/d:latest", port: 1, path: "/" },
      }),
    );
    await services.snapshots.refresh();
  }, 180_000);

  it("names servers <namespace>/<name>, one to one", () => {
    expect(registryNameOf("local.opencrane", "github")).toBe("local.opencrane/github");
    expect(catalogNameOf("local.opencrane", "local.opencrane/github")).toBe("github");
    expect(catalogNameOf("local.opencrane", "io.github.x/github")).toBeNull();
  });

  it("pages through every active server it can express exactly once, and counts the others", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get(services, `/servers?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.servers.map((s: { server: { name: string } }) => s.server.name));
      expect(res.body.metadata.count).toBe(res.body.servers.length);
      expect(res.body.metadata.excluded).toBe(excluded.size);
      cursor = res.body.metadata.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(names.length / 5));
    expect(seen).toEqual([...names].sort().map((n) => `local.opencrane/${n}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("serves remotes for remote runtimes and pinned packages for the others", async () => {
    const byName = async (name: string) => (await get(services, `/servers/${encodeURIComponent(`local.opencrane/${name}`)}/versions/latest`)).body.server;
    expect((await byName("remote-fixed")).remotes).toEqual([
      { type: "streamable-http", url: "https://fixed.example/mcp", headers: [{ name: "Authorization", isRequired: true, isSecret: true }] },
    ]);
    expect((await byName("remote-template")).remotes[0]).toMatchObject({
      url: "https://{HOST}/mcp",
      variables: { HOST: { description: "Your host", isRequired: true } },
    });
    expect((await byName("npx-server")).packages[0]).toMatchObject({
      registryType: "npm",
      identifier: "@acme/npx-server",
      version: "1.2.3",
      transport: { type: "stdio" },
    });
    expect((await byName("uvx-server")).packages[0]).toMatchObject({ registryType: "pypi", identifier: "acme-uvx", version: "0.4.0" });
    expect((await byName("container")).packages[0]).toMatchObject({
      registryType: "oci",
      identifier: "ghcr.io/acme/container",
      version: "2.0.1",
      transport: { type: "streamable-http", url: "http://localhost:8080/mcp" },
    });
  });

  it("searches by name and returns only servers changed since updated_since", async () => {
    expect((await get(services, "/servers?search=BULK-")).body.servers).toHaveLength(7);
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await updateServer(services.db, ALICE, "bulk-3", serverUpdateInput.parse({ version: 2, shortDescription: "changed" }));
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

  it("leaves out servers it cannot express and says why: in the 404, over REST and tRPC", async () => {
    for (const [name, reason] of excluded) {
      const res = await get(services, `/servers/${encodeURIComponent(`local.opencrane/${name}`)}/versions/latest`);
      expect(res.status, name).toBe(404);
      expect(res.body.error.message).toContain("is active but not in this view");
      expect(res.body.error.message).toContain(reason);
    }
    const rest = await restClient(services)("GET", "/api/v1/mcp-servers/image-latest/registry-entry");
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({
      registryName: "local.opencrane/image-latest",
      included: false,
      reasons: ["image tag latest is not a pinned version (ghcr.io/acme/latest:latest)"],
    });
    const served = await restClient(services)("GET", "/api/v1/mcp-servers/container/registry-entry");
    expect(served.body).toMatchObject({ included: true, server: { name: "local.opencrane/container" } });
    const caller = createCaller(trpcContext(services, principalFor("viewer")));
    expect((await caller.catalog.get({ name: "draft-latest" })).registry).toMatchObject({
      included: false,
      reasons: [expect.stringContaining("image tag latest")],
    });
    expect((await caller.catalog.get({ name: "npx-server" })).registry).toMatchObject({ included: true });
  });

  it("serves only documents that pass the official schema's rules, even without ../shared", async () => {
    const page = await get(services, "/servers?limit=100");
    expect(page.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual([...names].sort().map((n) => `local.opencrane/${n}`));
    for (const item of page.body.servers) expect(serverJsonProblems(item.server), item.server.name).toEqual([]);
    const long = page.body.servers.find((s: { server: { name: string } }) => s.server.name === "local.opencrane/long-texts").server;
    // At most 100 characters as JSON Schema counts them, never half a surrogate pair.
    expect(long.description).toBe("d".repeat(98) + "😀…");
    expect(long.title).toBe("L".repeat(98) + "😀");
    expect(long.icons).toBeUndefined();
    expect(long.repository).toEqual({ url: "https://gitlab.com/acme/long", source: "gitlab" });
  });

  describe.skipIf(!openapi.available || !serverSchema.available)(`against the official schemas (${openapi.reason})`, () => {
    it("every page, list and answer validates against the OpenAPI and every server.json against server.schema.json", async () => {
      const { list, one, serverJson } = registrySchemas();
      for (const limit of [1, 3, 100]) {
        let cursor: string | undefined;
        do {
          const page = await get(services, `/servers?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
          expect(list(page.body), JSON.stringify(list.errors)).toBe(true);
          for (const item of page.body.servers) expect(serverJson(item.server), `${item.server.name}: ${JSON.stringify(serverJson.errors)}`).toBe(true);
          cursor = page.body.metadata.nextCursor;
        } while (cursor);
      }
      for (const name of names) {
        const latest = await get(services, `/servers/${encodeURIComponent(`local.opencrane/${name}`)}/versions/latest`);
        expect(one(latest.body), `${name}: ${JSON.stringify(one.errors)}`).toBe(true);
        const versions = await get(services, `/servers/${encodeURIComponent(`local.opencrane/${name}`)}/versions`);
        expect(list(versions.body), `${name}: ${JSON.stringify(list.errors)}`).toBe(true);
      }
    });

    it("agrees with the official schema on the reference examples", () => {
      const { serverJson } = registrySchemas();
      const dir = path.join(path.dirname(serverSchema.path), "examples");
      for (const kind of ["valid", "invalid"] as const) {
        for (const file of fs.readdirSync(path.join(dir, kind))) {
          const doc = JSON.parse(fs.readFileSync(path.join(dir, kind, file), "utf8")) as Record<string, unknown>;
          expect(serverJsonProblems(doc).length === 0, `${kind}/${file}`).toBe(kind === "valid");
          expect(serverJson(doc), `${kind}/${file}`).toBe(kind === "valid");
        }
      }
    });
  });
});

describeEachDatabase("MCP Registry v0.1 view of imported Obot entries", (database) => {
  it.skipIf(!obotCatalog.available)(
    `every page validates and every entry is served or explained (${obotCatalog.reason})`,
    async () => {
      const services = await testServices(database());
      const call = restClient(services);
      const yaml = [...yamlFiles(path.join(FIXTURES, "obot")), ...yamlFiles(obotCatalog.path)].join("\n---\n");
      const imported = await call("POST", "/api/v1/mcp-servers/import", yaml, { "content-type": "application/yaml" });
      expect(imported.body.rejected).toEqual([]);
      for (const name of imported.body.created) expect((await call("POST", `/api/v1/mcp-servers/${name}/publish`)).status).toBe(200);
      await services.snapshots.refresh();
      const page = await get(services, "/servers?limit=100");
      const served = page.body.servers.length as number;
      expect(served + page.body.metadata.excluded).toBe(imported.body.created.length);
      expect(page.body.metadata.excluded).toBeGreaterThan(0); // real entries run images tagged latest
      if (openapi.available && serverSchema.available) {
        const { list, serverJson } = registrySchemas();
        expect(list(page.body), JSON.stringify(list.errors)).toBe(true);
        for (const item of page.body.servers) expect(serverJson(item.server), `${item.server.name}: ${JSON.stringify(serverJson.errors)}`).toBe(true);
      }
      const github = await call("GET", "/api/v1/mcp-servers/obot-github-enterprise/registry-entry");
      expect(github.body).toMatchObject({
        included: false,
        reasons: ["image tag latest is not a pinned version (ghcr.io/obot-platform/mcp-images/github:latest)"],
      });
    },
    240_000,
  );
});
