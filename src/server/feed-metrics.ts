import type { Registry } from "prom-client";

/** Upper bounds (seconds) of opencrane_feed_request_duration_seconds's buckets. */
export const FEED_LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** One feed's figures since the start: answers by status, and the latency histogram (per bucket, not cumulative). */
class FeedFigures {
  readonly statuses = new Map<number, number>();
  /** Index i counts answers in (bound[i-1], bound[i]]; the last index those above every bound. */
  readonly buckets = new Float64Array(FEED_LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;
}

/** A sample as prom-client's Registry formats it (metric.get().values). */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * What the feeds answered, counted with plain increments on the request path and turned into
 * Prometheus samples only when /api/metrics is scraped: `opencrane_feed_requests_total{feed,status}`
 * and the histogram `opencrane_feed_request_duration_seconds{feed}`. prom-client's own Counter and
 * Histogram build a label object, a label hash and a closure on every call, which measured a
 * tenth of the time of a 304, the answer thousands of pods poll for.
 */
export class FeedRequestTally {
  private readonly feeds = new Map<string, FeedFigures>();

  record(feed: string, status: number, seconds: number): void {
    let figures = this.feeds.get(feed);
    if (!figures) this.feeds.set(feed, (figures = new FeedFigures()));
    figures.statuses.set(status, (figures.statuses.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < FEED_LATENCY_BUCKETS.length && seconds > FEED_LATENCY_BUCKETS[bucket]!) bucket++;
    figures.buckets[bucket]! += 1;
    figures.sum += seconds;
    figures.count += 1;
  }

  /** Answers of `feed` with `status` so far. */
  requests(feed: string, status: number): number {
    return this.feeds.get(feed)?.statuses.get(status) ?? 0;
  }

  private requestSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const [feed, figures] of this.feeds) {
      for (const [status, count] of figures.statuses) samples.push({ labels: { feed, status: String(status) }, value: count });
    }
    return samples;
  }

  private latencySamples(name: string): Sample[] {
    const samples: Sample[] = [];
    for (const [feed, figures] of this.feeds) {
      let cumulative = 0;
      FEED_LATENCY_BUCKETS.forEach((bound, i) => {
        cumulative += figures.buckets[i]!;
        samples.push({ labels: { le: bound, feed }, value: cumulative, metricName: `${name}_bucket` });
      });
      samples.push({ labels: { le: "+Inf", feed }, value: figures.count, metricName: `${name}_bucket` });
      samples.push({ labels: { feed }, value: figures.sum, metricName: `${name}_sum` });
      samples.push({ labels: { feed }, value: figures.count, metricName: `${name}_count` });
    }
    return samples;
  }

  /** Registers the two metrics with `registry`, in the shape its registerMetric takes (what prom-client's own metrics implement). */
  register(registry: Registry): void {
    const metric = (name: string, help: string, type: "counter" | "histogram", values: () => Sample[]) => ({
      name,
      help,
      type,
      aggregator: "sum" as const,
      get: () => Promise.resolve({ name, help, type, values: values(), aggregator: "sum" as const }),
      reset: () => this.feeds.clear(),
    });
    const requests = "opencrane_feed_requests_total";
    const latency = "opencrane_feed_request_duration_seconds";
    registry.registerMetric(metric(requests, "Feed requests by feed and HTTP status", "counter", () => this.requestSamples()) as never);
    registry.registerMetric(metric(latency, "Time to answer a feed request, by feed", "histogram", () => this.latencySamples(latency)) as never);
  }
}
