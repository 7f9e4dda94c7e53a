import { cn } from "@/lib/cn";
import { overallPercent, stageProgress, type RunProgressInput, type StageProgress, type StageState } from "@/lib/source-run";

const BAR: Record<StageState, string> = {
  waiting: "bg-slate-300",
  active: "bg-sky-500",
  done: "bg-emerald-500",
  failed: "bg-red-500",
};

const STATE_TEXT: Record<StageState, string> = { waiting: "waiting", active: "in progress", done: "done", failed: "failed" };

/** One labelled bar per pipeline stage, and the run as a whole above them. */
export function StageProgressBars({ run }: { run: RunProgressInput }) {
  const stages = stageProgress(run);
  const overall = overallPercent(stages);
  return (
    <div className="space-y-4">
      <Bar label="Overall" percent={overall} state={run.status === "failed" ? "failed" : overall === 100 ? "done" : "active"} detail={`${overall}%`} large />
      <ol className="grid gap-3 sm:grid-cols-5" aria-label="Stages">
        {stages.map((stage) => (
          <li key={stage.stage}>
            <Bar label={stage.stage} percent={stage.percent} state={stage.state} detail={stageDetail(stage)} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function stageDetail(stage: StageProgress): string {
  if (stage.total > 0 && stage.state !== "waiting") return `${stage.done}/${stage.total} · ${STATE_TEXT[stage.state]}`;
  return STATE_TEXT[stage.state];
}

function Bar({ label, percent, state, detail, large = false }: { label: string; percent: number | null; state: StageState; detail: string; large?: boolean }) {
  return (
    <div>
      <div className="mb-1 flex items-baseline justify-between gap-2 text-xs">
        <span className={cn("font-medium capitalize text-slate-800", large && "text-sm")}>{label}</span>
        <span className="text-slate-500">{detail}</span>
      </div>
      <div
        role="progressbar"
        aria-label={label === "Overall" ? "Run progress" : `Stage ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={`${label}: ${detail}`}
        data-state={state}
        className={cn("overflow-hidden rounded-full bg-slate-100", large ? "h-3" : "h-2")}
      >
        <div
          className={cn("h-full rounded-full transition-[width] duration-500", BAR[state], percent === null && "w-1/3 animate-pulse")}
          style={percent === null ? undefined : { width: `${Math.max(percent, state === "waiting" ? 0 : 2)}%` }}
        />
      </div>
    </div>
  );
}
