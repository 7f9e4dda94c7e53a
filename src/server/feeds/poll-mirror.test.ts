import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { etagOf } from "../snapshot/encoded-body";
import { bodyBytes, type Answer } from "./answer";
import { PollMirror, type MirrorUpdate } from "./poll-mirror";
import type { MachineRequest } from "./poll-server";

const COMMA = Buffer.from(",");
const FEED = {
  size: 12,
  order: Int32Array.of(1, 2, 3, 4, 5),
  added: [Buffer.from("["), Buffer.from('{"a":1}'), COMMA, Buffer.from("{}"), Buffer.from("]")].map((bytes, i) => ({ id: i + 1, bytes })),
  reset: true,
};
const sync = (answer: Answer | Promise<Answer> | null) => {
  if (answer instanceof Promise) throw new Error("expected a synchronous answer");
  return answer;
};

const request = (url: string, headers: Record<string, string>, method = "GET"): MachineRequest => ({
  url,
  method,
  header: (name) => headers[name] ?? null,
  remoteAddr: "10.0.0.9",
});

function world(options: { token?: string | null } = {}) {
  let published = 0;
  let alive = true;
  let now = 1_000_000;
  const mirror = new PollMirror({
    obotRegistryToken: options.token ?? null,
    publishedGeneration: () => published,
    mainThreadAlive: () => alive,
    now: () => now,
  });
  const publish = (update: Omit<MirrorUpdate, "type" | "generation">) => {
    published += 1;
    mirror.apply({ type: "update", generation: published, ...update });
  };
  publish({ snapshot: { revision: 7, feedHash: "feedhash", feed: FEED, full: true, tenants: ["alpha", "beta"], validators: ["fa_3", "fb_5"] } });
  mirror.remember("Bearer secret-a", { tenant: "alpha", until: now + 60_000 });
  return {
    mirror,
    publish,
    /** The main thread moves on without the mirror having heard yet. */
    bumpOnly: () => (published += 1),
    kill: () => (alive = false),
    advance: (ms: number) => (now += ms),
  };
}

const contractPoll = (etag = `"${"fa_3"}"`, extra: Record<string, string> = {}) =>
  request("/api/internal/contract/alpha", { authorization: "Bearer secret-a", "if-none-match": etag, ...extra });

describe("the poll thread's mirror", () => {
  it("answers a current contract poll 304 with the headers the main thread sends, and reports it", () => {
    const { mirror } = world();
    const answer = mirror.answer(contractPoll(etagOf("fa_3", "identity")), "/api/internal/contract/alpha");
    expect(answer).toMatchObject({ status: 304, body: null, headers: { ETag: etagOf("fa_3", "identity"), "X-OpenCrane-Revision": "7" } });
    const served = mirror.takeServed();
    expect(served).toMatchObject([{ feed: "contract", tenant: "alpha", status: 304, remoteAddr: "10.0.0.9" }]);
    expect(mirror.takeServed()).toEqual([]);
  });

  it("forwards whatever it cannot tell for certain", () => {
    const { mirror } = world();
    const etag = etagOf("fa_3", "identity");
    const cases: [string, MachineRequest][] = [
      ["an old ETag", contractPoll(etagOf("fa_2", "identity"))],
      ["no If-None-Match", request("/api/internal/contract/alpha", { authorization: "Bearer secret-a" })],
      ["a token it has not been told of", request("/api/internal/contract/alpha", { authorization: "Bearer other", "if-none-match": etag })],
      ["no token", request("/api/internal/contract/alpha", { "if-none-match": etag })],
      ["another tenant's token", request("/api/internal/contract/beta", { authorization: "Bearer secret-a", "if-none-match": etagOf("fb_5", "identity") })],
      ["an unknown tenant", request("/api/internal/contract/gamma", { authorization: "Bearer secret-a", "if-none-match": etag })],
      ["a percent-encoded name", request("/api/internal/contract/alph%61", { authorization: "Bearer secret-a", "if-none-match": etag })],
      ["a POST", request("/api/internal/contract/alpha", { authorization: "Bearer secret-a", "if-none-match": etag }, "POST")],
      ["the metrics", request("/api/metrics", { "if-none-match": etag })],
    ];
    for (const [what, sent] of cases) expect(mirror.answer(sent, sent.url.split("?")[0]!), what).toBeNull();
    expect(mirror.takeServed()).toEqual([]);
  });

  it("answers nothing from its tables while the main thread has published what it has not applied", () => {
    const { mirror, bumpOnly, publish } = world();
    const poll = contractPoll(etagOf("fa_3", "identity"));
    bumpOnly();
    expect(mirror.answer(poll, "/api/internal/contract/alpha")).toBeNull();
    expect(
      mirror.answer(request("/api/internal/obot-registry", { "if-none-match": etagOf("feedhash", "identity") }), "/api/internal/obot-registry"),
    ).toBeNull();
    // The change arrives (generation 3): alpha's contract moved, beta is gone.
    publish({ snapshot: { revision: 8, feedHash: "feedhash", full: false, tenants: ["alpha", "beta"], validators: ["fa_8", null] } });
    expect(mirror.answer(poll, "/api/internal/contract/alpha")).toBeNull();
    expect(mirror.answer(contractPoll(etagOf("fa_8", "identity")), "/api/internal/contract/alpha")).toMatchObject({
      status: 304,
      headers: { "X-OpenCrane-Revision": "8" },
    });
    expect(mirror.tenantCount).toBe(1);
  });

  it("stops trusting a credential when it expires or when the main thread forgets tokens", () => {
    const { mirror, advance, publish } = world();
    const poll = contractPoll(etagOf("fa_3", "identity"));
    expect(sync(mirror.answer(poll, "/api/internal/contract/alpha"))?.status).toBe(304);
    advance(60_000);
    expect(mirror.answer(poll, "/api/internal/contract/alpha")).toBeNull();
    mirror.remember("Bearer secret-a", { tenant: "alpha", until: Date.now() + 10 ** 9 });
    expect(sync(mirror.answer(poll, "/api/internal/contract/alpha"))?.status).toBe(304);
    publish({ forgetTokens: true });
    expect(mirror.answer(poll, "/api/internal/contract/alpha")).toBeNull();
  });

  it("answers the Obot feed only with the feed's token when one is set, and per coding", async () => {
    const { mirror } = world({ token: "obot-secret" });
    const path = "/api/internal/obot-registry";
    const gzipTag = etagOf("feedhash", "gzip");
    expect(mirror.answer(request(path, { "if-none-match": gzipTag, "accept-encoding": "gzip" }), path)).toBeNull();
    expect(mirror.answer(request(path, { authorization: "Bearer wrong", "if-none-match": gzipTag, "accept-encoding": "gzip" }), path)).toBeNull();
    const answer = mirror.answer(request(path, { authorization: "Bearer obot-secret", "if-none-match": gzipTag, "accept-encoding": "gzip" }), path);
    expect(answer).toMatchObject({ status: 304, headers: { ETag: gzipTag } });
    const fresh = await mirror.answer(
      request(path, { authorization: "Bearer obot-secret", "if-none-match": etagOf("otherhash", "gzip"), "accept-encoding": "gzip" }),
      path,
    );
    expect(fresh).toMatchObject({ status: 200, headers: { ETag: gzipTag, "Content-Encoding": "gzip" } });
    expect(mirror.takeServed()).toMatchObject([
      { feed: "obot", tenant: "", status: 304 },
      { feed: "obot", tenant: "", status: 200 },
    ]);
  });

  it("answers the Obot feed itself from the parts it was handed, in every coding, until the feed moves", async () => {
    const { mirror, publish } = world();
    const path = "/api/internal/obot-registry";
    const identity = sync(mirror.answer(request(path, {}), path))!;
    expect(identity).toMatchObject({ status: 200, headers: { ETag: etagOf("feedhash", "identity"), "Content-Length": "12", "X-OpenCrane-Revision": "7" } });
    expect(Buffer.from(bodyBytes(identity.body)!).toString()).toBe('[{"a":1},{}]');
    const gzipped = await mirror.answer(request(path, { "accept-encoding": "gzip" }), path)!;
    expect(gzipped.headers).toMatchObject({ "Content-Encoding": "gzip", ETag: etagOf("feedhash", "gzip") });
    expect(gunzipSync(bodyBytes(gzipped.body)!).toString()).toBe('[{"a":1},{}]');
    expect(mirror.takeServed().map((served) => served.status)).toEqual([200, 200]);
    // Another snapshot with the same feed keeps it; one whose feed moved without its parts forwards.
    publish({ snapshot: { revision: 8, feedHash: "feedhash", full: false, tenants: [], validators: [] } });
    expect(sync(mirror.answer(request(path, {}), path))?.status).toBe(200);
    publish({ snapshot: { revision: 9, feedHash: "otherhash", full: false, tenants: [], validators: [] } });
    expect(mirror.answer(request(path, {}), path)).toBeNull();
    // A moved feed names the parts it keeps and brings only the new ones.
    const moved = { size: 17, order: Int32Array.of(1, 6, 3, 2, 5), added: [{ id: 6, bytes: Buffer.from('{"b":2}') }], reset: false };
    publish({ snapshot: { revision: 10, feedHash: "movedhash", feed: moved, full: false, tenants: [], validators: [] } });
    expect(Buffer.from(bodyBytes(sync(mirror.answer(request(path, {}), path))!.body)!).toString()).toBe('[{"b":2},{"a":1}]');
    // Part 4 was dropped with the feed that held it.
    const missing = { size: 4, order: Int32Array.of(1, 4, 5), added: [], reset: false };
    expect(() => publish({ snapshot: { revision: 11, feedHash: "x", feed: missing, full: false, tenants: [], validators: [] } })).toThrow("part 4");
  });

  it("answers the liveness check only while the main thread's heartbeat is recent", () => {
    const { mirror, kill } = world();
    const answer = sync(mirror.answer(request("/api/healthz", {}), "/api/healthz"));
    expect(answer?.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(answer!.body as Uint8Array))).toMatchObject({ status: "ok" });
    kill();
    expect(mirror.answer(request("/api/healthz", {}), "/api/healthz")).toBeNull();
  });
});
