import type { Source } from "@/server/ingest/source-model";
import { RelativeTime } from "@/components/ui/relative-time";
import { intervalText } from "@/lib/source-run";

/** Where a source reads from: the URL, and for git the ref and directory. */
export function SourceLocation({ source }: { source: Pick<Source, "kind" | "url" | "ref" | "path"> }) {
  if (source.kind === "manual-upload") return <span className="text-slate-500">uploaded documents</span>;
  return (
    <span className="block min-w-0">
      <span className="block truncate font-mono text-xs text-slate-800" title={source.url}>
        {source.url}
      </span>
      {source.kind === "git" && (source.ref || source.path) && (
        <span className="block font-mono text-xs text-slate-500">
          {source.ref ? `@ ${source.ref}` : "@ default branch"}
          {source.path ? ` · ${source.path}/` : ""}
        </span>
      )}
    </span>
  );
}

export function ScheduleText({ source }: { source: Pick<Source, "syncMode" | "intervalMinutes" | "nextRunAt" | "kind"> }) {
  if (source.kind === "manual-upload") return <span className="text-slate-500">on upload</span>;
  if (source.syncMode === "manual" || !source.intervalMinutes) return <span>manual</span>;
  return (
    <span>
      {intervalText(source.intervalMinutes)}
      {source.nextRunAt && (
        <span className="block text-xs text-slate-500">
          next <RelativeTime iso={source.nextRunAt} />
        </span>
      )}
    </span>
  );
}
