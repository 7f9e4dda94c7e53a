/** How the console shows an ingestion run: its stages as progress, its counts and its item outcomes. */
import type { Finding, Severity } from "@/server/ingest/scan";

export const RUN_STAGES = ["fetch", "scan", "validate", "register", "entitle"] as const;
export type RunStage = (typeof RUN_STAGES)[number];

export type RunStatus = "queued" | "running" | "succeeded" | "failed";

export interface RunProgressInput {
  status: RunStatus;
  /** The stage the run is in: one of RUN_STAGES, "queued" before it starts, "done" after. */
  stage: string;
  progress: Record<string, { done: number; total: number }>;
}

export type StageState = "waiting" | "active" | "done" | "failed";

export interface StageProgress {
  stage: RunStage;
  state: StageState;
  /** 0–100, or null while the stage runs with no known total (the bar then shows activity). */
  percent: number | null;
  done: number;
  total: number;
}

export const isRunActive = (status: RunStatus) => status === "queued" || status === "running";

/**
 * One bar per stage. Stages before the current one are complete; the current one shows its
 * done/total when the run reported one; a failed run marks the stage it stopped in.
 */
export function stageProgress(run: RunProgressInput): StageProgress[] {
  const current = RUN_STAGES.indexOf(run.stage as RunStage);
  return RUN_STAGES.map((stage, index) => {
    const reported = run.progress[stage];
    const done = reported?.done ?? 0;
    const total = reported?.total ?? 0;
    if (run.status === "succeeded") return { stage, state: "done", percent: 100, done, total };
    if (run.status === "queued" || current === -1 || index > current) {
      return { stage, state: run.status === "failed" && current === -1 && index === 0 ? "failed" : "waiting", percent: 0, done, total };
    }
    if (index < current) return { stage, state: "done", percent: 100, done, total };
    const percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
    return { stage, state: run.status === "failed" ? "failed" : "active", percent, done, total };
  });
}

/** The whole run as one number, for the summary bar: each stage is a fifth of the work. */
export function overallPercent(stages: readonly StageProgress[]): number {
  const sum = stages.reduce((acc, s) => acc + (s.state === "done" ? 100 : s.state === "active" ? (s.percent ?? 0) : 0), 0);
  return Math.round(sum / stages.length);
}

export const COUNT_KEYS = ["fetched", "registered", "updated", "unchanged", "quarantined", "rejected", "removedUpstream"] as const;
export type CountKey = (typeof COUNT_KEYS)[number];
export type RunCounts = Record<CountKey, number> & { excluded?: number };

export const COUNT_LABELS: Record<CountKey, string> = {
  fetched: "Fetched",
  registered: "Registered",
  updated: "Updated",
  unchanged: "Unchanged",
  quarantined: "Quarantined",
  rejected: "Rejected",
  removedUpstream: "Removed upstream",
};

/** Every fetched item ends in exactly one of these; removed-upstream items were not fetched. */
const OUTCOME_COUNTS = ["registered", "updated", "unchanged", "quarantined", "rejected"] as const;

/**
 * "12 fetched = 8 registered + 1 updated + 2 unchanged + 1 quarantined + 0 rejected", and whether
 * the sum holds: a run whose numbers do not add up has lost items somewhere.
 */
export function reconciliation(counts: RunCounts): { text: string; balanced: boolean } {
  const sum = OUTCOME_COUNTS.reduce((acc, key) => acc + counts[key], 0);
  const parts = OUTCOME_COUNTS.map((key) => `${counts[key]} ${key}`).join(" + ");
  const balanced = sum === counts.fetched;
  return { text: `${counts.fetched} fetched ${balanced ? "=" : "≠"} ${parts}`, balanced };
}

/** "8 registered · 1 quarantined": the counts worth a glance in a list, zeros left out. */
export function countsInBrief(counts: RunCounts): string {
  const parts = COUNT_KEYS.filter((key) => key !== "fetched" && counts[key] > 0).map((key) => `${counts[key]} ${COUNT_LABELS[key].toLowerCase()}`);
  return parts.length > 0 ? parts.join(" · ") : counts.fetched > 0 ? `${counts.fetched} fetched, nothing changed` : "nothing fetched";
}

export const OUTCOMES = ["registered", "updated", "pending-update", "unchanged", "quarantined", "rejected", "removed-upstream"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  registered: "Registered",
  updated: "Updated",
  "pending-update": "Update awaiting review",
  unchanged: "Unchanged",
  quarantined: "Quarantined",
  rejected: "Rejected",
  "removed-upstream": "Removed upstream",
};

export const outcomeLabel = (outcome: string): string => OUTCOME_LABELS[outcome as Outcome] ?? outcome;

/** How many items of a run have each outcome, for the filter's options. */
export function outcomeTally(items: readonly { outcome: string }[]): Map<string, number> {
  const tally = new Map<string, number>();
  for (const item of items) tally.set(item.outcome, (tally.get(item.outcome) ?? 0) + 1);
  return tally;
}

export type { Finding, Severity };

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Findings as the server stored them (unknown JSON), worst first; anything unreadable is dropped. */
export function findingsOf(raw: readonly unknown[]): Finding[] {
  return raw
    .filter((f): f is Finding => typeof f === "object" && f !== null && typeof (f as Finding).rule === "string" && typeof (f as Finding).message === "string")
    .map((f) => ({ rule: f.rule, severity: f.severity ?? "low", field: f.field ?? "", message: f.message }))
    .sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9));
}

/** A staged update's diff as the pipeline stores it: one entry per changed field of the server. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  /** A field the admin overrode that upstream changed too: the admin's value stays unless they take upstream's. */
  conflict?: boolean;
}

export function fieldChangesOf(raw: unknown): FieldChange[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((c): c is FieldChange => typeof c === "object" && c !== null && typeof (c as FieldChange).field === "string");
}

/** "hourly", "every 15 min", "daily": a schedule's interval as people say it. */
export function intervalText(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? "daily" : `every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? "hourly" : `every ${minutes / 60} h`;
  return `every ${minutes} min`;
}
