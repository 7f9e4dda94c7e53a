/**
 * The internal port's poll thread against a real snapshot: current polls are answered while the
 * main thread cannot run at all (it waits in spawnSync for curl), everything else waits for the
 * main thread, and no change the main thread publishes is ever answered stale.
 */
import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, publishRemoteServers, restClient, testServices } from "../../../test/support/services";
import { createServer, publishServer } from "../catalog/servers";
import { serverCreateInput } from "../catalog/model";
import { createTenant } from "../policy/store";
import { tenantCreateInput } from "../policy/model";
import type { Services } from "../services";
import { startInternalServer } from "./internal-server";
import type { MachineServer } from "./poll-server";
import { PollThreadHost } from "./poll-thread-host";

/** curl, run while this thread is blocked: only an answer the poll thread gives itself arrives. */
function curlWhileBlocked(url: string, headers: Record<string, string>, maxSeconds = 5): { status: string; exit: number | null } {
  const args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", String(maxSeconds)];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const result = spawnSync("curl", [...args, url], { encoding: "utf8" });
  return { status: result.stdout, exit: result.status };
}

describeEachDatabase("the internal port's poll thread", (database) => {
  let services: Services;
  let server: MachineServer;
  let base: string;
  let rest: ReturnType<typeof restClient>;
  let auth: Record<string, string>;
  let tokenId: string;

  const fetchContract = (headers: Record<string, string> = {}) => fetch(`${base}/api/internal/contract/alpha`, { headers: { ...auth, ...headers } });

  beforeAll(async () => {
    services = await testServices(database());
    rest = restClient(services);
    await publishRemoteServers(services.db, ["github", "slack"]);
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "alpha" }));
    const issued = await rest("POST", "/api/v1/tenants/alpha/tokens", { name: "pod" });
    expect(issued.status).toBe(201);
    auth = { authorization: `Bearer ${issued.body.token}` };
    tokenId = issued.body.tenantToken.id;
    expect((await rest("POST", "/api/v1/grants", { subject: { type: "tenant", name: "alpha" }, servers: "github", access: "allow" })).status).toBe(201);
    await services.snapshots.refresh();
    server = await startInternalServer(services, 0, "127.0.0.1", "thread");
    expect(server).toBeInstanceOf(PollThreadHost);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers current polls while the main thread is blocked, and nothing it must ask the main thread for", async () => {
    const first = await fetchContract();
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    // The first answer came from the main thread, which told the poll thread the token's tenant.
    expect((await fetchContract({ "if-none-match": etag })).status).toBe(304);
    const feed = await fetch(`${base}/api/internal/obot-registry`);
    expect(feed.status).toBe(200);
    const feedTag = feed.headers.get("etag")!;

    expect(curlWhileBlocked(`${base}/api/internal/contract/alpha`, { ...auth, "If-None-Match": etag }).status).toBe("304");
    expect(curlWhileBlocked(`${base}/api/internal/obot-registry`, { "If-None-Match": feedTag }).status).toBe("304");
    expect(curlWhileBlocked(`${base}/api/healthz`, {}).status).toBe("200");
    // The feed's bytes are the main thread's, shared with the poll thread: it answers them itself, in each coding.
    expect(curlWhileBlocked(`${base}/api/internal/obot-registry`, {}).status).toBe("200");
    expect(curlWhileBlocked(`${base}/api/internal/obot-registry`, { "Accept-Encoding": "br" }).status).toBe("200");
    const [identity, gzipped] = await Promise.all([
      fetch(`${base}/api/internal/obot-registry`),
      fetch(`${base}/api/internal/obot-registry`, { headers: { "accept-encoding": "gzip" } }),
    ]);
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(await gzipped.text()).toBe(await identity.text());
    // A body is rendered by the main thread: it cannot arrive while the main thread is blocked (curl's exit 28: timed out).
    expect(curlWhileBlocked(`${base}/api/internal/contract/alpha`, auth, 1)).toEqual({ status: "000", exit: 28 });
    expect(curlWhileBlocked(`${base}/api/readyz`, {}, 1).exit).toBe(28);
  });

  it("never answers a poll stale after a write, or with a revoked token", async () => {
    const before = await fetchContract();
    const etag = before.headers.get("etag")!;
    expect((await fetchContract({ "if-none-match": etag })).status).toBe(304);
    // The write answers once the snapshot is published: the very next poll sees the new contract.
    expect((await rest("POST", "/api/v1/grants", { subject: { type: "tenant", name: "alpha" }, servers: "slack", access: "allow" })).status).toBe(201);
    const after = await fetchContract({ "if-none-match": etag });
    expect(after.status).toBe(200);
    expect(JSON.stringify(await after.json())).toContain("slack");
    const current = after.headers.get("etag")!;
    expect((await fetchContract({ "if-none-match": current })).status).toBe(304);
    expect(curlWhileBlocked(`${base}/api/internal/contract/alpha`, { ...auth, "If-None-Match": current }).status).toBe("304");

    // A published server: the thread is handed only the feed's new parts, and serves the same bytes as the main thread.
    await createServer(services.db, ALICE, serverCreateInput.parse({ name: "jira", displayName: "jira", endpoint: "https://jira.example/mcp" }));
    await publishServer(services.db, ALICE, "jira");
    await services.snapshots.refresh();
    const feed = await (await fetch(`${base}/api/internal/obot-registry`)).text();
    expect(feed).toContain("jira.example");
    expect(feed).toBe(Buffer.from(services.snapshots.current!.obotFeed.identity).toString());

    expect((await rest("DELETE", `/api/v1/tenants/alpha/tokens/${tokenId}`)).status).toBe(204);
    expect((await fetchContract({ "if-none-match": current })).status).toBe(401);
  });

  it("leaves a port it cannot listen on to the main thread's server, which says why", async () => {
    const busy = (server.address() as AddressInfo).port;
    await expect(startInternalServer(services, busy, "127.0.0.1", "thread")).rejects.toThrow(/EADDRINUSE/);
    expect((await fetch(`${base}/api/healthz`)).status).toBe(200);
  });

  it("records the polls it answered in the fetch log and the metrics", async () => {
    const feed = await fetch(`${base}/api/internal/obot-registry`);
    const before = services.metrics.feeds.requests("obot", 304);
    for (let i = 0; i < 3; i++) {
      expect(curlWhileBlocked(`${base}/api/internal/obot-registry`, { "If-None-Match": feed.headers.get("etag")!, "User-Agent": "obot-test" }).status).toBe(
        "304",
      );
    }
    await expect.poll(() => services.metrics.feeds.requests("obot", 304)).toBe(before + 3);
    await services.fetches.flush();
    expect(await services.fetches.latest("obot")).toMatchObject({ userAgent: "obot-test", status: 304 });
  });
});
