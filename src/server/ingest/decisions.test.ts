/**
 * The per-item decisions of an ingestion run, without a database: what becomes of each document
 * given what the source recorded for it before and the catalog as the run sees it.
 */
import { describe, expect, it } from "vitest";
import { catalogServer, obotEntry } from "../../../test/support/catalog";
import { sanitizeObotName, type McpServer } from "../catalog/model";
import { DomainError } from "../errors";
import { mapUniqueViolationOf } from "../catalog/servers";
import type { sourceItems } from "../db/schema";
import { analyzeDocuments, type AnalyzedItem } from "./analyze";
import { countOf, decideItem, entitlementFor, planRegistration, registerStateOf, sourceItemValues } from "./decide";

type ItemRow = typeof sourceItems.$inferSelect;

const context = { sourceName: "uploads", include: [], exclude: [], existing: [], denylist: ["source:blocked"] };

function analyzed(doc: unknown, sourceName = "uploads"): AnalyzedItem {
  const { items } = analyzeDocuments([{ upstreamId: String((doc as { entryKey?: string }).entryKey), doc, origin: "upload" }], { ...context, sourceName });
  return items[0]!;
}

/** The server a valid item registers as, as the catalog would hold it. */
function serverOf(item: AnalyzedItem, over: Partial<McpServer> = {}): McpServer {
  const candidate = item.candidate!;
  return catalogServer(candidate.name, candidate.spec, {
    id: `id-${candidate.name}`,
    sourceId: "source-1",
    provenance: candidate.provenance,
    createdBy: "source:uploads",
    updatedBy: "source:uploads",
    ...over,
  });
}

/** What the source recorded for an item at an earlier run. */
function priorRow(item: AnalyzedItem, over: Partial<ItemRow> = {}): ItemRow {
  const at = new Date("2026-01-01T00:00:00Z");
  return {
    id: `item-${item.upstreamId}`,
    sourceId: "source-1",
    upstreamId: item.upstreamId,
    name: item.name,
    upstreamVersion: null,
    format: item.format,
    digest: item.digest,
    document: item.doc,
    findings: [],
    errors: [],
    state: "registered",
    serverId: item.candidate ? `id-${item.candidate.name}` : null,
    pendingSpec: null,
    pendingDiff: null,
    reviewDecision: null,
    reviewedBy: null,
    reviewedAt: null,
    firstSeenAt: at,
    lastSeenAt: at,
    updatedAt: at,
    ...over,
  };
}

describe("decideItem", () => {
  it("creates a draft for a new valid document", () => {
    const item = analyzed(obotEntry("alpha"));
    const decision = decideItem(item, undefined, registerStateOf([]));
    expect(decision).toMatchObject({ outcome: "registered", errors: [], serverId: null, reviewDecision: null });
    expect(decision.registration?.write).toMatchObject({ kind: "create", name: "alpha", key: sanitizeObotName("Alpha") });
  });

  it("leaves the document already registered as it is, and keeps an update waiting for review", () => {
    const item = analyzed(obotEntry("alpha"));
    const state = registerStateOf([serverOf(item)]);
    expect(decideItem(item, priorRow(item), state)).toMatchObject({ outcome: "unchanged", serverId: "id-alpha", registration: null });
    expect(decideItem(item, priorRow(item, { state: "pending-update" }), state)).toMatchObject({ outcome: "pending-update", registration: null });
  });

  it("quarantines a document with a critical finding unless an admin released this very document", () => {
    const item = analyzed(obotEntry("blocked"), "blocked");
    expect(item.findings.length).toBeGreaterThan(0);
    expect(decideItem(item, undefined, registerStateOf([]))).toMatchObject({ outcome: "quarantined", registration: null });
    const released = priorRow(item, { state: "quarantined", serverId: null, reviewDecision: "released", reviewedBy: "alice" });
    const decision = decideItem(item, released, registerStateOf([]));
    expect(decision).toMatchObject({ outcome: "registered", reviewDecision: "released" });
    // A changed document is judged afresh.
    expect(decideItem(item, { ...released, digest: "other" }, registerStateOf([]))).toMatchObject({ outcome: "quarantined", reviewDecision: null });
  });

  it("keeps an admin's rejection of the same document, with its reasons", () => {
    const item = analyzed(obotEntry("alpha"));
    const rejected = priorRow(item, { state: "rejected", serverId: null, errors: ["rejected by alice: no"], reviewDecision: "rejected" });
    expect(decideItem(item, rejected, registerStateOf([]))).toMatchObject({ outcome: "rejected", errors: ["rejected by alice: no"], registration: null });
  });

  it("rejects an invalid document with the parser's errors", () => {
    const item = analyzed({ entryKey: "broken", name: "Broken", runtime: "remote" });
    const decision = decideItem(item, undefined, registerStateOf([]));
    expect(decision.outcome).toBe("rejected");
    expect(decision.errors.length).toBeGreaterThan(0);
    expect(decision.registration).toBeNull();
  });

  it("rejects a document whose name or Obot key another server holds, naming it", () => {
    const item = analyzed(obotEntry("alpha"));
    const manual = serverOf(item, { id: "id-manual", sourceId: null });
    expect(decideItem(item, undefined, registerStateOf([manual]))).toMatchObject({
      outcome: "rejected",
      errors: ["catalog name 'alpha' is taken by a server this source did not register"],
    });
    const other = serverOf(analyzed(obotEntry("other", { name: "Alpha" })), { id: "id-other" });
    expect(decideItem(item, undefined, registerStateOf([other]))).toMatchObject({
      outcome: "rejected",
      errors: ["display name 'Alpha' is taken by server 'other'; Obot keys entries by it"],
    });
  });
});

describe("planRegistration", () => {
  it("applies upstream's change to a draft at once", () => {
    const before = analyzed(obotEntry("alpha"));
    const after = analyzed(obotEntry("alpha", { description: "The alpha index, v2." }));
    const plan = planRegistration(after.candidate!, priorRow(before), registerStateOf([serverOf(before)]));
    expect(plan).toMatchObject({ outcome: "updated", serverId: "id-alpha", pending: undefined });
    expect(plan.write).toMatchObject({ kind: "update", spec: { description: "The alpha index, v2." } });
  });

  it("stages upstream's change to a published server for review, writing nothing", () => {
    const before = analyzed(obotEntry("alpha"));
    const after = analyzed(obotEntry("alpha", { description: "The alpha index, v2." }));
    const plan = planRegistration(after.candidate!, priorRow(before), registerStateOf([serverOf(before, { status: "active" })]));
    expect(plan.outcome).toBe("pending-update");
    expect(plan.write).toBeNull();
    expect(plan.pending?.diff).toEqual([expect.objectContaining({ field: "description", after: "The alpha index, v2." })]);
  });

  it("stages a change to a field the admin overrode as a conflict, even for a draft", () => {
    const before = analyzed(obotEntry("alpha"));
    const after = analyzed(obotEntry("alpha", { description: "The alpha index, v2." }));
    const server = serverOf(before, { description: "Edited by an admin.", overrides: ["description"] });
    const plan = planRegistration(after.candidate!, priorRow(before), registerStateOf([server]));
    expect(plan).toMatchObject({ outcome: "pending-update", write: null });
    expect(plan.pending?.diff).toEqual([expect.objectContaining({ field: "description", conflict: true })]);
  });
});

describe("entitlementFor", () => {
  const source = { name: "acme" };
  it("grants a new org server to everyone, with the source's note by default", () => {
    expect(entitlementFor(source, { subject: { type: "everyone" } }, { name: "alpha", scope: "org", ownerTenant: null })).toEqual({
      rule: { subject: { type: "everyone" }, servers: "alpha", access: "allow", note: "default entitlement of source acme", expiresAt: null },
    });
  });

  it("skips what the server's scope forbids, saying why", () => {
    expect(entitlementFor(source, { subject: { type: "everyone" }, note: "all" }, { name: "alpha", scope: "project", ownerTenant: null })).toEqual({
      skipped: "default entitlement for everyone skipped: project servers can be granted to groups, label selectors or tenants, not to everyone",
    });
  });
});

describe("the source's record and the counts", () => {
  it("records a new draft as registered, and counts a staged update as updated", () => {
    const item = analyzed(obotEntry("alpha"));
    const decision = decideItem(item, undefined, registerStateOf([]));
    const now = new Date();
    expect(sourceItemValues("source-1", item, undefined, decision, "id-new", now)).toMatchObject({
      sourceId: "source-1",
      upstreamId: "alpha",
      state: "registered",
      serverId: "id-new",
      pendingSpec: null,
      reviewDecision: null,
      lastSeenAt: now,
    });
    expect(countOf("pending-update")).toBe("updated");
    expect(countOf("removed-upstream")).toBe("removedUpstream");
    expect(countOf("quarantined")).toBe("quarantined");
  });
});

describe("unique violations while ingesting or reviewing", () => {
  const violation = (constraint: string, code = "23505") => Object.assign(new Error("duplicate key value violates unique constraint"), { code, constraint });

  it("become a conflict naming the server, never the database's message", () => {
    const byName = (() => {
      try {
        mapUniqueViolationOf("alpha")(violation("mcp_servers_name_key"));
      } catch (error) {
        return error;
      }
    })();
    expect(byName).toBeInstanceOf(DomainError);
    expect(byName).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("server 'alpha'") });
    expect((byName as DomainError).httpStatus).toBe(409);
    expect(() => mapUniqueViolationOf("alpha")(violation("mcp_servers_display_name_key_key"))).toThrow(
      /server 'alpha' was not saved: another server with the same display name/,
    );
    expect(() => mapUniqueViolationOf("alpha")(violation("mcp_servers_owner_tenant_tenants_name_fk", "23503"))).toThrow(
      /server 'alpha' was not saved: its owner tenant/,
    );
    const other = new Error("connection reset");
    expect(() => mapUniqueViolationOf("alpha")(other)).toThrow(other);
  });
});
