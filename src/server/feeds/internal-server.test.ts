import http from "node:http";
import type { AddressInfo } from "node:net";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, testServices } from "../../../test/support/services";
import { createServer, publishServer } from "../catalog/servers";
import { serverCreateInput } from "../catalog/model";
import type { Services } from "../services";
import { bodyBytes } from "./answer";
import { startInternalServer } from "./internal-server";
import { PollServer, pollParser, type MachineServer } from "./poll-server";
import { PollThreadHost } from "./poll-thread-host";

function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
    request.end();
  });
}

describeEachDatabase("internal port", (database) => {
  let services: Services;
  const servers: MachineServer[] = [];
  const ports = { thread: 0, lean: 0, node: 0 };
  const FEED = "/api/internal/obot-registry";

  beforeAll(async () => {
    services = await testServices(database());
    for (const name of ["beta", "alpha"]) {
      await createServer(
        services.db,
        ALICE,
        serverCreateInput.parse({ name, displayName: name.toUpperCase(), endpoint: `https://${name}.example/mcp`, description: "x".repeat(2000) }),
      );
      await publishServer(services.db, ALICE, name);
    }
    await services.snapshots.refresh();
    for (const implementation of ["thread", "lean", "node"] as const) {
      const server = await startInternalServer(services, 0, "127.0.0.1", implementation);
      servers.push(server);
      ports[implementation] = (server.address() as AddressInfo).port;
    }
  });
  afterAll(() => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))));

  // All give the same answers: the poll server in its thread and on the main thread (this Node offers it its parser), and node:http.
  it("runs the poll server in its own thread on this Node", () => {
    expect(pollParser()).not.toBeNull();
    expect(servers[0]).toBeInstanceOf(PollThreadHost);
    expect(servers[1]).toBeInstanceOf(PollServer);
  });

  describe.each(["thread", "lean", "node"] as const)("on %s", (implementation) => {
    let port: number;
    beforeAll(() => {
      port = ports[implementation];
    });

    it("serves the same feed as the main port, with Content-Length", async () => {
      const feed = services.snapshots.current!.obotFeed;
      const plain = await get(port, FEED);
      expect(plain.status).toBe(200);
      expect(plain.headers["content-type"]).toBe("application/json");
      expect(Number(plain.headers["content-length"])).toBe(plain.body.length);
      expect(JSON.parse(plain.body.toString()).map((e: { entryKey: string }) => e.entryKey)).toEqual(["alpha", "beta"]);
      // Written from the entries' own bytes: the feed is never copied into one buffer for it.
      expect(feed.ready("identity")).toBeUndefined();
      expect(plain.body.equals(Buffer.from(bodyBytes(feed.identityAnswer()!)!))).toBe(true);
      const head = await get(port, FEED, {}, "HEAD");
      expect(head.headers["content-length"]).toBe(plain.headers["content-length"]);
      expect(head.body.length).toBe(0);
    });

    it("serves gzip and br compressed once per snapshot, each with its own strong ETag", async () => {
      const plain = await get(port, FEED);
      const gzip = await get(port, FEED, { "accept-encoding": "gzip" });
      const br = await get(port, FEED, { "accept-encoding": "gzip, deflate, br" });
      expect(gzip.headers["content-encoding"]).toBe("gzip");
      expect(br.headers["content-encoding"]).toBe("br");
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      expect(gzip.body.length).toBeLessThan(plain.body.length / 3);
      const etags = [plain.headers.etag, gzip.headers.etag, br.headers.etag];
      expect(new Set(etags).size).toBe(3);
      expect(gzip.headers.etag).toBe(`${plain.headers.etag!.slice(0, -1)}-gzip"`);
      expect(gzip.headers.vary).toBe("Accept-Encoding");
      expect((await get(port, FEED, { "accept-encoding": "gzip;q=0, identity" })).headers["content-encoding"]).toBeUndefined();
    });

    it("answers 304 to any coding's ETag of the current bytes, and HEAD without a body", async () => {
      const gzip = await get(port, FEED, { "accept-encoding": "gzip" });
      const conditional = await get(port, FEED, { "if-none-match": gzip.headers.etag!, "accept-encoding": "br" });
      expect(conditional.status).toBe(304);
      expect(conditional.body.length).toBe(0);
      // What a cache needs to refresh its copy, not the representation's own metadata (RFC 9110 §15.4.5).
      expect(conditional.headers.etag).toBe(`${gzip.headers.etag!.slice(0, -6)}-br"`);
      expect(conditional.headers["cache-control"]).toBe("no-cache");
      expect(conditional.headers.vary).toBe("Accept-Encoding");
      expect(conditional.headers["x-opencrane-revision"]).toBe(String(services.snapshots.current!.revision));
      expect(conditional.headers["content-type"]).toBeUndefined();
      const polled = await get(port, `${FEED}?client=obot`, { "if-none-match": gzip.headers.etag! });
      expect(polled.status).toBe(304);
      const head = await get(port, FEED, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
    });

    it("serves the health checks and metrics, and nothing of the console", async () => {
      expect((await get(port, "/api/healthz")).status).toBe(200);
      expect(JSON.parse((await get(port, "/api/readyz")).body.toString()).status).toBe("ready");
      const metrics = (await get(port, "/api/metrics")).body.toString();
      expect(metrics).toContain("opencrane_feed_requests_total");
      expect(metrics).toContain('opencrane_internal_server_info{implementation="node"} 1'); // the last one started
      const console404 = await get(port, "/api/v1/mcp-servers");
      expect(console404.status).toBe(404);
      expect(JSON.parse(console404.body.toString()).error.message).toContain("the console and /api/v1 are on the main port");
      expect((await get(port, FEED, {}, "POST")).status).toBe(405);
      expect((await get(port, "/api/internal/contract/%E0")).status).toBe(400);
      expect((await get(port, "/api/internal/contract/a/b")).status).toBe(404);
      expect((await get(port, "/api/internal/contract/")).status).toBe(404);
      const page = await get(port, "/api/internal/obot-registry/v0.1/servers?x=a?b&limit=1");
      expect(page.status).toBe(200);
      expect(JSON.parse(page.body.toString()).servers).toHaveLength(1);
      expect((await get(port, "/api/internal/obot-registry/v0.1/servers/%E0/versions")).status).toBe(400);
    });
  });
});
