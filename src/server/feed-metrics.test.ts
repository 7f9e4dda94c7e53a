import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FEED_LATENCY_BUCKETS, FeedRequestTally } from "./feed-metrics";
import { createMetrics } from "./metrics";

/** The sample lines of `name` in a scrape, without HELP and TYPE. */
const samplesOf = (text: string, name: string) => text.split("\n").filter((line) => line.startsWith(name));

describe("FeedRequestTally", () => {
  it("scrapes as prom-client's Counter and Histogram would: counts by feed and status, cumulative buckets, sum and count", async () => {
    const registry = new Registry();
    const tally = new FeedRequestTally();
    tally.register(registry);
    tally.record("obot", 304, 0.0002);
    tally.record("obot", 304, 0.0005); // on a bound: counted in it (le is inclusive)
    tally.record("obot", 200, 0.03);
    tally.record("contract", 401, 2); // above every bound: only +Inf
    const text = await registry.metrics();
    expect(text).toContain("# TYPE opencrane_feed_requests_total counter");
    expect(text).toContain("# TYPE opencrane_feed_request_duration_seconds histogram");
    expect(samplesOf(text, "opencrane_feed_requests_total").sort()).toEqual([
      'opencrane_feed_requests_total{feed="contract",status="401"} 1',
      'opencrane_feed_requests_total{feed="obot",status="200"} 1',
      'opencrane_feed_requests_total{feed="obot",status="304"} 2',
    ]);
    const obot = samplesOf(text, "opencrane_feed_request_duration_seconds").filter((line) => line.includes('feed="obot"'));
    expect(obot).toEqual([
      ...FEED_LATENCY_BUCKETS.map(
        (bound) => `opencrane_feed_request_duration_seconds_bucket{le="${bound}",feed="obot"} ${bound < 0.05 ? (bound < 0.0005 ? 0 : 2) : 3}`,
      ),
      'opencrane_feed_request_duration_seconds_bucket{le="+Inf",feed="obot"} 3',
      expect.stringMatching(/^opencrane_feed_request_duration_seconds_sum\{feed="obot"\} 0\.03\d*$/),
      'opencrane_feed_request_duration_seconds_count{feed="obot"} 3',
    ]);
    expect(Number(obot.at(-2)!.split(" ")[1])).toBeCloseTo(0.0307, 10);
    const contract = samplesOf(text, "opencrane_feed_request_duration_seconds_bucket").filter((line) => line.includes('feed="contract"'));
    expect(contract.at(-2)).toBe('opencrane_feed_request_duration_seconds_bucket{le="1",feed="contract"} 0');
    expect(contract.at(-1)).toBe('opencrane_feed_request_duration_seconds_bucket{le="+Inf",feed="contract"} 1');
    expect(tally.requests("obot", 304)).toBe(2);
  });

  it("is part of the services' metrics, with the last Obot fetch read at scrape time", async () => {
    const metrics = createMetrics();
    expect(await metrics.registry.metrics()).not.toMatch(/^opencrane_feed_requests_total\{/m);
    metrics.feeds.record("obot", 304, 0.001);
    metrics.obotFetch.lastAtMs = 1_700_000_000_500;
    const text = await metrics.registry.metrics();
    expect(text).toContain('opencrane_feed_requests_total{feed="obot",status="304"} 1');
    expect(text).toContain("opencrane_obot_last_fetch_timestamp_seconds 1700000000.5");
    // The JSON form (what prom-client's cluster aggregation reads) works too.
    const json = await metrics.registry.getMetricsAsJSON();
    expect(json.find((m) => m.name === "opencrane_feed_requests_total")?.values).toEqual([{ labels: { feed: "obot", status: "304" }, value: 1 }]);
  });
});
