import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { principalFor, testServices, trpcContext } from "../../../test/support/services";
import type { Services } from "../services";
import { appRouter, createCaller } from "./root";

describeEachDatabase("tRPC catalog router", (database) => {
  let services: Services;
  let caller: ReturnType<typeof createCaller>;
  beforeAll(async () => {
    services = await testServices(database());
    caller = createCaller(trpcContext(services, principalFor("editor", "alice@example.com")));
  });

  /** A mutation over HTTP, as the browser sends it, so the error formatter is exercised too. */
  async function mutate(path: string, input: unknown) {
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request(`http://cp.test/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      }),
      router: appRouter,
      createContext: () => trpcContext(services, principalFor("editor", "alice@example.com")),
    });
    return { status: response.status, body: await response.json() };
  }

  it("creates, publishes and lists through the same domain functions as REST", async () => {
    await caller.catalog.create({ name: "tickets", displayName: "Tickets", endpoint: "https://mcp.tickets.app/mcp" });
    const published = await caller.catalog.publish({ name: "tickets" });
    expect(published.result).toMatchObject({ status: "active", updatedBy: "alice@example.com" });
    const page = await caller.catalog.list({ status: ["active"] });
    expect(page.items.map((s) => s.name)).toEqual(["tickets"]);
    const detail = await caller.catalog.get({ name: "tickets" });
    expect(detail.obotEntry).toMatchObject({ entryKey: "tickets", remoteConfig: { fixedURL: "https://mcp.tickets.app/mcp" } });
    expect(detail.publishBlocker).toBeNull();
  });

  it("rebuilds the feed snapshot before a mutation answers", async () => {
    await caller.catalog.create({ name: "wiki", displayName: "Wiki", endpoint: "https://mcp.wiki.com/mcp" });
    await caller.catalog.publish({ name: "wiki" });
    expect(services.snapshots.current?.activeServers).toBe(2);
  });

  it("reports field errors in the shape forms map onto fields", async () => {
    const { status, body } = await mutate("catalog.create", { name: "Bad", displayName: "Bad", endpoint: "nope" });
    expect(status).toBe(400);
    expect(body.error.data.domain).toEqual({
      code: "VALIDATION_FAILED",
      details: {
        fieldErrors: {
          name: [expect.stringContaining("must be lowercase")],
          endpoint: ["endpoint 'nope' must be an absolute http:// or https:// URL"],
        },
        formErrors: [],
      },
    });
  });

  it("refuses a misspelt field at any depth with the field errors forms map, writing nothing", async () => {
    const { status, body } = await mutate("catalog.update", { name: "tickets", patch: { version: 1, shortDescripton: "x" } });
    expect(status).toBe(422);
    expect(body.error.data.domain).toEqual({
      code: "VALIDATION_FAILED",
      details: { fieldErrors: { "patch.shortDescripton": [expect.stringContaining("unknown field (a typo?): this object takes")] }, formErrors: [] },
    });
  });

  it("keeps domain codes and details: conflicts say who changed the server", async () => {
    const { status, body } = await mutate("catalog.update", { name: "tickets", patch: { version: 1, shortDescription: "x" } });
    expect(status).toBe(409);
    expect(body.error.data.code).toBe("CONFLICT");
    expect(body.error.data.domain).toMatchObject({ code: "CONFLICT", details: { currentVersion: 2, updatedBy: "alice@example.com" } });
    const rename = await mutate("catalog.update", { name: "tickets", patch: { version: 2, displayName: "Tickets App" } });
    expect(rename.body.error.data.domain.code).toBe("CONFIRMATION_REQUIRED");
    const missing = await mutate("catalog.publish", { name: "ghost" });
    expect(missing.status).toBe(404);
  });

  it("answers text with NUL characters as a bad request, never an internal error", async () => {
    const { status, body } = await mutate("catalog.create", { name: "nul", displayName: "Nul\u0000", endpoint: "https://nul.example/mcp" });
    expect(status).toBe(400);
    expect(body.error.data.domain.code).toBe("BAD_REQUEST");
  });

  it("loads the demo catalog once, covering every runtime kind and status", async () => {
    expect(await caller.catalog.demoLoaded({})).toBe(false);
    const { created } = await caller.catalog.loadDemo({});
    expect(created.length).toBeGreaterThanOrEqual(12);
    const stats = await caller.catalog.stats({});
    expect(Object.entries(stats.byStatus).every(([, n]) => n > 0)).toBe(true);
    for (const kind of ["remote", "npx", "uvx", "containerized"]) expect(stats.byRuntime[kind]).toBeGreaterThan(0);
    expect((await caller.catalog.loadDemo({})).created).toEqual([]);
    const summary = await caller.dashboard.summary();
    expect(summary.snapshot?.activeServers).toBe(stats.byStatus.active);
    expect(summary.database).toBe(services.database.kind);
  });
});
