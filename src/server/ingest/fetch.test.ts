import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AllowList, FetchFailed, FetchRefused, safeFetch } from "./fetch";

let server: http.Server;
let base: string;
let flaky = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case "/ok":
        return res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      case "/gzip":
        return res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync('{"zipped":true}'));
      case "/to-metadata":
        return res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      case "/to-private":
        return res.writeHead(302, { location: "http://10.0.0.1/" }).end();
      case "/to-ipv6-loopback":
        return res.writeHead(307, { location: `http://[::1]:${(server.address() as AddressInfo).port}/ok` }).end();
      case "/to-ok":
        return res.writeHead(301, { location: "/ok" }).end();
      case "/big":
        return res.writeHead(200).end("x".repeat(5000));
      case "/flaky":
        flaky += 1;
        return flaky < 3 ? res.writeHead(503).end() : res.writeHead(200).end("finally");
      case "/slow":
        return setTimeout(() => res.writeHead(200).end("late"), 1000);
      default:
        return res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const noWait = { sleep: async () => undefined };
const loopbackAllowed = new AllowList(["127.0.0.1"]);

describe("SSRF guard", () => {
  it.each([
    ["loopback", () => `${base}/ok`],
    ["a private range", () => "http://10.1.2.3/servers"],
    ["the cloud metadata address", () => "http://169.254.169.254/latest/meta-data/"],
    ["IPv6 loopback", () => `http://[::1]:${new URL(base).port}/ok`],
    ["a name for loopback", () => `http://localhost:${new URL(base).port}/ok`],
  ])("refuses %s unless allowlisted", async (_what, url) => {
    await expect(safeFetch(url(), { allow: new AllowList([]), ...noWait })).rejects.toBeInstanceOf(FetchRefused);
  });

  it.each([
    ["IPv4-compatible loopback", "::7f00:1"],
    ["IPv4-compatible private", "::a00:1"],
    ["IPv4-compatible public (deprecated: never routed as such)", "::808:808"],
    ["IPv4-mapped loopback", "::ffff:7f00:1"],
    ["SIIT-translated private", "::ffff:0:a00:1"],
    ["NAT64 of a private address", "64:ff9b::a00:1"],
    ["local-use NAT64", "64:ff9b:1::a9fe:a9fe"],
    ["6to4 of a private address", "2002:a00:1::1"],
    ["Teredo", "2001:0:a00:1::1"],
    ["ISATAP tunnel to a private address", "2600:1f18::5efe:a00:1"],
  ])("refuses an IPv6 address embedding an IPv4 one: %s", async (_what, address) => {
    await expect(safeFetch(`http://[${address}]/`, { allow: new AllowList([]), ...noWait, retries: 0 })).rejects.toBeInstanceOf(FetchRefused);
  });

  it("refuses a URL that different parsers read different hosts from, or that carries user info", async () => {
    for (const url of ["http://1.2.3.4\\@127.0.0.1/", `http://user:pw@${new URL(base).host}/ok`, "http://1.2.3.4\\\\@10.0.0.1/"]) {
      await expect(safeFetch(url, { allow: loopbackAllowed, ...noWait })).rejects.toBeInstanceOf(FetchRefused);
    }
  });

  it("explains the refusal and how to allow it", async () => {
    await expect(safeFetch("http://10.1.2.3/", { allow: new AllowList([]), ...noWait })).rejects.toThrow(
      "http://10.1.2.3 resolves to 10.1.2.3, a private address: refused (allow it with OPENCRANE_FETCH_ALLOW_HOSTS)",
    );
  });

  it("fetches an allowlisted host, by name, address or CIDR", async () => {
    for (const allow of [["127.0.0.1"], ["127.0.0.0/8"], ["localhost"]]) {
      const url = allow[0] === "localhost" ? `http://localhost:${new URL(base).port}/ok` : `${base}/ok`;
      const result = await safeFetch(url, { allow: new AllowList(allow), ...noWait });
      expect(result.body.toString()).toBe('{"ok":true}');
    }
  });

  it.each(["/to-metadata", "/to-private", "/to-ipv6-loopback"])("refuses a redirect from an allowed host to a forbidden one (%s)", async (path) => {
    await expect(safeFetch(`${base}${path}`, { allow: loopbackAllowed, ...noWait })).rejects.toBeInstanceOf(FetchRefused);
  });

  it("follows a redirect that stays allowed", async () => {
    expect((await safeFetch(`${base}/to-ok`, { allow: loopbackAllowed, ...noWait })).body.toString()).toBe('{"ok":true}');
  });

  it("refuses other schemes", async () => {
    await expect(safeFetch("file:///etc/passwd", { allow: loopbackAllowed, ...noWait })).rejects.toThrow("file: URLs are not fetched");
  });
});

describe("limits", () => {
  it("decodes gzip", async () => {
    expect((await safeFetch(`${base}/gzip`, { allow: loopbackAllowed, ...noWait })).body.toString()).toBe('{"zipped":true}');
  });

  it("caps the size", async () => {
    await expect(safeFetch(`${base}/big`, { allow: loopbackAllowed, maxBytes: 1000, ...noWait })).rejects.toThrow("more than the 1000");
  });

  it("retries transient failures with backoff", async () => {
    const waits: number[] = [];
    const result = await safeFetch(`${base}/flaky`, { allow: loopbackAllowed, retries: 3, sleep: async (ms) => void waits.push(ms) });
    expect(result.body.toString()).toBe("finally");
    expect(waits).toHaveLength(2);
    expect(waits[1]!).toBeGreaterThan(waits[0]!);
  });

  it("times out", async () => {
    await expect(safeFetch(`${base}/slow`, { allow: loopbackAllowed, timeoutMs: 100, retries: 0, ...noWait })).rejects.toBeInstanceOf(FetchFailed);
  });
});
