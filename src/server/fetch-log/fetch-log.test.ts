import { eq, like, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { feedFetches } from "../db/schema";
import { createMetrics } from "../metrics";
import { FetchRecorder, MAX_FLUSH_ATTEMPTS, reportingHooks, type FlushFailure } from "./fetch-log";

describeEachDatabase("Feed fetch log", (database) => {
  it("reports the fetch recorded last, even when several share one millisecond", async () => {
    const recorder = new FetchRecorder(database().db);
    const at = new Date("2026-11-24T10:00:00.000Z");
    recorder.record("obot", null, 200, "10.0.0.1", at);
    recorder.record("obot", "Go-http-client/1.1", 200, "10.0.0.2", at);
    expect(await recorder.latest("obot")).toMatchObject({ userAgent: "Go-http-client/1.1", remoteAddr: "10.0.0.2" });
    recorder.record("obot", null, 200, "10.0.0.1", at);
    expect(await recorder.latest("obot")).toMatchObject({ userAgent: "(none)", count: 2 });
  });

  it("adds the counts of repeated flushes and keeps them after the pending batch is written", async () => {
    const recorder = new FetchRecorder(database().db);
    recorder.record("contract", "opencrane-pod/1", 200, null);
    await recorder.flush();
    recorder.record("contract", "opencrane-pod/1", 200, null);
    recorder.record("contract", "opencrane-pod/1", 200, null);
    await recorder.flush();
    expect(await recorder.latest("contract")).toMatchObject({ userAgent: "opencrane-pod/1", status: 200, count: 3 });
    expect(await recorder.latest("registry")).toBeNull();
  });

  it("keeps the times of flushed fetches to the millisecond, and the latest of two flushes", async () => {
    const recorder = new FetchRecorder(database().db);
    const first = new Date("2026-11-24T10:00:00.123Z");
    const later = new Date("2026-11-24T10:05:59.987Z");
    recorder.record("obot", "Go-http-client/1.1", 304, "10.0.0.3", later);
    await recorder.flush();
    recorder.record("obot", "Go-http-client/1.1", 304, "10.0.0.4", first);
    await recorder.flush();
    const [row] = await database().db.select().from(feedFetches).where(eq(feedFetches.feed, "obot"));
    expect(row).toMatchObject({ firstAt: later, lastAt: later, count: 2, lastRemoteAddr: "10.0.0.4" });
    expect(await recorder.latest("obot")).toMatchObject({ at: later, count: 2 });
  });

  it("truncates user agents to 200 characters and names a missing one", async () => {
    const recorder = new FetchRecorder(database().db);
    recorder.record("registry", "x".repeat(300), 200, null);
    expect((await recorder.latest("registry"))!.userAgent).toBe("x".repeat(200));
    recorder.record("registry", "", 304, null);
    expect((await recorder.latest("registry"))!.userAgent).toBe("(none)");
  });
});

describeEachDatabase("Feed fetch log with many fetchers", (database) => {
  it("writes more distinct fetchers than one statement has bind parameters for (10,000 pods after an outage)", async () => {
    const recorder = new FetchRecorder(database().db);
    for (let i = 0; i < 10_000; i++) recorder.record(`contract/tenant-${i}`, "opencrane-pod/1", 200, `10.1.${i >> 8}.${i & 255}`);
    await recorder.flush();
    const [row] = await database()
      .db.select({ rows: sql<number>`count(*)::int` })
      .from(feedFetches)
      .where(like(feedFetches.feed, "contract/tenant-%"));
    expect(row!.rows).toBe(10_000);
    expect(await recorder.latest("contract/tenant-9999")).toMatchObject({ remoteAddr: "10.1.39.15", count: 1 });
  });

  it("reports every failed flush, keeps the counts for the next one, and gives rows up after repeated failures", async () => {
    const failures: FlushFailure[] = [];
    const dropped: number[] = [];
    let recovered = 0;
    let failing = true;
    const db = database().db;
    // The database refuses writes (say, it is read-only during a failover) until `failing` is cleared.
    const flaky = new Proxy(db, {
      get(target, property, receiver) {
        // The flush writes with one statement per batch (execute); reads go through select.
        if ((property === "insert" || property === "execute") && failing)
          return () => {
            throw new Error("cannot execute INSERT in a read-only transaction");
          };
        return Reflect.get(target, property, receiver);
      },
    });
    const recorder = new FetchRecorder(flaky, {
      onFlushError: (failure) => failures.push(failure),
      onDropped: (n) => dropped.push(n),
      onFlushRecovered: (n) => (recovered = n),
    });
    recorder.record("obot", "Go-http-client/1.1", 200, "10.0.0.9");
    recorder.record("obot", "Go-http-client/1.1", 200, "10.0.0.9");
    await expect(recorder.flush()).rejects.toThrow(/read-only/);
    expect(failures).toEqual([expect.objectContaining({ kept: 1, dropped: 0, consecutive: 1 })]);
    failing = false;
    await recorder.flush();
    expect(recovered).toBe(1);
    expect(await recorder.latest("obot")).toMatchObject({ count: 2 });

    failing = true;
    recorder.record("registry", "curl/8", 200, null);
    for (let i = 0; i < MAX_FLUSH_ATTEMPTS; i++) await expect(recorder.flush()).rejects.toThrow(/read-only/);
    expect(failures.at(-1)).toMatchObject({ kept: 0, dropped: 1, consecutive: MAX_FLUSH_ATTEMPTS });
    expect(dropped).toEqual([1]);
    expect(recorder.dropped).toBe(1);
    // Nothing is left to retry: the next flush has nothing to write and does not fail again.
    await recorder.flush();
    expect(failures).toHaveLength(1 + MAX_FLUSH_ATTEMPTS);
  });
});

describe("Fetch log failure reporting", () => {
  it("counts every failure in the metrics and logs the first, then at most once a minute, and the recovery", () => {
    const metrics = createMetrics();
    const lines: string[] = [];
    let now = 0;
    const hooks = reportingHooks(
      metrics,
      (line) => lines.push(line),
      () => now,
    );
    const error = new Error("bind message has 70000 parameter formats but 0 parameters");
    for (let consecutive = 1; consecutive <= 5; consecutive++, now += 20_000) hooks.onFlushError!({ error, kept: 3, dropped: 0, consecutive });
    hooks.onDropped!(7);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/could not write the feed fetch log \(1 failed flush in a row\): bind message.*3 row\(s\) kept/);
    expect(lines[1]).toMatch(/4 failed flushes in a row/);
    hooks.onFlushRecovered!(5);
    expect(lines[2]).toMatch(/written again after 5 failed flush/);
    return metrics.registry.metrics().then((text) => {
      expect(text).toMatch(/^opencrane_fetch_log_flush_failures_total 5$/m);
      expect(text).toMatch(/^opencrane_fetch_log_dropped_total 7$/m);
    });
  });
});
