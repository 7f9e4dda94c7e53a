import { describe, expect, it } from "vitest";
import { catalogServer, remoteSpec } from "../../../test/support/catalog";
import type { McpServer } from "../catalog/model";
import { obotCatalogEntries, obotFeedSteps, renderObotFeedBytes } from "./obot-feed";

const server = (name: string, over: Partial<McpServer> = {}) =>
  catalogServer(name, remoteSpec(`https://${name}.example/mcp`, { displayName: name, shortDescription: `the ${name} server` }), { status: "active", ...over });

describe("renderObotFeedBytes", () => {
  const servers = [server("zeta"), server("alpha"), server("draft", { status: "draft" }), server("mid")];

  it("is JSON.stringify of the entries, in byte order, active servers only", () => {
    const { bytes } = renderObotFeedBytes(servers);
    expect(bytes.toString("utf8")).toBe(JSON.stringify(obotCatalogEntries(servers)));
    expect(JSON.parse(bytes.toString("utf8")).map((e: { name: string }) => e.name)).toEqual(["alpha", "mid", "zeta"]);
    expect(renderObotFeedBytes([]).bytes.toString("utf8")).toBe("[]");
  });

  it("in steps, copies a feed of megabytes a megabyte at a time, to the same bytes", () => {
    // Multi-byte text and characters JSON escapes, so lengths in bytes and characters differ.
    const large = Array.from({ length: 40 }, (_, i) => server(`big-${String(i).padStart(2, "0")}`, { description: `«${'ü"\n'.repeat(20_000)}» ${i}` }));
    const steps = obotFeedSteps(large);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    expect(step.value.bytes.length).toBeGreaterThan(4 * 2 ** 20);
    expect(yields).toBeGreaterThan(4);
    expect(step.value.bytes.toString("utf8")).toBe(JSON.stringify(obotCatalogEntries(large)));
    expect(step.value.hash).toBe(renderObotFeedBytes(large).hash);
  });

  it("keeps every feed's bytes as they were when later feeds reuse its entries", () => {
    const first = renderObotFeedBytes(servers);
    const edited = servers.map((s) => (s.name === "mid" ? { ...s, shortDescription: "changed" } : s));
    const second = renderObotFeedBytes(edited);
    const third = renderObotFeedBytes([...servers, server("new")]);
    expect(first.bytes.toString("utf8")).toBe(JSON.stringify(obotCatalogEntries(servers)));
    expect(second.bytes.toString("utf8")).toBe(JSON.stringify(obotCatalogEntries(edited)));
    expect(third.bytes.toString("utf8")).toBe(JSON.stringify(obotCatalogEntries([...servers, server("new")])));
    expect(renderObotFeedBytes(servers).bytes.equals(first.bytes)).toBe(true);
  });

  it("gives equal validators for equal bytes, from different server objects", () => {
    const again = servers.map((s) => ({ ...s }));
    expect(renderObotFeedBytes(again).hash).toBe(renderObotFeedBytes(servers).hash);
  });

  it("changes the validator when one entry, the order or the set changes", () => {
    const base = renderObotFeedBytes(servers).hash;
    const edited = servers.map((s) => (s.name === "mid" ? { ...s, shortDescription: "changed" } : s));
    expect(renderObotFeedBytes(edited).hash).not.toBe(base);
    expect(renderObotFeedBytes(servers.filter((s) => s.name !== "zeta")).hash).not.toBe(base);
    // Moving text from one entry to the next keeps the concatenation's characters close but not the entries.
    const a = renderObotFeedBytes([server("a1", { shortDescription: "xy" }), server("a2", { shortDescription: "" })]);
    const b = renderObotFeedBytes([server("a1", { shortDescription: "x" }), server("a2", { shortDescription: "y" })]);
    expect(a.hash).not.toBe(b.hash);
  });
});
