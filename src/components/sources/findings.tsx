import { findingsOf } from "@/lib/source-run";
import { SeverityBadge } from "./badges";

/** What the scan found in one item, worst first. */
export function FindingsList({ findings }: { findings: readonly unknown[] }) {
  const list = findingsOf(findings);
  if (list.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <ul className="space-y-1.5 text-sm" aria-label="Scan findings">
      {list.map((finding, i) => (
        <li key={i} className="flex flex-wrap items-baseline gap-2">
          <SeverityBadge severity={finding.severity} />
          <span className="font-mono text-xs text-slate-500">{finding.rule}</span>
          <span className="text-slate-800">{finding.message}</span>
          {finding.field && <span className="font-mono text-xs text-slate-500">({finding.field})</span>}
        </li>
      ))}
    </ul>
  );
}

export function ErrorsList({ errors }: { errors: readonly string[] }) {
  if (errors.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <ul className="list-disc space-y-0.5 pl-4 text-red-800">
      {errors.map((error, i) => (
        <li key={i}>{error}</li>
      ))}
    </ul>
  );
}
