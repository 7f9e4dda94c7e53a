import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, TEST_CONFIG, restClient, testServices } from "../../../test/support/services";
import { openPGlite, openPostgres } from "../db/client";
import { readyz } from "../health";
import { startServices, type Services } from "../services";
import { createServer, publishServer } from "../catalog/servers";
import { serverCreateInput } from "../catalog/model";
import { ifNoneMatchHits } from "../snapshot/encoded-body";
import { obotFeedResponse } from "./obot-route";

const FEED = "http://control-plane.test/api/internal/obot-registry";

function get(services: Services, headers: Record<string, string> = {}, method = "GET") {
  return obotFeedResponse(services, new Request(FEED, { method, headers }));
}

async function entries(services: Services): Promise<{ entryKey: string; name: string }[]> {
  const response = get(services);
  expect(response.status).toBe(200);
  return response.json();
}

describeEachDatabase("Obot feed", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;
  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
  });

  it("is an empty JSON array (200) for a catalog without active servers", async () => {
    const response = get(services);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe("[]");
  });

  it("serves only active servers, ordered by server name, straight after the change is made", async () => {
    for (const name of ["zeta", "alpha", "mid-1", "mid-10", "mid-2", "draft-only"]) {
      await call("POST", "/api/v1/mcp-servers", { name, displayName: `Server ${name}`, endpoint: `https://${name}.example/mcp` });
    }
    for (const name of ["zeta", "alpha", "mid-1", "mid-10", "mid-2"]) await call("POST", `/api/v1/mcp-servers/${name}/publish`);
    await call("POST", "/api/v1/mcp-servers/mid-2/disable");
    expect((await entries(services)).map((e) => e.entryKey)).toEqual(["alpha", "mid-1", "mid-10", "zeta"]);
  });

  it("maps each server to an Obot entry", async () => {
    const [alpha] = await entries(services);
    expect(alpha).toEqual({
      name: "Server alpha",
      entryKey: "alpha",
      serverUserType: "singleUser",
      shortDescription: "",
      description: "",
      icon: "",
      runtime: "remote",
      remoteConfig: { fixedURL: "https://alpha.example/mcp" },
    });
  });

  it("has a strong ETag and answers 304 to If-None-Match, in any of its spellings", async () => {
    const first = get(services);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const conditional = get(services, { "if-none-match": header });
      expect(conditional.status).toBe(304);
      expect(conditional.headers.get("etag")).toBe(etag);
      expect(await conditional.text()).toBe("");
    }
    expect(get(services, { "if-none-match": '"stale"' }).status).toBe(200);
  });

  it("keeps the ETag when nothing published changed, and changes it when something did", async () => {
    const before = get(services).headers.get("etag");
    await call("PATCH", "/api/v1/mcp-servers/draft-only", { version: 1, shortDescription: "still a draft" });
    expect(services.snapshots.current!.revision).toBeGreaterThan(0);
    expect(get(services).headers.get("etag")).toBe(before);
    await call("PATCH", "/api/v1/mcp-servers/alpha", { version: 2, shortDescription: "now described" });
    expect(get(services).headers.get("etag")).not.toBe(before);
  });

  it("answers HEAD with headers and no body", async () => {
    const head = get(services, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(get(services).headers.get("etag"));
    expect(await head.text()).toBe("");
  });

  it("records each fetch (time, user agent, status) for the dashboard, flushing to the database in batches", async () => {
    get(services, { "user-agent": "Go-http-client/1.1" });
    get(services, { "user-agent": "Go-http-client/1.1" });
    const latest = await services.fetches.latest("obot");
    expect(latest).toMatchObject({ userAgent: "Go-http-client/1.1", status: 200 });
    await services.fetches.flush();
    const reread = await services.fetches.latest("obot");
    expect(reread).toMatchObject({ userAgent: "Go-http-client/1.1", status: 200 });
    expect(reread!.count).toBeGreaterThanOrEqual(2);
  });

  it("requires the bearer token when OBOT_REGISTRY_TOKEN is configured", async () => {
    const guarded: Services = { ...services, config: { ...services.config, obotRegistryToken: "s3cret-token" } };
    const anonymous = get(guarded);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    expect(get(guarded, { authorization: "Bearer wrong" }).status).toBe(401);
    expect(get(guarded, { authorization: "Bearer s3cret-token" }).status).toBe(200);
    expect(get(services).status).toBe(200);
  });
});

describe("Obot feed when the database fails", () => {
  it("answers 503, never an empty or partial 200, when no snapshot could be built", async () => {
    const unreachable = await openPostgres("postgres://opencrane@127.0.0.1:1/none", { max: 1 });
    const services = await startServices(TEST_CONFIG, unreachable, { migrate: false, background: false, requireSnapshot: false });
    try {
      const response = get(services);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      const body = await response.json();
      expect(Array.isArray(body)).toBe(false);
      expect(body.error.code).toBe("UNAVAILABLE");
      expect((await readyz(services, null)).status).toBe(503);
    } finally {
      await unreachable.close();
    }
  });

  describe("after the database goes away", () => {
    let services: Services;
    beforeAll(async () => {
      const database = await openPGlite();
      services = await startServices(TEST_CONFIG, database, { background: false });
      await createServer(services.db, ALICE, serverCreateInput.parse({ name: "kept", displayName: "Kept", endpoint: "https://kept.example/mcp" }));
      await publishServer(services.db, ALICE, "kept");
      await services.snapshots.refresh();
      await database.close();
    });
    afterAll(() => services.close().catch(() => undefined));

    it("keeps serving the last good catalog from memory", async () => {
      const etag = get(services).headers.get("etag");
      await expect(services.snapshots.refresh()).rejects.toThrow();
      const response = get(services);
      expect(response.status).toBe(200);
      expect(response.headers.get("etag")).toBe(etag);
      expect((await response.json()).map((e: { entryKey: string }) => e.entryKey)).toEqual(["kept"]);
    });

    it("reports not ready", async () => {
      const response = await readyz(services, null);
      expect(response.status).toBe(503);
      expect((await response.json()).reason).toContain("database unreachable");
    });
  });
});

describe("If-None-Match", () => {
  it("compares weakly and ignores coding suffixes", () => {
    expect(ifNoneMatchHits('"abc"', "abc")).toBe(true);
    expect(ifNoneMatchHits('W/"abc"', "abc")).toBe(true);
    expect(ifNoneMatchHits('"abc-gzip"', "abc")).toBe(true);
    expect(ifNoneMatchHits('"x", "abc"', "abc")).toBe(true);
    expect(ifNoneMatchHits('"abcd"', "abc")).toBe(false);
    expect(ifNoneMatchHits(null, "abc")).toBe(false);
  });
});
