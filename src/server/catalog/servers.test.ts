import { asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, BOB } from "../../../test/support/services";
import { currentCatalogRevision } from "../audit/audit";
import { auditEvents } from "../db/schema";
import type { Db } from "../db/client";
import type { ChangeContext } from "../audit/audit";
import { DomainError, parseInput } from "../errors";
import { serverCreateInput, serverListQuery, serverUpdateInput, statusChangeInput, type ServerCreateInput } from "./model";
import * as servers from "./servers";
import { catalogStats, getServer, markServerDegraded } from "./servers";

// The domain takes parsed input; these parse what a caller sends the way the API does, first.
const createServer = async (db: Db, ctx: ChangeContext, raw: unknown) =>
  servers.createServer(db, ctx, parseInput(serverCreateInput, raw, "cannot create server"));
const updateServer = async (db: Db, ctx: ChangeContext, name: string, raw: unknown) =>
  servers.updateServer(db, ctx, name, parseInput(serverUpdateInput, raw, `cannot update server '${name}'`));
const publishServer = async (db: Db, ctx: ChangeContext, name: string, raw: unknown = {}) =>
  servers.publishServer(db, ctx, name, parseInput(statusChangeInput, raw));
const disableServer = async (db: Db, ctx: ChangeContext, name: string, raw: unknown = {}) =>
  servers.disableServer(db, ctx, name, parseInput(statusChangeInput, raw));
const deleteServer = async (db: Db, ctx: ChangeContext, name: string) => servers.deleteServer(db, ctx, name);
const listServers = async (db: Db, raw: unknown) => servers.listServers(db, parseInput(serverListQuery, raw, "invalid list query"));

const remote = (name: string, extra: Partial<ServerCreateInput> = {}): ServerCreateInput => ({
  name,
  displayName: name.replace(/(^|-)(\w)/g, (_, sep: string, c: string) => `${sep ? " " : ""}${c.toUpperCase()}`),
  endpoint: `https://${name}.example.com/mcp`,
  ...extra,
});

async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describeEachDatabase("catalog servers", (database) => {
  const db = () => database().db;

  async function auditFor(name: string) {
    return db().select().from(auditEvents).where(eq(auditEvents.entityId, name)).orderBy(asc(auditEvents.id));
  }

  it("creates a draft, records who did it, audits it and bumps the catalog revision", async () => {
    const before = await currentCatalogRevision(db());
    const server = await createServer(db(), ALICE, remote("github", { categories: ["Developer Tools"] }));
    expect(server).toMatchObject({
      name: "github",
      displayName: "Github",
      status: "draft",
      version: 1,
      transport: "streamable-http",
      endpoint: "https://github.example.com/mcp",
      runtime: { type: "remote", fixedURL: "https://github.example.com/mcp", headers: [] },
      createdBy: "alice@example.com",
      updatedBy: "alice@example.com",
    });
    expect(await currentCatalogRevision(db())).toBe(before + 1);
    const events = await auditFor("github");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "mcp_server.create", actor: "alice@example.com", requestId: "req-alice", before: null });
    expect((events[0]!.after as { name: string }).name).toBe("github");
  });

  it("refuses a duplicate name and a display name Obot would key the same way", async () => {
    await createServer(db(), ALICE, remote("dup-a", { displayName: "Dup Server" }));
    const sameName = await domainError(createServer(db(), ALICE, remote("dup-a", { displayName: "Other" })));
    expect(sameName.code).toBe("CONFLICT");
    expect(sameName.details.fieldErrors).toEqual({ name: ["a server named 'dup-a' already exists"] });
    const sameKey = await domainError(createServer(db(), ALICE, remote("dup-b", { displayName: "dup  SERVER!" })));
    expect(sameKey.code).toBe("CONFLICT");
    expect(sameKey.message).toContain("Obot would key both as 'dup-server'");
  });

  it("returns field errors for invalid input and writes nothing", async () => {
    const revision = await currentCatalogRevision(db());
    const error = await domainError(createServer(db(), ALICE, { name: "Bad Name", displayName: "", endpoint: "nope" }));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(error.details.fieldErrors!)).toEqual(["name", "displayName", "endpoint"]);
    expect(await currentCatalogRevision(db())).toBe(revision);
  });

  it("updates with optimistic concurrency and names who changed it when the version is stale", async () => {
    const created = await createServer(db(), ALICE, remote("linear"));
    const updated = await updateServer(db(), BOB, "linear", { version: created.version, shortDescription: "Issues" });
    expect(updated).toMatchObject({ version: 2, shortDescription: "Issues", updatedBy: "bob@example.com" });

    const stale = await domainError(updateServer(db(), ALICE, "linear", { version: 1, shortDescription: "Mine" }));
    expect(stale.code).toBe("CONFLICT");
    expect(stale.message).toContain("was changed by bob@example.com");
    expect(stale.message).toContain("now version 2, you sent 1");
    expect(stale.details).toMatchObject({ currentVersion: 2, updatedBy: "bob@example.com" });
    expect((await getServer(db(), "linear")).shortDescription).toBe("Issues");
  });

  it("requires the version on update", async () => {
    await createServer(db(), ALICE, remote("needs-version"));
    const error = await domainError(updateServer(db(), ALICE, "needs-version", { shortDescription: "x" }));
    expect(error.details.fieldErrors?.version?.[0]).toContain("version is required");
  });

  it("keeps the name immutable", async () => {
    await createServer(db(), ALICE, remote("immutable"));
    const error = await domainError(updateServer(db(), ALICE, "immutable", { version: 1, name: "renamed" }));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain("name is immutable");
  });

  it("an update that changes nothing is a no-op: same version, no audit event", async () => {
    await createServer(db(), ALICE, remote("noop"));
    const same = await updateServer(db(), ALICE, "noop", { version: 1, displayName: "Noop" });
    expect(same.version).toBe(1);
    expect(await auditFor("noop")).toHaveLength(1);
  });

  it("merges partial changes: endpoint moves the fixed URL, a new runtime resets the transport default", async () => {
    await createServer(db(), ALICE, remote("merge", { transport: "sse" }));
    const moved = await updateServer(db(), ALICE, "merge", { version: 1, endpoint: "https://new.example.com/sse" });
    expect(moved.runtime).toEqual({ type: "remote", fixedURL: "https://new.example.com/sse", headers: [] });
    expect(moved.transport).toBe("sse");
    const npx = await updateServer(db(), ALICE, "merge", { version: 2, runtime: { type: "npx", package: "merge-mcp@1.0.0" } });
    expect(npx).toMatchObject({ transport: "stdio", endpoint: null, runtime: { type: "npx", package: "merge-mcp@1.0.0", args: [] } });
    const invalid = await domainError(updateServer(db(), ALICE, "merge", { version: 3, transport: "sse" }));
    expect(invalid.details.fieldErrors).toEqual({ transport: ["a npx runtime speaks stdio, not sse"] });
  });

  it("renaming an active server needs explicit confirmation and is audited as a rename", async () => {
    await createServer(db(), ALICE, remote("slack", { displayName: "Slack" }));
    const active = await publishServer(db(), ALICE, "slack");
    const unconfirmed = await domainError(updateServer(db(), ALICE, "slack", { version: active.version, displayName: "Slack Workspace" }));
    expect(unconfirmed.code).toBe("CONFIRMATION_REQUIRED");
    expect(unconfirmed.message).toContain("deletes the entry 'slack'");
    // Only the capitalization changes: Obot keys the entry the same, so it is not a rename.
    const recased = await updateServer(db(), ALICE, "slack", { version: active.version, displayName: "SLACK" });
    const renamed = await updateServer(db(), ALICE, "slack", {
      version: recased.version,
      displayName: "Slack Workspace",
      confirmRename: true,
    });
    expect(renamed.displayName).toBe("Slack Workspace");
    expect((await auditFor("slack")).map((e) => e.action)).toEqual(["mcp_server.create", "mcp_server.publish", "mcp_server.update", "mcp_server.rename"]);
  });

  it("publishes from draft, disabled and degraded; disables; both are idempotent", async () => {
    await createServer(db(), ALICE, remote("lifecycle"));
    expect((await publishServer(db(), ALICE, "lifecycle")).status).toBe("active");
    const again = await publishServer(db(), ALICE, "lifecycle");
    expect(again).toMatchObject({ status: "active", version: 2 });
    expect((await markServerDegraded(db(), ALICE, "lifecycle", "health check failing")).status).toBe("degraded");
    expect((await publishServer(db(), ALICE, "lifecycle")).status).toBe("active");
    const disabled = await disableServer(db(), ALICE, "lifecycle", { reason: "vendor incident" });
    expect(disabled).toMatchObject({ status: "disabled", statusReason: "vendor incident" });
    expect((await disableServer(db(), ALICE, "lifecycle")).version).toBe(disabled.version);
    expect((await publishServer(db(), ALICE, "lifecycle", { version: disabled.version })).status).toBe("active");
    const stale = await domainError(disableServer(db(), ALICE, "lifecycle", { version: 1 }));
    expect(stale.code).toBe("CONFLICT");
  });

  it("refuses to publish a server without a runtime, saying what to set", async () => {
    await createServer(db(), ALICE, { name: "bare", displayName: "Bare" });
    const error = await domainError(publishServer(db(), ALICE, "bare"));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain("has no runtime: set a remote URL, an npx/uvx package or a container image");
    expect((await getServer(db(), "bare")).status).toBe("draft");
  });

  it("deletes only servers that are not active", async () => {
    await createServer(db(), ALICE, remote("doomed"));
    await publishServer(db(), ALICE, "doomed");
    const error = await domainError(deleteServer(db(), ALICE, "doomed"));
    expect(error.message).toContain("disable it before deleting it");
    await disableServer(db(), ALICE, "doomed");
    await deleteServer(db(), ALICE, "doomed");
    expect((await domainError(getServer(db(), "doomed"))).code).toBe("NOT_FOUND");
    expect((await auditFor("doomed")).at(-1)).toMatchObject({ action: "mcp_server.delete", after: null });
  });

  it("answers NOT_FOUND for unknown servers", async () => {
    expect((await domainError(getServer(db(), "ghost"))).message).toBe("server 'ghost' does not exist");
    expect((await domainError(updateServer(db(), ALICE, "ghost", { version: 1 }))).code).toBe("NOT_FOUND");
    expect((await domainError(publishServer(db(), ALICE, "ghost"))).code).toBe("NOT_FOUND");
  });

  it("refuses UPDATE and DELETE of audit events in the database itself", async () => {
    await expect(db().execute(sql`update audit_events set actor = 'mallory'`)).rejects.toThrow();
    await expect(db().execute(sql`delete from audit_events`)).rejects.toThrow();
    await expect(db().execute(sql`truncate audit_events`)).rejects.toThrow();
  });
});

describeEachDatabase("catalog listing", (database) => {
  const db = () => database().db;

  it("searches, filters, sorts and pages with a cursor", async () => {
    const specs: ServerCreateInput[] = [
      remote("alpha-search", { shortDescription: "Web search", categories: ["Search"] }),
      {
        name: "beta-db",
        displayName: "Beta Db",
        runtime: { type: "containerized", image: "ghcr.io/o/db:1.0", port: 8080, path: "/mcp" },
        scope: "department",
        categories: ["Databases"],
      },
      { name: "gamma-npx", displayName: "Gamma", runtime: { type: "npx", package: "gamma@1.0.0" }, categories: ["Search", "Files"] },
      { name: "delta-uvx", displayName: "Delta 50% off_sale", runtime: { type: "uvx", package: "delta==1.0" } },
      { name: "epsilon-bare", displayName: "Epsilon" },
      remote("zeta-sse", { transport: "sse", scope: "project" }),
    ];
    for (const spec of specs) await createServer(db(), ALICE, spec);
    await publishServer(db(), ALICE, "alpha-search");
    await publishServer(db(), ALICE, "gamma-npx");
    await disableServer(db(), ALICE, "zeta-sse");

    const names = async (query: object) => (await listServers(db(), query)).items.map((s) => s.name);
    expect(await names({})).toEqual(["alpha-search", "beta-db", "delta-uvx", "epsilon-bare", "gamma-npx", "zeta-sse"]);
    expect(await names({ q: "SEARCH" })).toEqual(["alpha-search"]);
    expect(await names({ q: "50%" })).toEqual(["delta-uvx"]);
    expect(await names({ q: "%" })).toEqual(["delta-uvx"]);
    expect(await names({ status: "active" })).toEqual(["alpha-search", "gamma-npx"]);
    expect(await names({ status: "draft,disabled" })).toEqual(["beta-db", "delta-uvx", "epsilon-bare", "zeta-sse"]);
    expect(await names({ transport: "stdio" })).toEqual(["delta-uvx", "epsilon-bare", "gamma-npx"]);
    expect(await names({ runtime: "containerized,uvx" })).toEqual(["beta-db", "delta-uvx"]);
    expect(await names({ runtime: "none" })).toEqual(["epsilon-bare"]);
    expect(await names({ scope: "department,project" })).toEqual(["beta-db", "zeta-sse"]);
    expect(await names({ category: "Search" })).toEqual(["alpha-search", "gamma-npx"]);
    expect(await names({ source: "manual" })).toHaveLength(6);
    expect(await names({ sort: "name", order: "desc", limit: 2 })).toEqual(["zeta-sse", "gamma-npx"]);
    expect(await names({ sort: "displayName" })).toEqual(["alpha-search", "beta-db", "delta-uvx", "epsilon-bare", "gamma-npx", "zeta-sse"]);

    for (const sort of ["name", "displayName", "updatedAt", "status"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listServers(db(), { sort, limit: 4, cursor });
        expect(page.total).toBe(6);
        seen.push(...page.items.map((s) => s.name));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBeGreaterThan(1);
      expect([...seen].sort()).toEqual(["alpha-search", "beta-db", "delta-uvx", "epsilon-bare", "gamma-npx", "zeta-sse"]);
    }
  });

  it("rejects a cursor from another sort or a forged one", async () => {
    const page = await listServers(db(), { sort: "name", limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    await expect(listServers(db(), { sort: "updatedAt", cursor: page.nextCursor! })).rejects.toThrow("different sort order");
    await expect(listServers(db(), { cursor: "garbage" })).rejects.toThrow("cursor is not valid");
  });

  it("counts the catalog by status and runtime and lists categories", async () => {
    const stats = await catalogStats(db());
    expect(stats.total).toBe(6);
    expect(stats.byStatus).toEqual({ draft: 3, active: 2, degraded: 0, disabled: 1 });
    expect(stats.byRuntime).toEqual({ remote: 2, containerized: 1, npx: 1, uvx: 1, none: 1 });
    expect(stats.categories).toEqual(["Databases", "Files", "Search"]);
  });
});
