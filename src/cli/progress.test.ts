import { describe, expect, it } from "vitest";
import { countsSummary, followRun, plainProgressLine, renderProgressBar, runFraction, type RunProgress } from "./progress";

const run = (over: Partial<RunProgress>): RunProgress => ({
  id: "run-1",
  status: "running",
  stage: "fetch",
  progress: {},
  counts: {},
  error: null,
  ...over,
});

describe("progress of a run", () => {
  it("gives each stage an equal share, filled by its done/total", () => {
    expect(runFraction(run({ status: "queued", stage: "queued" }))).toBe(0);
    expect(runFraction(run({ stage: "scan" }))).toBe(0.2);
    expect(runFraction(run({ stage: "register", progress: { register: { done: 5, total: 10 } } }))).toBe(0.7);
    expect(runFraction(run({ status: "succeeded", stage: "done" }))).toBe(1);
  });

  it("draws a bar with the percentage and the state in words", () => {
    expect(renderProgressBar(run({ stage: "register", progress: { register: { done: 5, total: 10 } } }), 10)).toBe("[███████░░░]  70% running · register 5/10");
    expect(renderProgressBar(run({ status: "failed", error: "registry answered 500" }), 4)).toBe("[░░░░]   0% failed: registry answered 500");
  });

  it("writes plain lines for logs", () => {
    expect(plainProgressLine(run({ stage: "scan" }))).toBe("run run-1 running · scan");
  });

  it("sums up the counts that are not zero", () => {
    expect(countsSummary({ fetched: 6, registered: 3, updated: 0, removedUpstream: 1 })).toBe("fetched 6, registered 3, removed upstream 1");
    expect(countsSummary({ fetched: 0 })).toBe("nothing fetched");
  });
});

describe("following a run", () => {
  const states = [run({ status: "queued", stage: "queued" }), run({ stage: "fetch" }), run({ stage: "fetch" }), run({ status: "succeeded", stage: "done" })];

  async function follow(isTTY: boolean) {
    const written: string[] = [];
    let polls = 0;
    const finished = await followRun(async () => states[polls++]!, { isTTY, write: (text) => written.push(text) }, { sleep: async () => undefined });
    return { finished, written, polls };
  }

  it("prints one line per change when the output is not a terminal", async () => {
    const { finished, written, polls } = await follow(false);
    expect(polls).toBe(4);
    expect(finished.status).toBe("succeeded");
    expect(written).toEqual(["run run-1 queued\n", "run run-1 running · fetch\n", "run run-1 succeeded\n"]);
  });

  it("redraws one bar in place on a terminal and ends the line when done", async () => {
    const { written } = await follow(true);
    expect(written.slice(0, -1).every((text) => text.startsWith("\r\x1b[K["))).toBe(true);
    expect(written.at(-2)).toContain("100% succeeded");
    expect(written.at(-1)).toBe("\n");
  });
});
