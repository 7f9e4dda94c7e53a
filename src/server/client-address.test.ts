import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/database";
import { testServices } from "../../test/support/services";
import { clientAddress, installPeerStamp, PEER_HEADER, TrustedProxies } from "./client-address";
import { loadConfig } from "./config";
import { auditEvents } from "./db/schema";
import { OBOT_FEED } from "./fetch-log/fetch-log";
import { obotFeedResponse } from "./feeds/obot-route";
import { dispatchAuth } from "./rest/auth-routes";
import type { Services } from "./services";

describe("the client address", () => {
  const none = new TrustedProxies([]);
  const proxies = new TrustedProxies(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);

  it("is the peer's own address when the peer is not a trusted proxy, whatever X-Forwarded-For says", () => {
    expect(clientAddress("203.0.113.5", "198.51.100.1", none)).toBe("203.0.113.5");
    expect(clientAddress("203.0.113.5", "10.0.0.1", proxies)).toBe("203.0.113.5");
    expect(clientAddress("::ffff:203.0.113.5", null, none)).toBe("203.0.113.5");
    expect(clientAddress(undefined, "198.51.100.1", none)).toBeUndefined();
  });

  it("behind trusted proxies, is the right-most X-Forwarded-For entry no trusted proxy wrote", () => {
    // The client put 6.6.6.6 in front itself; the first trusted proxy saw 198.51.100.7.
    expect(clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.7", proxies)).toBe("198.51.100.7");
    expect(clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.7, 192.0.2.1, 10.9.9.9", proxies)).toBe("198.51.100.7");
    expect(clientAddress("::ffff:10.1.2.3", "2001:db8::1", proxies)).toBe("2001:db8::1");
    // Only trusted hops, or none: the left-most trusted one, or the proxy itself.
    expect(clientAddress("10.1.2.3", "10.0.0.9", proxies)).toBe("10.0.0.9");
    expect(clientAddress("10.1.2.3", null, proxies)).toBe("10.1.2.3");
    // A hop that is not an address (forged, or garbage) is never the answer.
    expect(clientAddress("10.1.2.3", "=2+3", proxies)).toBe("10.1.2.3");
    expect(clientAddress("10.1.2.3", "198.51.100.7, =2+3, 10.0.0.9", proxies)).toBe("10.0.0.9");
  });

  it("reads OPENCRANE_TRUSTED_PROXIES as IPs and CIDRs, and says which entry it cannot read", () => {
    const env = (vars: Record<string, string>) => ({ NODE_ENV: "test", ...vars }) as NodeJS.ProcessEnv;
    expect(loadConfig(env({ OPENCRANE_TRUSTED_PROXIES: "10.0.0.0/8, 192.0.2.1,fd00::/8" })).trustedProxies).toEqual(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);
    expect(loadConfig(env({})).trustedProxies).toEqual([]);
    expect(() => loadConfig(env({ OPENCRANE_TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal" }))).toThrow(
      "OPENCRANE_TRUSTED_PROXIES: 'proxy.internal' is neither an IP address nor a CIDR range",
    );
  });
});

/**
 * A node:http server handing requests to the app's route dispatchers as web Requests, as Next.js
 * does: route code sees headers, never the socket.
 */
async function serve(services: () => Services): Promise<http.Server> {
  installPeerStamp();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    const request = new Request(`http://cp.test${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const response = req.url!.startsWith("/api/internal/obot-registry") ? obotFeedResponse(services(), request) : await dispatchAuth(services(), request);
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

describeEachDatabase("client addresses of real connections", (database) => {
  let services: Services;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    services = await testServices(database());
    server = await serve(() => services);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const signIn = (email: string, headers: Record<string, string>) =>
    fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { origin: "http://cp.test", "content-type": "application/json", ...headers },
      body: JSON.stringify({ email, password: "a wrong guess" }),
    });

  it("locks out a client that rotates X-Forwarded-For (or forges the stamp), and audits its real address", async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 11; i++) {
      statuses.push((await signIn("victim@example.com", { "x-forwarded-for": `203.0.113.${i}`, [PEER_HEADER]: `forged 198.51.100.${i}` })).status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    const failures = await services.db
      .select({ sourceIp: auditEvents.sourceIp })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "auth.sign_in_failed"), eq(auditEvents.entityId, "victim@example.com")));
    expect(failures).toHaveLength(10);
    expect(new Set(failures.map((f) => f.sourceIp))).toEqual(new Set(["127.0.0.1"]));
  });

  it("believes X-Forwarded-For only from a configured trusted proxy, and then only the hop that proxy wrote", async () => {
    const behindProxy = await testServices(database(), { trustedProxies: ["127.0.0.0/8"] });
    const proxied = await serve(() => behindProxy);
    try {
      const url = `http://127.0.0.1:${(proxied.address() as AddressInfo).port}`;
      await fetch(`${url}/api/auth/login`, {
        method: "POST",
        headers: { origin: "http://cp.test", "content-type": "application/json", "x-forwarded-for": "6.6.6.6, 198.51.100.44" },
        body: JSON.stringify({ email: "proxied@example.com", password: "a wrong guess" }),
      });
      const [failure] = await behindProxy.db.select().from(auditEvents).where(eq(auditEvents.entityId, "proxied@example.com"));
      expect(failure?.sourceIp).toBe("198.51.100.44");

      await fetch(`${url}/api/internal/obot-registry`, { headers: { "x-forwarded-for": "198.51.100.45", "user-agent": "obot-test" } });
      expect((await behindProxy.fetches.latest(OBOT_FEED))?.remoteAddr).toBe("198.51.100.45");
    } finally {
      await new Promise<void>((resolve) => proxied.close(() => resolve()));
    }
  });

  it("records the feed fetcher's socket address, not the X-Forwarded-For it sends", async () => {
    await fetch(`${base}/api/internal/obot-registry`, { headers: { "x-forwarded-for": "=2+3", "user-agent": "obot-test" } });
    expect((await services.fetches.latest(OBOT_FEED))?.remoteAddr).toBe("127.0.0.1");
  });
});
