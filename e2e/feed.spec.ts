import http from "node:http";
import zlib from "node:zlib";
import { E2E_INTERNAL_PORT } from "./env";
import { expect, publishServer, remoteServer, seedServer, test, uniqueName, type ObotEntry } from "./support";

/** A GET that returns the bytes as sent: Playwright's own client would decode gzip for us. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

const FEED = "/api/internal/obot-registry";

// Obot and the probes poll without credentials: a fresh client, not the admin's signed-in one.
test.use({ storageState: { cookies: [], origins: [] } });

test("the Obot feed is a JSON array of only the active servers, ordered by name", async ({ request, api }) => {
  const token = uniqueName("e2e-feed");
  await seedServer(api, remoteServer(`${token}-b`, `Feed B ${token.slice(-9)}`));
  await publishServer(api, `${token}-b`);
  await seedServer(api, remoteServer(`${token}-a`, `Feed A ${token.slice(-9)}`));
  await publishServer(api, `${token}-a`);
  await seedServer(api, remoteServer(`${token}-draft`, `Feed draft ${token.slice(-9)}`));

  const response = await request.get(FEED);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toMatch(/^application\/json/);
  const entries: ObotEntry[] = await response.json();
  expect(Array.isArray(entries)).toBe(true);

  const keys = entries.map((e) => e.entryKey);
  expect(keys).toContain(`${token}-a`);
  expect(keys).toContain(`${token}-b`);
  expect(keys).not.toContain(`${token}-draft`);
  expect(keys).toEqual([...keys].sort());

  const active = await (await api.get("/api/v1/mcp-servers?status=active&limit=200")).json();
  expect(keys).toEqual(active.items.map((s: { name: string }) => s.name).sort());
});

test("a poller that sends the ETag back gets 304 Not Modified with the same ETag", async ({ request }) => {
  const first = await request.get(FEED);
  const etag = first.headers()["etag"];
  expect(etag).toMatch(/^"[^"]+"$/);

  const again = await request.get(FEED, { headers: { "If-None-Match": etag! } });
  expect(again.status()).toBe(304);
  expect(again.headers()["etag"]).toBe(etag);
  expect((await again.body()).length).toBe(0);

  const stale = await request.get(FEED, { headers: { "If-None-Match": '"not-the-current-etag"' } });
  expect(stale.status()).toBe(200);
});

test("a client that accepts gzip gets a gzip body that decodes to the identity body", async ({ baseURL }) => {
  const identity = await rawGet(`${baseURL}${FEED}`, { "Accept-Encoding": "identity" });
  expect(identity.status).toBe(200);
  expect(identity.headers["content-encoding"] ?? "identity").toBe("identity");

  const gzipped = await rawGet(`${baseURL}${FEED}`, { "Accept-Encoding": "gzip" });
  expect(gzipped.status).toBe(200);
  expect(gzipped.headers["content-encoding"]).toBe("gzip");
  expect(zlib.gunzipSync(gzipped.body).equals(identity.body)).toBe(true);
  expect(JSON.parse(identity.body.toString("utf8"))).toBeInstanceOf(Array);
});

test("the main port serves the feeds as the internal port does: the same precompressed bytes and ETags, with the API's headers", async ({ baseURL }) => {
  for (const encoding of ["identity", "gzip", "br"]) {
    const main = await rawGet(`${baseURL}${FEED}`, { "Accept-Encoding": encoding });
    const internal = await rawGet(`http://127.0.0.1:${E2E_INTERNAL_PORT}${FEED}`, { "Accept-Encoding": encoding });
    expect(main.status, encoding).toBe(200);
    expect(main.headers["etag"], encoding).toBe(internal.headers["etag"]);
    expect(main.headers["content-encoding"] ?? "identity", encoding).toBe(encoding);
    expect(main.body.equals(internal.body), encoding).toBe(true);
    expect(main.headers["x-content-type-options"]).toBe("nosniff");
    expect(main.headers["content-security-policy"]).toContain("default-src 'none'");
  }
});

test("HEAD on the feed answers like GET without a body", async ({ request }) => {
  const get = await request.get(FEED);
  const head = await request.head(FEED);
  expect(head.status()).toBe(200);
  expect(head.headers()["content-type"]).toMatch(/^application\/json/);
  expect(head.headers()["etag"]).toBe(get.headers()["etag"]);
  expect((await head.body()).length).toBe(0);
});

test("the health and readiness probes answer 200", async ({ request }) => {
  const health = await request.get("/api/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok" });

  const ready = await request.get("/api/readyz");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready" });
});

test("Obot's feed answers without credentials while the admin API asks for them", async ({ request }) => {
  const feed = await request.get(FEED);
  expect(feed.status()).toBe(200);
  expect(await feed.json()).toBeInstanceOf(Array);

  const rest = await request.get("/api/v1/mcp-servers");
  expect(rest.status()).toBe(401);
  expect((await rest.json()).error.code).toBe("UNAUTHORIZED");
  const trpc = await request.get("/api/trpc/catalog.stats");
  expect(trpc.status()).toBe(401);
});

test("a tenant pod without a valid token is refused with 401 on both ports, never a server error", async ({ request }) => {
  for (const base of [``, `http://127.0.0.1:${E2E_INTERNAL_PORT}`]) {
    for (const authorization of [undefined, "Bearer octt_not-a-real-token", "Basic dGVuYW50OnNlY3JldA=="]) {
      const response = await request.get(`${base}/api/internal/contract/payments-agent`, { headers: authorization ? { authorization } : {} });
      expect(response.status(), `${base || "main port"} with ${authorization ?? "no token"}`).toBe(401);
      expect((await response.json()).error.code).toBe("UNAUTHORIZED");
      expect(response.headers()["www-authenticate"]).toContain("Bearer");
    }
  }
});

test("the production build serves the internal port from its poll thread, not a main-thread fallback", async ({ request }) => {
  const metrics = await request.get(`http://127.0.0.1:${E2E_INTERNAL_PORT}/api/metrics`);
  expect(metrics.status()).toBe(200);
  const text = await metrics.text();
  // The thread's code is the bundle the build put beside server.mjs (scripts/build-poll-thread.mjs).
  expect(text).toContain('opencrane_internal_server_info{implementation="thread"} 1');
  expect(text).toMatch(/opencrane_poll_thread_heap_bytes\{kind="used"\} [1-9]/);
});
