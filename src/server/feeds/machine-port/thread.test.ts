/**
 * The machine port's thread (worker.ts, bundled as production runs it): what it answers itself
 * must be what the main thread would answer at that moment, it must hand over everything else,
 * and it must never answer from a mirror older than a write its writer was told is done.
 * internal-server.test.ts runs the port's general behaviour through both listeners.
 */
import { once } from "node:events";
import http from "node:http";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../../test/support/database";
import { ALICE, testServices } from "../../../../test/support/services";
import { serverCreateInput } from "../../catalog/model";
import { createServer, publishServer } from "../../catalog/servers";
import { grantCreateInput, tenantCreateInput, tenantTokenCreateInput } from "../../policy/model";
import { createGrant, createTenant, deleteTenant } from "../../policy/store";
import { createTenantToken, revokeTenantToken } from "../../policy/tenant-tokens";
import type { Services } from "../../services";
import { routeInternal } from "../internal-server";
import { startInternalListener, type InternalListener } from "./listener";

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path, headers: { "user-agent": "test-pod/1", ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
    request.end();
  });
}

/** What the main thread's router answers the same request: the reference for the thread's own answers. */
async function mainThreadAnswer(services: Services, path: string, headers: Record<string, string>) {
  const answer = await routeInternal(services, {
    method: "GET",
    url: path,
    feed: { method: "GET", header: (name) => headers[name] ?? null, remoteAddr: "127.0.0.1" },
  });
  return { status: answer.status, headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), v])) };
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 5_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachDatabase("machine port thread", (database) => {
  let services: Services;
  let listener: InternalListener;
  let port: number;
  const tokens: Record<string, { token: string; id: string }> = {};
  const contract = (tenant: string) => `/api/internal/contract/${tenant}`;
  const FEED = "/api/internal/obot-registry";
  const forwarded = () => listener.thread!.forwarded;

  beforeAll(async () => {
    services = await testServices(database());
    for (const name of ["github", "slack"]) {
      await createServer(
        services.db,
        ALICE,
        serverCreateInput.parse({ name, displayName: name, endpoint: `https://${name}.example/mcp`, description: `${name} tools` }),
      );
      await publishServer(services.db, ALICE, name);
    }
    for (const name of ["alpha", "beta", "gamma"]) {
      await createTenant(services.db, ALICE, tenantCreateInput.parse({ name }));
      const issued = await createTenantToken(services.db, ALICE, name, tenantTokenCreateInput.parse({ name: "pod" }));
      tokens[name] = { token: issued.token, id: issued.tenantToken.id };
    }
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "github", access: "allow" }));
    await services.snapshots.refresh();
    listener = await startInternalListener(services, 0, "127.0.0.1");
    expect(listener.servedBy).toBe("thread");
    port = listener.port;
  });
  afterAll(() => listener?.close());

  const auth = (tenant: string) => ({ authorization: `Bearer ${tokens[tenant]!.token}` });

  it("answers a verified token's poll itself, with the 304 the main thread gives", async () => {
    const first = await get(port, contract("alpha"), auth("alpha"));
    expect(first.status).toBe(200);
    const before = forwarded();
    for (const coding of ["identity", "gzip", "br"]) {
      const headers = { ...auth("alpha"), "if-none-match": first.headers.etag!, "accept-encoding": coding };
      const polled = await get(port, contract("alpha"), headers);
      expect(polled.status).toBe(304);
      expect(polled.body.length).toBe(0);
      const reference = await mainThreadAnswer(services, contract("alpha"), headers);
      expect(reference.status).toBe(304);
      for (const [name, value] of Object.entries(reference.headers)) expect(polled.headers[name], name).toBe(value);
      expect(polled.headers["content-type"]).toBeUndefined();
    }
    expect(forwarded()).toBe(before);
    // Another tenant's contract with this token, or no token: the main thread refuses it.
    expect((await get(port, contract("beta"), { ...auth("alpha"), "if-none-match": first.headers.etag! })).status).toBe(403);
    expect((await get(port, contract("alpha"), { "if-none-match": first.headers.etag! })).status).toBe(401);
    expect(forwarded()).toBe(before + 2);
  });

  it("answers the Obot feed's 304s itself and hands over its 200s, the same bytes", async () => {
    const plain = await get(port, FEED);
    expect(plain.status).toBe(200);
    expect(plain.body.equals(Buffer.from(services.snapshots.current!.obotFeed.identity))).toBe(true);
    const before = forwarded();
    const polled = await get(port, FEED, { "if-none-match": plain.headers.etag!, "accept-encoding": "gzip" });
    expect(polled.status).toBe(304);
    const reference = await mainThreadAnswer(services, FEED, { "if-none-match": plain.headers.etag!, "accept-encoding": "gzip" });
    for (const [name, value] of Object.entries(reference.headers)) expect(polled.headers[name], name).toBe(value);
    expect(forwarded()).toBe(before);
    expect((await get(port, FEED, { "if-none-match": '"stale"' })).status).toBe(200);
    expect(forwarded()).toBe(before + 1);
  });

  it("shares one main-thread answer among identical feed requests in flight, and books each", async () => {
    const before = forwarded();
    const booked = services.metrics.feeds.requests("obot", 200);
    // Another thread sends them while this one (the main thread) is held up, as by a slice of a build.
    const client = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       parentPort.postMessage("sending");
       Promise.all(Array.from({ length: 5 }, () => fetch(workerData.url).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength])))
         .then((answers) => parentPort.postMessage(answers));`,
      { eval: true, workerData: { url: `http://127.0.0.1:${port}${FEED}` } },
    );
    const answers = new Promise<[number, number][]>((resolve) => client.on("message", (m) => m !== "sending" && resolve(m)));
    await once(client, "message");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    const identity = services.snapshots.current!.obotFeed.identity.byteLength;
    expect(await answers).toEqual(Array(5).fill([200, identity]));
    await client.terminate();
    expect(forwarded()).toBe(before + 1);
    await eventually(() => services.metrics.feeds.requests("obot", 200) === booked + 5, "all five answers booked");
  });

  it("has a write in its mirror before the writer's refresh resolves", async () => {
    const alpha = await get(port, contract("alpha"), auth("alpha"));
    const beta = await get(port, contract("beta"), auth("beta"));
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "slack", access: "allow" }));
    await services.snapshots.refresh();
    // The writer's very next poll, on the thread, shows its write.
    const after = await get(port, contract("alpha"), { ...auth("alpha"), "if-none-match": alpha.headers.etag! });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(alpha.headers.etag);
    expect(JSON.parse(after.body.toString()).policy.mcpServers.allow).toEqual(["github", "slack"]);
    // A contract the write left alone still answers 304 from the thread.
    const before = forwarded();
    expect((await get(port, contract("beta"), { ...auth("beta"), "if-none-match": beta.headers.etag! })).status).toBe(304);
    expect((await get(port, contract("alpha"), { ...auth("alpha"), "if-none-match": after.headers.etag! })).status).toBe(304);
    expect(forwarded()).toBe(before);
  });

  it("forgets a revoked token and a deleted tenant's at once", async () => {
    const beta = await get(port, contract("beta"), auth("beta"));
    const revoked = await revokeTenantToken(services.db, ALICE, "beta", tokens.beta!.id);
    services.tenantAuth.forget(revoked.hash); // as the revoke use case does
    const refused = await get(port, contract("beta"), { ...auth("beta"), "if-none-match": beta.headers.etag! });
    expect(refused.status).toBe(401);

    const gamma = await get(port, contract("gamma"), auth("gamma"));
    expect(gamma.status).toBe(200);
    await deleteTenant(services.db, ALICE, "gamma");
    await services.snapshots.refresh();
    const gone = await get(port, contract("gamma"), { ...auth("gamma"), "if-none-match": gamma.headers.etag! });
    expect(gone.status).toBe(401);
  });

  it("books the polls it answered into the fetch log and the metrics", async () => {
    const first = await get(port, contract("alpha"), auth("alpha"));
    const counted = services.metrics.feeds.requests("contract", 304);
    for (let i = 0; i < 5; i++) {
      expect((await get(port, contract("alpha"), { ...auth("alpha"), "if-none-match": first.headers.etag!, "user-agent": "tally-pod/2" })).status).toBe(304);
    }
    await eventually(async () => (await services.fetches.latest("contract/alpha"))?.userAgent === "tally-pod/2", "the thread's tally reaches the fetch log");
    // One user agent of its own: exactly these polls.
    expect(await services.fetches.latest("contract/alpha")).toMatchObject({ userAgent: "tally-pod/2", status: 304, remoteAddr: "127.0.0.1", count: 5 });
    expect(services.metrics.feeds.requests("contract", 304)).toBeGreaterThanOrEqual(counted + 5);
  });

  it("answers the liveness check while the main thread shows signs of life, else waits for it", async () => {
    const before = forwarded();
    const health = await get(port, "/api/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString()).status).toBe("ok");
    expect(forwarded()).toBe(before);
    const suitePublish = services.snapshots.publish;
    const strict = await startInternalListener(services, 0, "127.0.0.1", { aliveWithinMs: -1 });
    try {
      expect((await get(strict.port, "/api/healthz")).status).toBe(200);
      expect(strict.thread!.forwarded).toBe(1);
    } finally {
      await strict.close();
      // The strict listener's thread took over the snapshots; hand them back to the suite's.
      services.snapshots.publish = suitePublish;
    }
  });

  it("leaves the port to the main thread when the thread ends", async () => {
    const first = await get(port, contract("alpha"), auth("alpha"));
    await listener.thread!.terminate();
    await eventually(async () => {
      if (listener.servedBy !== "main") return false;
      return (await get(port, "/api/healthz").catch(() => null))?.status === 200;
    }, "the main thread listens on the port");
    expect(services.snapshots.publish).toBeNull();
    expect((await get(port, contract("alpha"), { ...auth("alpha"), "if-none-match": first.headers.etag! })).status).toBe(304);
    expect((await get(port, contract("alpha"), auth("beta"))).status).toBe(401);
  });
});
