/** Following a source run to its end: a progress bar on a terminal, one line per change otherwise. */

export const RUN_STAGES = ["fetch", "scan", "validate", "register", "entitle"] as const;

export interface RunProgress {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed";
  stage: string;
  progress: Record<string, { done: number; total: number }>;
  counts: Record<string, number | undefined>;
  error: string | null;
}

export const isFinished = (run: Pick<RunProgress, "status">) => run.status === "succeeded" || run.status === "failed";

/** How far along the run is, 0..1: each stage is an equal share, filled by its done/total. */
export function runFraction(run: RunProgress): number {
  if (run.status === "succeeded") return 1;
  const index = RUN_STAGES.indexOf(run.stage as (typeof RUN_STAGES)[number]);
  if (index < 0) return 0;
  const step = run.progress[run.stage];
  const within = step && step.total > 0 ? Math.min(step.done / step.total, 1) : 0;
  return (index + within) / RUN_STAGES.length;
}

/** "running · register 12/40" — the state in words, shared by the bar and the plain lines. */
export function runStateText(run: RunProgress): string {
  if (run.status === "queued") return "queued";
  if (run.status === "succeeded") return "succeeded";
  if (run.status === "failed") return `failed${run.error ? `: ${run.error}` : ""}`;
  const step = run.progress[run.stage];
  return `running · ${run.stage}${step && step.total > 0 ? ` ${step.done}/${step.total}` : ""}`;
}

/** "[██████░░░░░░░░░░░░░░]  30% running · scan" for a terminal line redrawn in place. */
export function renderProgressBar(run: RunProgress, width = 24): string {
  const fraction = runFraction(run);
  const filled = Math.round(fraction * width);
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${percent} ${runStateText(run)}`;
}

/** "run 5c0b… running · scan": a line for logs, printed only when it differs from the last. */
export function plainProgressLine(run: RunProgress): string {
  return `run ${run.id} ${runStateText(run)}`;
}

/** "fetched 6, registered 3, quarantined 2, rejected 1": the counts that are not zero. */
export function countsSummary(counts: RunProgress["counts"]): string {
  const parts = Object.entries(counts)
    .filter(([, value]) => typeof value === "number" && value > 0)
    .map(([key, value]) => `${key === "removedUpstream" ? "removed upstream" : key} ${value}`);
  return parts.length > 0 ? parts.join(", ") : "nothing fetched";
}

/** Where text goes: stdout or stderr, or a test's buffer. */
export interface TextStream {
  /** Whether it is a terminal, which can redraw a line in place. */
  isTTY: boolean;
  write(text: string): void;
}

/** Polls the run until it ends, reporting each change; answers the finished run. */
export async function followRun<Run extends RunProgress>(
  fetchRun: () => Promise<Run>,
  sink: TextStream,
  { intervalMs = 500, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) } = {},
): Promise<Run> {
  let lastLine = "";
  for (;;) {
    const run = await fetchRun();
    const line = sink.isTTY ? renderProgressBar(run) : plainProgressLine(run);
    if (line !== lastLine) {
      // \r and clear-to-end redraw the bar in place; logs get one line per change.
      sink.write(sink.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
      lastLine = line;
    }
    if (isFinished(run)) {
      if (sink.isTTY) sink.write("\n");
      return run;
    }
    await sleep(intervalMs);
  }
}
