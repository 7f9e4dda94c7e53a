import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { catalogServer, remoteSpec } from "../../../test/support/catalog";
import type { McpServer } from "../catalog/model";
import { BodyParts, EncodedBody, sameBody } from "../snapshot/encoded-body";
import { obotCatalogEntries, obotFeedParts, obotFeedSteps, renderObotFeedBytes } from "./obot-feed";

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

describe("the feed as a deferred body", () => {
  const servers = [server("zeta"), server("alpha"), server("mid", { description: `«${"ü".repeat(3_000)}»` })];

  it("knows its length and validator without assembling, and assembles the same bytes once, on demand", async () => {
    const { length, hash, assemble } = obotFeedParts(servers);
    const expected = renderObotFeedBytes(servers);
    expect(hash).toBe(expected.hash);
    expect(length).toBe(expected.bytes.length);
    let assembled = 0;
    const body = EncodedBody.deferred(length, hash, () => (assembled++, assemble()));
    expect(body.size).toBe(length);
    expect(body.etag("identity")).toBe(`"${hash}"`);
    expect(body.ready("identity")).toBeUndefined();
    expect(body.byteLength).toBe(0);
    expect(assembled).toBe(0);
    // Concurrent demands share one assembly; a compressed form waits for it.
    const [identity, again, gzip] = await Promise.all([body.bytes("identity"), body.bytes("identity"), body.bytes("gzip")]);
    expect(assembled).toBe(1);
    expect(Buffer.from(identity).equals(expected.bytes)).toBe(true);
    expect(again).toBe(identity);
    expect(gunzipSync(gzip).equals(expected.bytes)).toBe(true);
    expect(body.ready("identity")).toBe(identity);
    expect(body.identity).toBe(identity);
  });

  it("answers and compresses from its entries' own bytes, never assembling them", async () => {
    // Over a megabyte, so that compression takes the parts in more than one batch.
    const large = [...servers, ...["big-1", "big-2", "big-3"].map((name) => server(name, { description: `${name} ${'é,"x'.repeat(150_000)}` }))];
    const { length, hash, assemble, parts } = obotFeedParts(large);
    const expected = renderObotFeedBytes(large);
    expect(length).toBeGreaterThan(2 ** 21);
    let assembled = 0;
    const body = EncodedBody.deferred(length, hash, () => (assembled++, assemble()), parts);
    const answer = body.identityAnswer();
    expect(answer).toBeInstanceOf(BodyParts);
    expect(answer!.byteLength).toBe(length);
    expect(Buffer.from((answer as BodyParts).joined()).equals(expected.bytes)).toBe(true);
    const [gzip, br] = await Promise.all([body.bytes("gzip"), body.bytes("br")]);
    expect(gunzipSync(gzip).equals(expected.bytes)).toBe(true);
    expect(brotliDecompressSync(br).equals(expected.bytes)).toBe(true);
    expect(assembled).toBe(0);
    expect(body.ready("identity")).toBeUndefined();
    expect(body.byteLength).toBe(gzip.byteLength + br.byteLength);
    // Once the bytes are made (a synchronous reader asked), answers use them.
    const made = body.identity;
    expect(body.identityAnswer()).toBe(made);
    expect(assembled).toBe(1);
  });

  it("is kept across builds by its validator alone: neither body is assembled to compare them", () => {
    let assembled = 0;
    const bodyOf = (list: McpServer[]) => {
      const { length, hash, assemble } = obotFeedParts(list);
      return EncodedBody.deferred(length, hash, () => (assembled++, assemble()));
    };
    const earlier = bodyOf(servers);
    expect(sameBody(bodyOf([...servers]), earlier)).toBe(earlier);
    const changed = bodyOf([...servers, server("new")]);
    expect(sameBody(changed, earlier)).toBe(changed);
    expect(assembled).toBe(0);
    // Assembled at once where an answer must be synchronous.
    expect(Buffer.from(changed.identity).equals(renderObotFeedBytes([...servers, server("new")]).bytes)).toBe(true);
    expect(assembled).toBe(1);
  });
});
