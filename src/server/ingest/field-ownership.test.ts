/**
 * Issue 9, items 1 and 2: every published server keeps its Obot entry, whatever path changes it;
 * upstream changes touch only what upstream owns, and approving one is an ordinary server change.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { obotEntry } from "../../../test/support/catalog";
import { describeEachDatabase } from "../../../test/support/database";
import { startFakeRegistry, type FakeRegistry } from "../../../test/support/fake-registry";
import { ALICE, principalFor, restClient, TEST_CONFIG, testServices, trpcContext } from "../../../test/support/services";
import type { Config } from "../config";
import { obotFeedResponse } from "../feeds/obot-route";
import type { Services } from "../services";
import { createCaller } from "../trpc/root";
import { executeRun } from "./pipeline";
import { claimRunById, getRun, queueRun } from "./runs";

const S = "/api/v1/mcp-servers";

async function feedKeys(services: Services): Promise<string[]> {
  const response = obotFeedResponse(services, new Request("http://control-plane.test/api/internal/obot-registry"));
  expect(response.status).toBe(200);
  return ((await response.json()) as { entryKey: string }[]).map((e) => e.entryKey);
}

describeEachDatabase("an active server keeps its Obot entry", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;
  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
  });

  it("REST: taking the runtime of an active server is refused with 422 'disable it first'; nothing changes", async () => {
    await call("POST", S, { name: "gamma", displayName: "Gamma", endpoint: "https://gamma.example.com/mcp" });
    const published = await call("POST", `${S}/gamma/publish`);
    const refused = await call("PATCH", `${S}/gamma`, { version: published.body.version, runtime: null });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/disable it first/i);
    expect(refused.body.error.details.fieldErrors.runtime).toEqual([expect.stringContaining("disable it first")]);
    const after = await call("GET", `${S}/gamma`);
    expect(after.body).toMatchObject({ status: "active", version: published.body.version, runtime: { type: "remote" } });
    expect(await feedKeys(services)).toContain("gamma");
    // The dry run answers the same refusal.
    expect((await call("PATCH", `${S}/gamma?dryRun=true`, { version: published.body.version, runtime: null })).status).toBe(422);
  });

  it("tRPC: the same change is refused the same way", async () => {
    const caller = createCaller(trpcContext(services, principalFor("editor", "alice@example.com")));
    const current = await caller.catalog.get({ name: "gamma" });
    await expect(caller.catalog.update({ name: "gamma", patch: { version: current.server.version, runtime: null } })).rejects.toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
      message: expect.stringMatching(/disable it first/i),
    });
    expect((await caller.catalog.get({ name: "gamma" })).server.runtime).not.toBeNull();
  });

  it("a draft may lose its runtime, and so may an active server once disabled", async () => {
    await call("POST", S, { name: "delta", displayName: "Delta", endpoint: "https://delta.example.com/mcp" });
    expect((await call("PATCH", `${S}/delta`, { version: 1, runtime: null })).body.runtime).toBeNull();
    const disabled = await call("POST", `${S}/gamma/disable`);
    const patched = await call("PATCH", `${S}/gamma`, { version: disabled.body.version, runtime: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: "disabled", runtime: null });
  });

  it("an approved upstream update that would leave it without a runtime is refused, and stays pending", async () => {
    await call("POST", `${S}/import`, [obotEntry("northwind")]);
    const published = await call("POST", `${S}/northwind/publish`);
    await call("POST", `${S}/import`, [obotEntry("northwind", { description: "The northwind index, faster." })]);
    const [pending] = (await call("GET", "/api/v1/review/pending-updates")).body.items;
    // An update staged by an earlier release could hold any spec: the write path is what refuses it.
    await services.db.execute(
      sql`update source_items set pending_spec = pending_spec || '{"runtime": null, "endpoint": null}'::jsonb,
          pending_diff = pending_diff || '[{"field": "runtime", "before": null, "after": null}]'::jsonb where id = ${pending.id}`,
    );
    const refused = await call("POST", `/api/v1/review/items/${pending.id}/approve-update`, { version: published.body.version });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/disable it first/i);
    expect((await call("GET", "/api/v1/review/pending-updates")).body.items.map((i: { id: string }) => i.id)).toEqual([pending.id]);
    expect((await call("GET", `${S}/northwind`)).body).toMatchObject({
      status: "active",
      version: published.body.version,
      description: "The northwind index.",
    });
    expect(await feedKeys(services)).toContain("northwind");
  });

  it("import and ingestion: upstream dropping the runtime of an active server stages it, and approving it is refused", async () => {
    const doc = (remotes: unknown[]) => ({
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
      name: "io.example/orchard",
      description: "Orchard.",
      version: "1.0.0",
      remotes,
    });
    const created = await call("POST", `${S}/import`, [doc([{ type: "streamable-http", url: "https://orchard.example.com/mcp" }])]);
    const name = created.body.created[0] as string;
    const published = await call("POST", `${S}/${name}/publish`);
    const result = await call("POST", `${S}/import`, [{ ...doc([]), version: "2.0.0" }]);
    expect(result.body.pendingUpdates.map((p: { name: string }) => p.name)).toEqual([name]);
    expect((await call("GET", `${S}/${name}`)).body).toMatchObject({ status: "active", runtime: { type: "remote" } });
    const pending = (await call("GET", "/api/v1/review/pending-updates")).body.items.find((i: { name: string }) => i.name === name);
    expect(pending.pendingDiff).toEqual(expect.arrayContaining([expect.objectContaining({ field: "runtime", after: null })]));
    const refused = await call("POST", `/api/v1/review/items/${pending.id}/approve-update`, { version: published.body.version });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/disable it first/i);
    expect(await feedKeys(services)).toContain(name);

    // Disabled first, the same approval goes through.
    const disabled = await call("POST", `${S}/${name}/disable`);
    const approved = await call("POST", `/api/v1/review/items/${pending.id}/approve-update`, { version: disabled.body.version });
    expect(approved.body).toMatchObject({ status: "disabled", runtime: null, provenance: { upstreamVersion: "2.0.0" } });
  });

  it("the database refuses an active server without a runtime, whatever writes it", async () => {
    await expect(services.db.execute(sql`update mcp_servers set runtime = null where name = 'northwind'`)).rejects.toThrow();
    await expect(services.db.execute(sql`update mcp_servers set runtime = 'null'::jsonb where name = 'northwind'`)).rejects.toThrow();
  });
});

describeEachDatabase("field ownership: upstream changes touch only what upstream owns", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;
  const importDocs = async (...docs: unknown[]) => {
    const res = await call("POST", `${S}/import`, docs);
    expect(res.status).toBe(200);
    return res.body;
  };
  const pendingFor = async (name: string) => {
    const items = (await call("GET", "/api/v1/review/pending-updates")).body.items as {
      id: string;
      name: string;
      pendingDiff: { field: string; before: unknown; after: unknown; conflict?: boolean }[];
      server: { version: number };
    }[];
    return items.find((i) => i.name === name);
  };
  const approve = (id: string, body: unknown, query = "") => call("POST", `/api/v1/review/items/${id}/approve-update${query}`, body);

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
  });

  it("stages only upstream-owned fields for a published server: the admin's scope and categories stay (REST)", async () => {
    await importDocs(obotEntry("alpha"));
    const edited = await call("PATCH", `${S}/alpha`, { version: 1, scope: "project", categories: ["Search"], capabilities: ["read"] });
    expect(edited.body.overrides).toEqual(["categories"]);
    await call("POST", `${S}/alpha/publish`);
    const result = await importDocs(obotEntry("alpha", { description: "The alpha index, v2." }));
    expect(result.pendingUpdates.map((p: { name: string }) => p.name)).toEqual(["alpha"]);

    const pending = (await pendingFor("alpha"))!;
    expect(pending.pendingDiff).toEqual([{ field: "description", before: "The alpha index.", after: "The alpha index, v2." }]);
    const current = (await call("GET", `${S}/alpha`)).body;
    expect(pending.server.version).toBe(current.version);

    // An ordinary server change: the version is required, and a stale one is refused.
    expect((await approve(pending.id, {})).status).toBe(422);
    const stale = await approve(pending.id, { version: current.version - 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toContain(`now version ${current.version}`);
    expect((await pendingFor("alpha"))?.id).toBe(pending.id);

    // The dry run previews who gains or loses it and writes nothing.
    const preview = await approve(pending.id, { version: current.version }, "?dryRun=true");
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      dryRun: true,
      impact: { changes: [], summary: "no tenant gains or loses access" },
      result: { description: "The alpha index, v2." },
    });
    expect((await call("GET", `${S}/alpha`)).body.version).toBe(current.version);

    const approved = await approve(pending.id, { version: current.version });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: "active",
      scope: "project",
      categories: ["Search"],
      capabilities: ["read"],
      description: "The alpha index, v2.",
      version: current.version + 1,
      updatedBy: "bootstrap-token",
    });
    expect(await pendingFor("alpha")).toBeUndefined();

    // Audited as a server change, with before and after.
    const events = (await call("GET", "/api/v1/audit?entityType=mcp_server&entityId=alpha&action=mcp_server.update")).body.events;
    expect(events[0]).toMatchObject({
      action: "mcp_server.update",
      before: { description: "The alpha index.", scope: "project", version: current.version },
      after: { description: "The alpha index, v2.", scope: "project", version: current.version + 1 },
    });
  });

  it("an admin's edit of an upstream-owned field is an override: upstream's later change to it is a conflict, kept unless taken", async () => {
    const before = (await call("GET", `${S}/alpha`)).body;
    const edited = await call("PATCH", `${S}/alpha`, { version: before.version, description: "Alpha, in our words." });
    expect(edited.body.overrides).toEqual(["categories", "description"]);

    await importDocs(obotEntry("alpha", { description: "The alpha index, v3.", shortDescription: "Searches alpha, fast." }));
    let pending = (await pendingFor("alpha"))!;
    expect(pending.pendingDiff).toEqual([
      { field: "shortDescription", before: "Searches alpha.", after: "Searches alpha, fast." },
      { field: "description", before: "Alpha, in our words.", after: "The alpha index, v3.", conflict: true },
    ]);
    const kept = await approve(pending.id, { version: edited.body.version });
    expect(kept.body).toMatchObject({
      shortDescription: "Searches alpha, fast.",
      description: "Alpha, in our words.",
      overrides: ["categories", "description"],
    });

    // A change elsewhere does not raise the same conflict again.
    await importDocs(obotEntry("alpha", { description: "The alpha index, v3.", shortDescription: "Searches alpha, faster." }));
    pending = (await pendingFor("alpha"))!;
    expect(pending.pendingDiff).toEqual([{ field: "shortDescription", before: "Searches alpha, fast.", after: "Searches alpha, faster." }]);
    await expect(approve(pending.id, { version: kept.body.version, takeUpstream: ["description"] })).resolves.toMatchObject({ status: 422 });
    const next = await approve(pending.id, { version: kept.body.version });

    await importDocs(obotEntry("alpha", { description: "The alpha index, v4.", shortDescription: "Searches alpha, faster." }));
    pending = (await pendingFor("alpha"))!;
    expect(pending.pendingDiff).toEqual([{ field: "description", before: "Alpha, in our words.", after: "The alpha index, v4.", conflict: true }]);
    const taken = await approve(pending.id, { version: next.body.version, takeUpstream: ["description"] });
    expect(taken.body).toMatchObject({ description: "The alpha index, v4.", overrides: ["categories"], scope: "project" });
  });

  it("a draft takes upstream's changes at once, except to fields the admin overrode, which wait for review as conflicts", async () => {
    await importDocs(obotEntry("drafty"));
    const edited = await call("PATCH", `${S}/drafty`, { version: 1, scope: "department", displayName: "Drafty (ours)" });
    expect(edited.body.overrides).toEqual(["displayName"]);

    const result = await importDocs(obotEntry("drafty", { name: "Drafty Two", description: "Drafty, updated." }));
    expect(result.pendingUpdates.map((p: { name: string }) => p.name)).toEqual(["drafty"]);
    const draft = (await call("GET", `${S}/drafty`)).body;
    expect(draft).toMatchObject({ status: "draft", displayName: "Drafty (ours)", scope: "department", description: "Drafty, updated." });
    const pending = (await pendingFor("drafty"))!;
    expect(pending.pendingDiff).toEqual([{ field: "displayName", before: "Drafty (ours)", after: "Drafty Two", conflict: true }]);
    expect((await call("POST", `/api/v1/review/items/${pending.id}/reject-update`, { reason: "we keep our name" })).status).toBe(200);

    // Upstream's next change leaves the display name alone: applied at once, no review.
    const again = await importDocs(obotEntry("drafty", { name: "Drafty Two", description: "Drafty, updated again." }));
    expect(again.updated).toEqual(["drafty"]);
    expect(again.pendingUpdates).toEqual([]);
    expect((await call("GET", `${S}/drafty`)).body).toMatchObject({ displayName: "Drafty (ours)", scope: "department", description: "Drafty, updated again." });
  });

  it("approving a rename of a published server needs confirmRename, and is audited as a rename", async () => {
    await importDocs(obotEntry("renamed"));
    const published = await call("POST", `${S}/renamed/publish`);
    await importDocs(obotEntry("renamed", { name: "Renamed Search" }));
    const pending = (await pendingFor("renamed"))!;
    expect(pending.pendingDiff).toEqual([{ field: "displayName", before: "Renamed", after: "Renamed Search" }]);
    const unconfirmed = await approve(pending.id, { version: published.body.version });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.error).toMatchObject({ code: "CONFIRMATION_REQUIRED", details: { confirm: "confirmRename" } });
    expect((await call("GET", `${S}/renamed`)).body.displayName).toBe("Renamed");

    const confirmed = await approve(pending.id, { version: published.body.version, confirmRename: true });
    expect(confirmed.body).toMatchObject({ displayName: "Renamed Search", status: "active", overrides: [] });
    expect(await feedKeys(services)).toContain("renamed");
    const events = (await call("GET", "/api/v1/audit?entityType=mcp_server&entityId=renamed&action=mcp_server.rename")).body.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ before: { displayName: "Renamed" }, after: { displayName: "Renamed Search" } });
  });

  it("records upstream's new version in the provenance", async () => {
    const doc = (version: string, description: string) => ({
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
      name: "io.example/versioned",
      description,
      version,
      remotes: [{ type: "streamable-http", url: "https://versioned.example.com/mcp" }],
    });
    const created = await importDocs(doc("1.0.0", "Versioned."));
    const name = created.created[0] as string;
    expect((await call("GET", `${S}/${name}`)).body.provenance).toMatchObject({ upstreamVersion: "1.0.0" });
    const published = await call("POST", `${S}/${name}/publish`);
    await importDocs(doc("1.1.0", "Versioned, newer."));
    const pending = (await pendingFor(name))!;
    const approved = await approve(pending.id, { version: published.body.version });
    expect(approved.body).toMatchObject({ shortDescription: "Versioned, newer.", provenance: { upstreamVersion: "1.1.0" } });
  });

  it("tRPC: a stale version is refused, the dry run previews, then the approval applies", async () => {
    const admin = createCaller(trpcContext(services, principalFor("admin", "root@example.com")));
    await importDocs(obotEntry("gadget"));
    const server = (await admin.catalog.publish({ name: "gadget" })).result;
    await importDocs(obotEntry("gadget", { shortDescription: "Gadgets, found." }));
    const [item] = (await admin.sources.pendingUpdates({})).filter((i) => i.name === "gadget");
    expect(item!.server).toMatchObject({ name: "gadget", version: server.version });
    await expect(admin.sources.approveUpdate({ id: item!.id, approval: { version: server.version - 1 } })).rejects.toMatchObject({ code: "CONFLICT" });
    const preview = await admin.sources.approveUpdate({ id: item!.id, approval: { version: server.version }, dryRun: true });
    expect(preview).toMatchObject({ dryRun: true, impact: { changes: [] }, result: { shortDescription: "Gadgets, found." } });
    expect((await admin.catalog.get({ name: "gadget" })).server.version).toBe(server.version);
    const applied = await admin.sources.approveUpdate({ id: item!.id, approval: { version: server.version } });
    expect(applied).toMatchObject({ dryRun: false, result: { shortDescription: "Gadgets, found.", updatedBy: "root@example.com" } });
  });
});

const config: Config = { ...TEST_CONFIG, ingest: { fetchAllowHosts: ["127.0.0.1"], denylistedNamespaces: [] } };

describeEachDatabase("field ownership over a registry source, and the server page's upstream state", (database) => {
  let services: Services;
  let registry: FakeRegistry;
  let call: ReturnType<typeof restClient>;
  const tickets = (description: string) => ({
    $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
    name: "com.acme/tickets",
    description,
    version: "2.0.0",
    remotes: [{ type: "streamable-http", url: "https://tickets.acme.com/mcp" }],
  });
  async function syncNow() {
    const run = await queueRun(services.db, ALICE, "acme", "manual");
    expect(await claimRunById(services.db, run.id, "test")).toBe(true);
    await executeRun(services.db, run.id, services.ingestionDeps);
    return getRun(services.db, "acme", run.id);
  }

  beforeAll(async () => {
    services = await testServices(database(), config);
    call = restClient(services);
    registry = await startFakeRegistry([{ server: tickets("Tickets.") }]);
    await call("POST", "/api/v1/sources", { name: "acme", kind: "mcp-registry", url: registry.url });
    await call("POST", "/api/v1/sources/acme/approve");
  });
  afterAll(() => registry.close());

  it("a sync after the admin's edits stages only upstream's change; the page shows the pending update, then removed-upstream", async () => {
    const first = await syncNow();
    const name = first.items[0]!.name!;
    const v1 = (await call("GET", `${S}/${name}`)).body;
    const edited = await call("PATCH", `${S}/${name}`, { version: v1.version, scope: "project", categories: ["Support"] });
    await call("POST", `${S}/${name}/publish`, { version: edited.body.version });

    registry.set([{ server: tickets("Tickets, with SLAs.") }]);
    const run = await syncNow();
    expect(run.items[0]).toMatchObject({ outcome: "pending-update" });
    const viewer = createCaller(trpcContext(services, principalFor("viewer", "val@example.com")));
    let page = await viewer.catalog.get({ name });
    expect(page.server).toMatchObject({ scope: "project", categories: ["Support"], overrides: ["categories"], shortDescription: "Tickets." });
    expect(page.upstream).toMatchObject({
      source: { name: "acme", kind: "mcp-registry" },
      item: {
        upstreamId: "com.acme/tickets",
        upstreamVersion: "2.0.0",
        state: "pending-update",
        pendingDiff: [
          { field: "shortDescription", before: "Tickets.", after: "Tickets, with SLAs." },
          { field: "description", before: "Tickets.", after: "Tickets, with SLAs." },
        ],
      },
    });

    registry.set([]);
    await syncNow();
    page = await viewer.catalog.get({ name });
    expect(page.upstream?.item.state).toBe("removed-upstream");
    expect(page.server).toMatchObject({ status: "active", scope: "project", shortDescription: "Tickets." });
  });
});
