/**
 * The Obot link against the stand-in Obot (test/support/fake-obot.ts, Obot's real rules): the
 * feed is served on a real loopback port, and the stand-in reads it the way Obot does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { auditEvents } from "@/server/db/schema";
import { fromNodeRequest, writeNodeResponse } from "@/server/feeds/answer";
import { routeInternal } from "@/server/feeds/internal-server";
import { startServices, type Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { FakeObot } from "./support/fake-obot";
import { obotStatusView } from "@/cli/commands/obot";
import { createCaller } from "@/server/trpc/root";
import { principalFor, restClient, TEST_CONFIG, testServices, trpcContext } from "./support/services";

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const OTHER = "https://catalog.partner.example/mcp.yaml";
const TOKEN = "feed-token-1234567890";

describeEachDatabase("Obot link", (database) => {
  let feedServer: http.Server;
  let feedUrl: string;
  let services: Services;
  let obot: FakeObot;
  let call: ReturnType<typeof restClient>;
  let n = 0;

  beforeAll(async () => {
    // The feed's port exists before the services, as the internal listener does in a pod.
    feedServer = http.createServer(
      (req, res) => void Promise.resolve(routeInternal(services, fromNodeRequest(req, []))).then((a) => writeNodeResponse(res, a)),
    );
    await new Promise<void>((r) => feedServer.listen(0, "127.0.0.1", r));
    feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/api/internal/obot-registry`;
  });
  afterAll(async () => {
    feedServer.closeAllConnections();
    await new Promise((r) => feedServer.close(r));
  });

  beforeEach(async () => {
    obot = await new FakeObot({ defaultCatalogPath: feedUrl, staticSources: { [OTHER]: "[]" } }).start();
    services = await startServices({ ...TEST_CONFIG, obotRegistryToken: TOKEN, obot: { url: obot.url, feedUrl, ensureMs: 60_000 } }, database(), {
      migrate: false,
      background: false,
      obotLink: { debounceMs: 300, maxWaitMs: 10_000, retryBaseMs: 100, syncPollMs: 50, log: () => undefined },
    });
    call = restClient(services);
    n += 1;
  });
  afterEach(async () => {
    await services.obotLink?.stop();
    await obot.close();
  });

  const server = (name: string) => ({ name, displayName: name.toUpperCase(), endpoint: `https://${name}.example/mcp` });

  it("ensure puts a removed feed back, keeps the other sources and their credentials, and audits it", async () => {
    obot.update({ displayName: "Default", sourceURLs: [OTHER], sourceURLCredentials: { [OTHER]: "partner-secret-9999" } });
    expect(obot.sourceURLs).toEqual([OTHER]);
    services.obotLink!.start();
    await until("the feed is a source again", () => obot.sourceURLs.includes(feedUrl));
    expect(obot.sourceURLs).toEqual([OTHER, feedUrl]);
    expect(obot.tokens.get(OTHER)).toBe("partner-secret-9999");
    expect(obot.tokens.get(feedUrl)).toBe(TOKEN);
    // Obot then reads the feed with the token (the feed requires it).
    await until("Obot synced", () => obot.sourceFetches.some((f) => f.url === feedUrl && f.status === 200));
    expect(obot.sourceFetches.find((f) => f.url === feedUrl)!.authorization).toBe(`Bearer ${TOKEN}`);
    const audit = await services.db.select().from(auditEvents).where(eq(auditEvents.action, "obot.catalog_source_restore"));
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(audit.at(-1)).toMatchObject({ actorKind: "system", entityType: "obot_catalog", after: { sourceURLs: [OTHER, feedUrl] } });
    // A second pass finds the feed there and writes nothing.
    const puts = obot.requests.filter((r) => r.startsWith("PUT")).length;
    await services.obotLink!.ensure();
    expect(obot.requests.filter((r) => r.startsWith("PUT")).length).toBe(puts);
  });

  it("a publish and a disable reach Obot's entries within seconds, and the read back follows", async () => {
    const name = `srv-${n}`;
    services.obotLink!.start();
    await until("ensured", () => services.obotLink!.view().link.state === "ok");
    await call("POST", "/api/v1/mcp-servers", server(name));
    expect((await call("POST", `/api/v1/mcp-servers/${name}/publish`)).status).toBe(200);
    await until("Obot holds the published server", () => [...obot.entries.values()].some((e) => e.manifest.entryKey === name));
    await until("the link reads it back", () => services.obotLink!.view().servers.some((s) => s.name === name && s.state === "in-obot"));
    // A later read back may catch a sync of Obot's in progress; it ends.
    await until("Obot's sync is over", () => !services.obotLink!.view().link.isSyncing);
    expect(services.obotLink!.view().link).toMatchObject({ state: "ok", isSyncing: false, syncError: null });
    expect(services.obotLink!.view().link.lastRefreshRequestedAt).not.toBeNull();

    expect((await call("POST", `/api/v1/mcp-servers/${name}/disable`, { reason: "incident" })).status).toBe(200);
    await until("Obot no longer holds the disabled server", () => ![...obot.entries.values()].some((e) => e.manifest.entryKey === name));
    await until("the link no longer lists it", () => !services.obotLink!.view().servers.some((s) => s.name === name));
  });

  it("GET /api/v1/obot, its tRPC twin (viewer) and oc obot status show the link, the servers and drift off; metrics follow", async () => {
    const name = `shown-${n}`;
    services.obotLink!.start();
    await call("POST", "/api/v1/mcp-servers", server(name));
    await call("POST", `/api/v1/mcp-servers/${name}/publish`);
    await until("in Obot", () => services.obotLink!.view().servers.some((s) => s.name === name && s.state === "in-obot"));
    // A read back may still catch Obot's sync in progress (or the refresh after it); wait for the link to settle.
    await until("Obot's sync is over", () => {
      const { link } = services.obotLink!.view();
      return !link.isSyncing && link.syncError === null;
    });
    const rest = await call("GET", "/api/v1/obot");
    expect(rest.status).toBe(200);
    expect(Object.keys(rest.body)).toEqual(["link", "servers", "drift"]);
    expect(Object.keys(rest.body.link).sort()).toEqual([
      "feedUrl",
      "isSyncing",
      "lastEnsuredAt",
      "lastRefreshRequestedAt",
      "lastSynced",
      "state",
      "syncError",
      "url",
    ]);
    expect(rest.body.link).toMatchObject({ url: obot.url, feedUrl, state: "ok", isSyncing: false, syncError: null });
    expect(Date.parse(rest.body.link.lastSynced)).toBeGreaterThan(Date.now() - 60_000);
    expect(rest.body.servers).toContainEqual({ name, state: "in-obot" });
    expect(rest.body.drift).toEqual({ deployment: null, mode: "off", state: "off", variables: [], lastCheckedAt: null, lastRepairedAt: null });
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    expect(await viewer.obot.status()).toEqual(rest.body);
    const text = obotStatusView(rest.body);
    expect(text).toContain("Obot link:");
    expect(text).toMatch(new RegExp(`${name}\\s+in Obot`));
    expect(text).toContain("Drift repair: off");
    const metrics = await services.metrics.registry.metrics();
    expect(metrics).toContain("opencrane_obot_link_up 1");
    expect(metrics).toMatch(/opencrane_obot_servers\{state="in-obot"\} [1-9]/);
    expect(metrics).toMatch(/opencrane_obot_refresh_requests_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/opencrane_obot_last_synced_timestamp_seconds \d/);
    expect(metrics).toMatch(/opencrane_obot_last_sync_age_seconds \d/);
  });

  it("a burst of 50 writes asks Obot to refresh at most a few times", async () => {
    services.obotLink!.start();
    await until("ensured", () => services.obotLink!.view().link.state === "ok");
    const before = obot.refreshes;
    for (let i = 0; i < 50; i++) {
      const name = `burst-${n}-${i}`;
      await call("POST", "/api/v1/mcp-servers", server(name));
      await call("POST", `/api/v1/mcp-servers/${name}/publish`);
    }
    await until("Obot holds all 50", () => [...obot.entries.values()].filter((e) => String(e.manifest.entryKey).startsWith(`burst-${n}-`)).length === 50);
    await until(
      "all read back",
      () => services.obotLink!.view().servers.filter((s) => s.name.startsWith(`burst-${n}-`) && s.state === "in-obot").length === 50,
    );
    // The last write's snapshot always schedules a refresh (after the 300 ms quiet period); a sync
    // that a refresh from before the burst started may already have read the whole burst, so the
    // entries can arrive before that refresh does: wait for it, then for one more quiet period.
    await until("the burst's trailing refresh", () => obot.refreshes > before);
    await new Promise((r) => setTimeout(r, 1_000));
    const refreshes = obot.refreshes - before;
    // One per quiet period, and at least one per 10 s (maxWaitMs) while the writes go on: the 100
    // writes (a create and a publish each) take several seconds here.
    expect(refreshes).toBeLessThanOrEqual(4);
  }, 120_000);

  it("Obot unreachable is a state with its reason, and the link recovers by itself", async () => {
    obot.down = true;
    services.obotLink!.start();
    await until(
      "unreachable",
      () => services.obotLink!.view().link.lastEnsuredAt === null && services.obotLink!.view().link.syncError?.startsWith("Obot unreachable") === true,
    );
    expect(services.obotLink!.view().link.state).toBe("unreachable");
    const name = `late-${n}`;
    await call("POST", "/api/v1/mcp-servers", server(name));
    await call("POST", `/api/v1/mcp-servers/${name}/publish`);
    obot.down = false;
    await until("ok again", () => services.obotLink!.view().link.state === "ok");
    await until("the change made while Obot was down reaches it", () =>
      services.obotLink!.view().servers.some((s) => s.name === name && s.state === "in-obot"),
    );
  });

  it("a failed fetch keeps Obot's entries and the link shows Obot's error for the server", async () => {
    const name = `kept-${n}`;
    services.obotLink!.start();
    await until("ensured", () => services.obotLink!.view().link.state === "ok");
    await call("POST", "/api/v1/mcp-servers", server(name));
    await call("POST", `/api/v1/mcp-servers/${name}/publish`);
    await until("in Obot", () => services.obotLink!.view().servers.some((s) => s.name === name && s.state === "in-obot"));
    // Obot now has a wrong token for the feed: its next sync fails with 401 and prunes nothing.
    obot.update({ displayName: "Default", sourceURLs: obot.sourceURLs, sourceURLCredentials: { [feedUrl]: "wrong-token-000000" } });
    const other = `other-${n}`;
    await call("POST", "/api/v1/mcp-servers", server(other));
    await call("POST", `/api/v1/mcp-servers/${other}/publish`);
    await until("Obot reports the error", () => services.obotLink!.view().link.syncError?.includes("401") === true);
    await until("the new server is read back", () => services.obotLink!.view().servers.some((s) => s.name === other));
    expect([...obot.entries.values()].some((e) => e.manifest.entryKey === name)).toBe(true);
    const states = services.obotLink!.view().servers;
    expect(states.find((s) => s.name === other)).toMatchObject({ state: "error", message: expect.stringContaining("401") });
  });

  it("without OPENCRANE_OBOT_URL the link is off, and says so", async () => {
    const off = await testServices(database());
    const rest = await restClient(off)("GET", "/api/v1/obot");
    expect(rest.status).toBe(200);
    expect(rest.body.link).toEqual({
      url: null,
      feedUrl: null,
      state: "off",
      lastSynced: null,
      isSyncing: false,
      syncError: null,
      lastRefreshRequestedAt: null,
      lastEnsuredAt: null,
    });
    expect(rest.body.servers).toEqual([]);
    expect(obotStatusView(rest.body)).toContain("Obot link: off");
  });
});
