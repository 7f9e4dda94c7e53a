/**
 * Random and broken HTTP at the internal port, on raw sockets: request lines, header fields and
 * bodies built from what pollers send and from what no client should (control characters, bare
 * LFs, conflicting framing, absurd lengths, upgrades), split at random points. Whatever arrives,
 * the port answers well-formed HTTP/1.1 or closes, never with a 5xx, and closes once the client
 * has sent everything; the port still answers afterwards. On both databases; a few seconds.
 */
import net, { type AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startInternalServer } from "@/server/feeds/internal-server";
import type { MachineServer } from "@/server/feeds/poll-server";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { restClient, testServices } from "./support/services";

const printable = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_./:;=,\"'%?&*~ "), maxLength: 24 });
const anyText = fc.string({ unit: "binary", maxLength: 24 });

function exchange(port: number, chunks: Buffer[]): Promise<{ raw: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ raw: Buffer.concat(received), closed: false });
    }, 3000);
    socket.on("data", (data) => received.push(data));
    socket.on("error", () => undefined); // a reset after the server closed with our bytes unread
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ raw: Buffer.concat(received), closed: true });
    });
    socket.on("connect", () => {
      for (const chunk of chunks) socket.write(chunk);
      socket.end();
    });
    socket.on("timeout", reject);
  });
}

/** The status codes of the responses in `raw`; throws on anything that is not an HTTP/1.1 response head. */
function statuses(raw: Buffer): number[] {
  const out: number[] = [];
  const text = raw.toString("latin1");
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) throw new Error(`a truncated response head: ${JSON.stringify(text.slice(at, at + 200))}`);
    const head = text.slice(at, end);
    const status = /^HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n/.exec(head);
    if (!status) throw new Error(`not a response head: ${JSON.stringify(head.slice(0, 200))}`);
    out.push(Number(status[1]));
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    // A HEAD answer carries the length of a body it does not send: the next head follows at once.
    const bodyLength = length && !text.startsWith("HTTP/1.1", end + 4) ? Number(length[1]) : 0;
    at = end + 4 + bodyLength;
  }
  return out;
}

describeEachDatabase("the internal port under random and broken HTTP", (database) => {
  let services: Services;
  let server: MachineServer;
  let port: number;
  let token: string;

  beforeAll(async () => {
    services = await testServices(database());
    const call = restClient(services);
    await call("POST", "/api/v1/tenants", { name: "fuzz-tenant" });
    token = (await call("POST", "/api/v1/tenants/fuzz-tenant/tokens", { name: "fuzz" })).body.token;
    await services.snapshots.refresh();
    server = await startInternalServer(services, 0, "127.0.0.1");
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await services.close();
  });

  it("answers well-formed HTTP or closes, never a 5xx, and keeps answering", async () => {
    // Mostly what pollers send, so that answers (and keeping or ending the connection) are exercised too.
    const method = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("GET", "HEAD") },
      { weight: 2, arbitrary: fc.constantFrom("POST", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PRI", "G ET", "get") },
      { weight: 1, arbitrary: printable },
    );
    const target = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("/api/internal/obot-registry", "/api/healthz") },
      fc.constantFrom("/api/internal/obot-registry", "/api/healthz", "/api/readyz", "/api/metrics", "*", "http://x/api/healthz", "/api/internal/contract/"),
      printable.map((tenant) => `/api/internal/contract/${tenant}`),
      printable.map((query) => `/api/internal/obot-registry/v0.1/servers?${query}`),
      anyText,
    );
    const version = fc.oneof({ weight: 6, arbitrary: fc.constant("HTTP/1.1") }, fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.x", "", "HTTP/1.1 extra"));
    const field = fc.oneof(
      fc.constant<[string, string]>(["Authorization", `Bearer ${"\u0000"}`]),
      fc.constantFrom<[string, string]>(["Connection", "close"], ["Connection", "keep-alive"], ["Connection", "Upgrade"], ["Upgrade", "websocket"]),
      fc.constantFrom<[string, string]>(["Transfer-Encoding", "chunked"], ["Transfer-Encoding", "gzip"], ["Expect", "100-continue"]),
      fc
        .oneof(fc.integer({ min: -5, max: 40 }).map(String), fc.constantFrom("99999999999999999999", "1, 2", "abc"))
        .map((n): [string, string] => ["Content-Length", n]),
      fc.oneof(printable, anyText).map((v): [string, string] => ["If-None-Match", v]),
      fc.oneof(printable, anyText).map((v): [string, string] => ["Accept-Encoding", v]),
      fc.oneof(printable, anyText).map((v): [string, string] => ["X-Forwarded-For", v]),
      fc.oneof(printable, anyText).map((v): [string, string] => ["Authorization", `Bearer ${v}`]),
      fc.tuple(anyText, anyText),
    );
    const request = fc.record({
      method,
      target,
      version,
      withHost: fc.boolean(),
      fields: fc.array(field, { maxLength: 6 }),
      validToken: fc.boolean(),
      lineEnd: fc.constantFrom("\r\n", "\r\n", "\r\n", "\n"),
      body: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 64 })),
      splits: fc.array(fc.nat(), { maxLength: 4 }),
      repeat: fc.integer({ min: 1, max: 3 }),
    });

    const answered = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const fields: [string, string][] = [...(r.withHost ? [["Host", "x"] as [string, string]] : []), ...r.fields];
        if (r.validToken) fields.push(["Authorization", `Bearer ${token}`]);
        const head = `${r.method} ${r.target} ${r.version}${r.lineEnd}${fields.map(([n, v]) => `${n}: ${v}${r.lineEnd}`).join("")}${r.lineEnd}`;
        const one = Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(r.body)]);
        const bytes = Buffer.concat(Array.from({ length: r.repeat }, () => one));
        const cuts = [...new Set(r.splits.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
        const { raw, closed } = await exchange(
          port,
          chunks.filter((c) => c.length > 0),
        );
        expect(closed, "the port closes once the client has sent everything").toBe(true);
        for (const status of statuses(raw)) {
          expect(status, head).toBeLessThan(500);
          answered.add(status);
        }
      }),
      { numRuns: 200 },
    );

    // Not only refusals: real answers were among them.
    expect([...answered]).toEqual(expect.arrayContaining([200, 400]));
    const { raw } = await exchange(port, [Buffer.from("GET /api/healthz HTTP/1.1\r\nHost: x\r\n\r\n")]);
    expect(statuses(raw)).toEqual([200]);
  }, 60_000);
});
