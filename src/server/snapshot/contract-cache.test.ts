import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, testServices } from "../../../test/support/services";
import { serverCreateInput } from "../catalog/model";
import { createServer, publishServer } from "../catalog/servers";
import { loadConfig } from "../config";
import { bodyBytes } from "../feeds/answer";
import { routeInternal } from "../feeds/internal-server";
import { grantCreateInput, tenantCreateInput, tenantTokenCreateInput } from "../policy/model";
import { createGrant, createTenant } from "../policy/store";
import { createTenantToken } from "../policy/tenant-tokens";
import type { Services } from "../services";
import { ContractBodyCache } from "./contract-cache";
import { EncodedBody } from "./encoded-body";

const bodyOf = (bytes: number, text = "x") => new EncodedBody(Buffer.from(text.repeat(bytes)), `v-${text}-${bytes}`);

describe("OPENCRANE_CONTRACT_CACHE_MB", () => {
  it("bounds the cache in MiB: 64 by default, 0 for none, and refuses what is not a size", () => {
    const env = (vars: Record<string, string>) => ({ NODE_ENV: "test", ...vars }) as NodeJS.ProcessEnv;
    expect(loadConfig(env({})).contractCacheBytes).toBe(16 * 2 ** 20);
    expect(loadConfig(env({ OPENCRANE_CONTRACT_CACHE_MB: "16" })).contractCacheBytes).toBe(16 * 2 ** 20);
    expect(loadConfig(env({ OPENCRANE_CONTRACT_CACHE_MB: "0" })).contractCacheBytes).toBe(0);
    expect(() => loadConfig(env({ OPENCRANE_CONTRACT_CACHE_MB: "-1" }))).toThrow(/OPENCRANE_CONTRACT_CACHE_MB/);
    expect(() => loadConfig(env({ OPENCRANE_CONTRACT_CACHE_MB: "lots" }))).toThrow(/OPENCRANE_CONTRACT_CACHE_MB/);
  });
});

describe("contract body cache", () => {
  it("keeps bodies within its bound in bytes, evicting the least recently served first", () => {
    const cache = new ContractBodyCache(300);
    cache.set("a", "fa", 1, bodyOf(100, "a"));
    cache.set("b", "fb", 1, bodyOf(100, "b"));
    cache.set("c", "fc", 1, bodyOf(100, "c"));
    expect(cache.bytes).toBe(300);
    expect(cache.get("a", "fa", 1)).toBeDefined(); // a is now the most recently served
    cache.set("d", "fd", 1, bodyOf(150, "d"));
    // b (100) alone would not make room for d (150): c goes too; a, just served, stays.
    expect(cache.get("b", "fb", 1)).toBeUndefined();
    expect(cache.get("c", "fc", 1)).toBeUndefined();
    expect(cache.get("a", "fa", 1)).toBeDefined();
    expect(cache.get("d", "fd", 1)).toBeDefined();
    expect(cache.bytes).toBe(250);
    expect(cache.evictions).toBe(2);
  });

  it("answers a body only for the fingerprint and revision it was rendered at, and replaces it", () => {
    const cache = new ContractBodyCache(1000);
    const body = bodyOf(10);
    cache.set("a", "f1", 4, body);
    expect(cache.get("a", "f1", 4)).toBe(body);
    expect(cache.get("a", "f2", 4)).toBeUndefined();
    expect(cache.get("a", "f1", 5)).toBeUndefined();
    cache.set("a", "f2", 5, bodyOf(20));
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(20);
    expect(cache.get("a", "f1", 4)).toBeUndefined();
  });

  it("counts compressed forms when they are made, and evicts for them", async () => {
    const cache = new ContractBodyCache(6000);
    const a = bodyOf(3000, "a");
    cache.set("a", "fa", 1, a);
    cache.set("b", "fb", 1, bodyOf(2000, "b"));
    const gzip = await a.bytes("gzip");
    expect(cache.bytes).toBe(5000 + gzip.byteLength);
    const br = await a.bytes("br");
    expect(cache.bytes).toBe(5000 + gzip.byteLength + br.byteLength);
    cache.set("c", "fc", 1, bodyOf(1000, "c"));
    // 6000 + both compressed forms of a exceed the bound: a, the least recently served, goes.
    expect(cache.get("a", "fa", 1)).toBeUndefined();
    expect(cache.bytes).toBe(3000);
  });

  it("never counts a body it no longer holds, never lets one body flush the rest, and holds nothing with a bound of 0", async () => {
    const cache = new ContractBodyCache(100);
    const a = bodyOf(80, "a");
    cache.set("a", "fa", 1, a);
    cache.set("b", "fb", 1, bodyOf(80, "b"));
    expect(cache.get("a", "fa", 1)).toBeUndefined();
    await a.bytes("gzip"); // made after its eviction (a request still in flight)
    expect(cache.bytes).toBe(80);
    cache.set("huge", "fh", 1, bodyOf(101, "h")); // beyond the bound: not cached, and b stays
    expect(cache.get("huge", "fh", 1)).toBeUndefined();
    expect(cache.get("b", "fb", 1)).toBeDefined();
    const none = new ContractBodyCache(0);
    none.set("a", "fa", 1, bodyOf(1));
    expect(none.size).toBe(0);
    expect(none.bytes).toBe(0);
  });
});

describeEachDatabase("contract bodies served through a bounded cache", (database) => {
  let services: Services;
  const tokens = new Map<string, string>();
  const tenants = ["alpha", "beta", "gamma"];

  const get = async (tenant: string, headers: Record<string, string> = {}) => {
    const sent: Record<string, string> = { authorization: `Bearer ${tokens.get(tenant)}`, ...headers };
    return routeInternal(services, { url: `/api/internal/contract/${tenant}`, method: "GET", header: (name) => sent[name] ?? null, remoteAddr: "127.0.0.1" });
  };

  beforeAll(async () => {
    services = await testServices(database());
    const db = services.db;
    for (const name of ["github", "slack", "jira"]) {
      const tools = Array.from({ length: 30 }, (_, i) => ({ name: `${name}_tool_${i}` }));
      await createServer(db, ALICE, serverCreateInput.parse({ name, displayName: name, endpoint: `https://${name}.example/mcp`, toolPreview: tools }));
      await publishServer(db, ALICE, name);
    }
    for (const tenant of tenants) {
      await createTenant(db, ALICE, tenantCreateInput.parse({ name: tenant }));
      await createGrant(db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: tenant }, servers: "*", access: "allow" }));
      tokens.set(tenant, (await createTenantToken(db, ALICE, tenant, tenantTokenCreateInput.parse({ name: "pod" }))).token);
    }
    await services.snapshots.refresh();
  });

  it("evicts past its bound, renders an evicted contract again byte for byte, and answers 304s without rendering", async () => {
    const first = new Map<string, { body: Buffer; etag: string }>();
    for (const tenant of tenants) {
      const answer = await get(tenant);
      expect(answer.status).toBe(200);
      first.set(tenant, { body: Buffer.from(bodyBytes(answer.body)!), etag: answer.headers.ETag! });
    }
    const size = first.get("alpha")!.body.length;
    // Room for two bodies of this size, not three.
    services.contractBodies = new ContractBodyCache(size * 2 + size / 2);
    for (const tenant of tenants) await get(tenant);
    expect(services.contractBodies.size).toBe(2);
    expect(services.contractBodies.bytes).toBeLessThanOrEqual(services.contractBodies.maxBytes);

    const misses = services.contractBodies.misses;
    const again = await get("alpha"); // evicted by gamma
    expect(services.contractBodies.misses).toBe(misses + 1);
    expect(Buffer.from(bodyBytes(again.body)!).equals(first.get("alpha")!.body)).toBe(true);
    expect(again.headers.ETag).toBe(first.get("alpha")!.etag);

    // A poll with the current ETag touches no body, cached or not.
    const before = { misses: services.contractBodies.misses, hits: services.contractBodies.hits };
    for (const tenant of tenants) {
      const poll = await get(tenant, { "if-none-match": first.get(tenant)!.etag });
      expect(poll.status).toBe(304);
      expect(poll.body).toBeNull();
    }
    expect({ misses: services.contractBodies.misses, hits: services.contractBodies.hits }).toEqual(before);

    // A gzip answer of a re-rendered body is the same contract.
    const gzip = await get("beta", { "accept-encoding": "gzip" });
    expect(gzip.headers["Content-Encoding"]).toBe("gzip");
    expect(gunzipSync(bodyBytes(gzip.body)!).equals(first.get("beta")!.body)).toBe(true);
    expect(services.contractBodies.bytes).toBeLessThanOrEqual(services.contractBodies.maxBytes);
  });
});
