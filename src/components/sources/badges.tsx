import { cn } from "@/lib/cn";
import { outcomeLabel, type RunStatus, type Severity } from "@/lib/source-run";
import type { Source, SourceKind } from "@/server/ingest/source-model";

const PILL = "inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

const TONES = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-300",
  good: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  busy: "bg-sky-50 text-sky-800 ring-sky-300",
  warn: "bg-amber-50 text-amber-800 ring-amber-300",
  bad: "bg-red-50 text-red-800 ring-red-200",
} as const;
type Tone = keyof typeof TONES;

function Pill({ tone, children, data }: { tone: Tone; children: React.ReactNode; data?: string }) {
  return (
    <span className={cn(PILL, TONES[tone])} data-state={data}>
      {children}
    </span>
  );
}

export const KIND_LABELS: Record<SourceKind, string> = {
  "mcp-registry": "MCP registry",
  git: "Git repository",
  "manual-upload": "Upload",
};

const SOURCE_STATUS: Record<Source["status"], { tone: Tone; label: string }> = {
  "pending-approval": { tone: "warn", label: "pending approval" },
  healthy: { tone: "good", label: "approved" },
  syncing: { tone: "busy", label: "syncing" },
  error: { tone: "bad", label: "last sync failed" },
};

export function SourceStatusBadge({ status }: { status: Source["status"] }) {
  return (
    <Pill tone={SOURCE_STATUS[status].tone} data={status}>
      {SOURCE_STATUS[status].label}
    </Pill>
  );
}

const RUN_STATUS: Record<RunStatus, Tone> = { queued: "neutral", running: "busy", succeeded: "good", failed: "bad" };

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <Pill tone={RUN_STATUS[status]} data={status}>
      {status}
    </Pill>
  );
}

const OUTCOME_TONES: Record<string, Tone> = {
  registered: "good",
  updated: "good",
  "pending-update": "warn",
  unchanged: "neutral",
  quarantined: "bad",
  rejected: "bad",
  "removed-upstream": "warn",
};

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return (
    <Pill tone={OUTCOME_TONES[outcome] ?? "neutral"} data={outcome}>
      {outcomeLabel(outcome)}
    </Pill>
  );
}

const SEVERITY_TONES: Record<Severity, Tone> = { critical: "bad", high: "warn", medium: "neutral", low: "neutral" };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <Pill tone={SEVERITY_TONES[severity] ?? "neutral"} data={severity}>
      {severity}
    </Pill>
  );
}
