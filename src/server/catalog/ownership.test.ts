import { describe, expect, it } from "vitest";
import { remoteSpec } from "../../../test/support/catalog";
import { decideUpstream } from "../ingest/decide";
import type { ServerSpec } from "./model";
import { changedUpstream, fieldsOfDiff, mergeUpstream, overriddenBy, upstreamFieldOf } from "./ownership";

const spec = (over: Partial<ServerSpec> = {}): ServerSpec =>
  remoteSpec("https://tickets.example.com/mcp", { displayName: "Tickets", shortDescription: "Tickets.", description: "The ticket desk.", ...over });

describe("field ownership", () => {
  it("never takes admin-owned fields from upstream", () => {
    const current = spec({ scope: "project", capabilities: ["read"], serverUserType: "multiUser", categories: ["Support"] });
    const upstream = spec({ description: "New." });
    const changed = changedUpstream(current, upstream, spec(), []);
    expect(changed).toEqual(["description"]);
    const merge = mergeUpstream(current, upstream, [], changed);
    expect(merge.spec).toEqual({ ...current, description: "New." });
    expect(merge.changes).toEqual([{ field: "description", before: "The ticket desk.", after: "New." }]);
  });

  it("owns categories and metadata only when the document carries them", () => {
    const current = spec({ categories: ["Support"] });
    expect(changedUpstream(current, spec(), spec(), [])).toEqual([]);
    expect(changedUpstream(current, spec({ categories: ["Desk"] }), spec(), [])).toEqual(["categories"]);
    // Upstream dropped the categories it carried: that is a change it owns.
    expect(changedUpstream(spec({ categories: ["Desk"] }), spec(), spec({ categories: ["Desk"] }), [])).toEqual(["categories"]);
  });

  it("moves a runtime with its endpoint, transport and package", () => {
    const upstream = spec({
      endpoint: null,
      transport: "stdio",
      runtime: { type: "npx", package: "tickets-mcp@2.0.0", args: [] },
      package: { registryType: "npm", identifier: "tickets-mcp", version: "2.0.0" },
    });
    const merge = mergeUpstream(spec(), upstream, [], changedUpstream(spec(), upstream, spec(), []));
    expect(merge.spec).toEqual(upstream);
    expect(merge.changes.map((c) => c.field)).toEqual(["runtime", "endpoint", "transport", "package"]);
    expect(upstreamFieldOf("endpoint")).toBe("runtime");
    expect(upstreamFieldOf("scope")).toBeNull();
    expect(fieldsOfDiff(merge.changes)).toEqual(["runtime"]);
  });

  it("keeps an overridden field and reports upstream's change to it as a conflict, unless taken", () => {
    const current = spec({ description: "Ours." });
    const upstream = spec({ description: "Theirs, v2." });
    const changed = changedUpstream(current, upstream, spec(), ["description"]);
    expect(changed).toEqual(["description"]);
    const kept = mergeUpstream(current, upstream, ["description"], changed);
    expect(kept.spec.description).toBe("Ours.");
    expect(kept.conflicts).toEqual([{ field: "description", before: "Ours.", after: "Theirs, v2.", conflict: true }]);
    expect(mergeUpstream(current, upstream, ["description"], changed, ["description"]).spec.description).toBe("Theirs, v2.");
    // Upstream did not change it since its previous document: no conflict to raise again.
    expect(changedUpstream(current, spec({ description: "Theirs, v2.", icon: "https://x.example/i.png" }), upstream, ["description"])).toEqual(["icon"]);
  });

  it("records as overrides only the upstream-owned fields an edit changes", () => {
    expect(overriddenBy(spec(), spec({ scope: "project", displayName: "Desk", endpoint: "https://desk.example.com/mcp" }))).toEqual(["displayName", "runtime"]);
  });

  it("lets a draft take upstream's changes at once, and stages everything else for review", () => {
    const draft = { ...spec({ displayName: "Ours" }), status: "draft" as const, overrides: ["displayName"] };
    const upstream = spec({ displayName: "Tickets Two", description: "New." });
    const decided = decideUpstream(draft, upstream, spec());
    expect(decided).toMatchObject({ apply: true, spec: { displayName: "Ours", description: "New." } });
    expect(decided.review).toEqual([{ field: "displayName", before: "Ours", after: "Tickets Two", conflict: true }]);
    const active = decideUpstream({ ...draft, status: "active" }, upstream, spec());
    expect(active.apply).toBe(false);
    expect(active.review.map((c) => [c.field, c.conflict ?? false])).toEqual([
      ["description", false],
      ["displayName", true],
    ]);
  });
});
