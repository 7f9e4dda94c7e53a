/**
 * Compressed forms are made off the event loop, once per body, and survive rebuilds that leave
 * a body's bytes unchanged.
 */
import { gunzipSync } from "node:zlib";
import { beforeAll, expect, it, vi } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { restClient, testServices } from "../../../test/support/services";
import type { Services } from "../services";
import { contractBody } from "../snapshot/snapshot";
import { bodyBytes, type Answer, type FeedRequest } from "./answer";
import { serveObotFeed } from "./obot-route";
import { serveRegistry } from "./registry-route";

const zlibCalls = vi.hoisted(() => ({ gzip: 0, brotli: 0, sync: [] as string[] }));

vi.mock("node:zlib", async (importOriginal) => {
  const zlib = await importOriginal<typeof import("node:zlib")>();
  const syncSpy =
    <F extends (...args: never[]) => unknown>(name: string, fn: F) =>
    (...args: Parameters<F>) => {
      zlibCalls.sync.push(name);
      return fn(...args);
    };
  return {
    ...zlib,
    gzip: (...args: Parameters<typeof zlib.gzip>) => {
      zlibCalls.gzip++;
      return (zlib.gzip as (...a: unknown[]) => void)(...args);
    },
    brotliCompress: (...args: Parameters<typeof zlib.brotliCompress>) => {
      zlibCalls.brotli++;
      return (zlib.brotliCompress as (...a: unknown[]) => void)(...args);
    },
    // The feed is compressed from its parts through a stream (one per body), on the same pool.
    createGzip: (...args: Parameters<typeof zlib.createGzip>) => {
      zlibCalls.gzip++;
      return zlib.createGzip(...args);
    },
    createBrotliCompress: (...args: Parameters<typeof zlib.createBrotliCompress>) => {
      zlibCalls.brotli++;
      return zlib.createBrotliCompress(...args);
    },
    gzipSync: syncSpy("gzipSync", zlib.gzipSync),
    deflateSync: syncSpy("deflateSync", zlib.deflateSync),
    brotliCompressSync: syncSpy("brotliCompressSync", zlib.brotliCompressSync),
  };
});

function feedRequest(headers: Record<string, string>): FeedRequest {
  return { method: "GET", header: (name) => headers[name] ?? null, remoteAddr: null };
}

const GZIP = feedRequest({ "accept-encoding": "gzip" });
const BR = feedRequest({ "accept-encoding": "br" });

describeEachDatabase("feed compression", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    expect((await call("POST", "/api/v1/tenants", { name: "alpha" })).status).toBe(201);
    const server = { name: "github", displayName: "GitHub", endpoint: "https://github.example/mcp", description: "x".repeat(2000) };
    expect((await call("POST", "/api/v1/mcp-servers", server)).status).toBe(201);
    expect((await call("POST", "/api/v1/mcp-servers/github/publish")).status).toBe(200);
  });

  it("compresses on zlib's thread pool, once per body, shared by concurrent requests", async () => {
    const before = { ...zlibCalls, sync: [...zlibCalls.sync] };
    const first = serveObotFeed(services, GZIP, true);
    const second = serveObotFeed(services, GZIP, true);
    // Not ready yet: both wait for the one compression in flight instead of compressing in line.
    expect(first).toBeInstanceOf(Promise);
    const [a, b] = await Promise.all([first, second]);
    expect(zlibCalls.gzip - before.gzip).toBe(1);
    expect(a.headers["Content-Encoding"]).toBe("gzip");
    expect(b.body).toBe(a.body);
    const identity = serveObotFeed(services, feedRequest({}), true);
    expect(identity).not.toBeInstanceOf(Promise);
    expect(gunzipSync(bodyBytes(a.body)!).equals(Buffer.from(bodyBytes((identity as Answer).body)!))).toBe(true);
    // Made: later requests answer synchronously from the kept bytes.
    expect(serveObotFeed(services, GZIP, true)).not.toBeInstanceOf(Promise);
    expect((await serveObotFeed(services, BR, true)).headers["Content-Encoding"]).toBe("br");
    expect(zlibCalls.brotli - before.brotli).toBe(1);
    expect(zlibCalls.sync).toEqual([]);
  });

  it("a rebuild that leaves a body's bytes unchanged keeps its ETag and compressed forms", async () => {
    const feed = await serveObotFeed(services, GZIP, true);
    const registry = await serveRegistry(services, GZIP, "/servers", new URLSearchParams(), true);
    const contract = contractBody(services.snapshots.current!, services.contractBodies, "alpha")!;
    await contract.bytes("gzip");
    const before = services.snapshots.current!;
    const calls = zlibCalls.gzip;

    // A new tenant changes neither the Obot feed, nor the registry view, nor alpha's contract.
    expect((await call("POST", "/api/v1/tenants", { name: "beta" })).status).toBe(201);
    const after = services.snapshots.current!;
    expect(after.revision).toBeGreaterThan(before.revision);
    expect(after.obotFeed).toBe(before.obotFeed);
    expect(contractBody(after, services.contractBodies, "alpha")).toBe(contract);

    const feedAgain = serveObotFeed(services, GZIP, true);
    const registryAgain = serveRegistry(services, GZIP, "/servers", new URLSearchParams(), true);
    expect(feedAgain).not.toBeInstanceOf(Promise);
    expect(registryAgain).not.toBeInstanceOf(Promise);
    expect((feedAgain as typeof feed).headers.ETag).toBe(feed.headers.ETag);
    expect((registryAgain as typeof registry).headers.ETag).toBe(registry.headers.ETag);
    expect(contract.ready("gzip")).toBeDefined();
    expect(zlibCalls.gzip).toBe(calls);

    // A change to the feed's bytes gives a new body, compressed anew.
    const gitlab = { name: "gitlab", displayName: "GitLab", endpoint: "https://gitlab.example/mcp" };
    expect((await call("POST", "/api/v1/mcp-servers", gitlab)).status).toBe(201);
    expect((await call("POST", "/api/v1/mcp-servers/gitlab/publish")).status).toBe(200);
    expect(services.snapshots.current!.obotFeed).not.toBe(before.obotFeed);
    const changed = await serveObotFeed(services, GZIP, true);
    expect(changed.headers.ETag).not.toBe(feed.headers.ETag);
    expect(zlibCalls.gzip).toBe(calls + 1);
    expect(zlibCalls.sync).toEqual([]);
  });
});
