import { describe, expect, it } from "vitest";
import {
  countsInBrief,
  intervalText,
  fieldChangesOf,
  findingsOf,
  outcomeLabel,
  outcomeTally,
  overallPercent,
  reconciliation,
  stageProgress,
  type RunCounts,
} from "./source-run";

const counts = (over: Partial<RunCounts> = {}): RunCounts => ({
  fetched: 0,
  registered: 0,
  updated: 0,
  unchanged: 0,
  quarantined: 0,
  rejected: 0,
  removedUpstream: 0,
  ...over,
});

describe("stageProgress", () => {
  it("shows every stage waiting while the run is queued", () => {
    const stages = stageProgress({ status: "queued", stage: "queued", progress: {} });
    expect(stages.map((s) => s.state)).toEqual(["waiting", "waiting", "waiting", "waiting", "waiting"]);
    expect(overallPercent(stages)).toBe(0);
  });

  it("completes the stages before the current one and measures the current one", () => {
    const stages = stageProgress({
      status: "running",
      stage: "register",
      progress: { fetch: { done: 40, total: 40 }, scan: { done: 40, total: 40 }, validate: { done: 40, total: 40 }, register: { done: 10, total: 40 } },
    });
    expect(stages.map((s) => [s.stage, s.state, s.percent])).toEqual([
      ["fetch", "done", 100],
      ["scan", "done", 100],
      ["validate", "done", 100],
      ["register", "active", 25],
      ["entitle", "waiting", 0],
    ]);
    expect(overallPercent(stages)).toBe(65);
  });

  it("has no percentage for a stage that has not reported a total yet", () => {
    const [fetch] = stageProgress({ status: "running", stage: "fetch", progress: {} });
    expect(fetch).toMatchObject({ state: "active", percent: null });
  });

  it("fills every bar when the run succeeded", () => {
    const stages = stageProgress({ status: "succeeded", stage: "done", progress: {} });
    expect(stages.every((s) => s.state === "done" && s.percent === 100)).toBe(true);
    expect(overallPercent(stages)).toBe(100);
  });

  it("marks the stage a failed run stopped in", () => {
    const stages = stageProgress({ status: "failed", stage: "scan", progress: { fetch: { done: 3, total: 3 } } });
    expect(stages.map((s) => s.state)).toEqual(["done", "failed", "waiting", "waiting", "waiting"]);
  });
});

describe("counts", () => {
  it("states the reconciliation of a balanced run", () => {
    expect(reconciliation(counts({ fetched: 5, registered: 2, updated: 1, unchanged: 1, quarantined: 1 }))).toEqual({
      text: "5 fetched = 2 registered + 1 updated + 1 unchanged + 1 quarantined + 0 rejected",
      balanced: true,
    });
  });

  it("says when the numbers do not add up", () => {
    expect(reconciliation(counts({ fetched: 5, registered: 2 })).balanced).toBe(false);
    expect(reconciliation(counts({ fetched: 5, registered: 2 })).text).toMatch(/^5 fetched ≠ /);
  });

  it("leaves zeros out of the brief summary", () => {
    expect(countsInBrief(counts({ fetched: 3, registered: 2, quarantined: 1 }))).toBe("2 registered · 1 quarantined");
    expect(countsInBrief(counts({ fetched: 3, unchanged: 3 }))).toBe("3 unchanged");
    expect(countsInBrief(counts())).toBe("nothing fetched");
  });
});

describe("outcomes", () => {
  it("labels known outcomes and keeps unknown ones as they are", () => {
    expect(outcomeLabel("pending-update")).toBe("Update awaiting review");
    expect(outcomeLabel("removed-upstream")).toBe("Removed upstream");
    expect(outcomeLabel("something-new")).toBe("something-new");
  });

  it("tallies items by outcome", () => {
    const tally = outcomeTally([{ outcome: "registered" }, { outcome: "rejected" }, { outcome: "registered" }]);
    expect([...tally]).toEqual([
      ["registered", 2],
      ["rejected", 1],
    ]);
  });

  it("orders findings worst first and drops what it cannot read", () => {
    const findings = findingsOf([
      { rule: "insecure-url", severity: "high", field: "remotes[0].url", message: "not https" },
      "garbage",
      { rule: "prompt-injection", severity: "critical", field: "description", message: "asks to ignore instructions" },
    ]);
    expect(findings.map((f) => f.rule)).toEqual(["prompt-injection", "insecure-url"]);
  });

  it("reads a staged diff and ignores malformed entries", () => {
    expect(fieldChangesOf([{ field: "description", before: "a", after: "b" }, 3])).toEqual([{ field: "description", before: "a", after: "b" }]);
    expect(fieldChangesOf(null)).toEqual([]);
  });
});

describe("intervalText", () => {
  it("says intervals the way people do", () => {
    expect([15, 60, 120, 1440, 2880].map(intervalText)).toEqual(["every 15 min", "hourly", "every 2 h", "daily", "every 2 days"]);
  });
});
