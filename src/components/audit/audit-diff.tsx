import { cn } from "@/lib/cn";
import { diffJson, type DiffEntry, type DiffKind } from "@/lib/json-diff";

const KIND_STYLES: Record<DiffKind, { badge: string; label: string }> = {
  added: { badge: "bg-emerald-50 text-emerald-800 ring-emerald-200", label: "added" },
  removed: { badge: "bg-red-50 text-red-800 ring-red-200", label: "removed" },
  changed: { badge: "bg-amber-50 text-amber-900 ring-amber-200", label: "changed" },
};

function Value({ value, tone }: { value: unknown; tone: "before" | "after" }) {
  if (value === undefined) return <span className="text-slate-400">—</span>;
  const structured = typeof value === "object" && value !== null;
  const text = structured ? JSON.stringify(value, null, 2) : JSON.stringify(value);
  return (
    <pre
      className={cn(
        "max-h-60 overflow-auto whitespace-pre-wrap break-all rounded px-2 py-1 font-mono text-xs leading-5",
        tone === "before" ? "bg-red-50/70 text-red-950" : "bg-emerald-50/70 text-emerald-950",
      )}
    >
      {text}
    </pre>
  );
}

/** Fields every change moves: listed after the ones that say what changed. */
const BOOKKEEPING = new Set(["version", "updatedAt", "updatedBy", "createdAt", "createdBy"]);
const isBookkeeping = (entry: DiffEntry) => BOOKKEEPING.has(entry.path);

function counts(entries: DiffEntry[]): string {
  const n = { added: 0, removed: 0, changed: 0 };
  for (const entry of entries) n[entry.kind]++;
  return (["changed", "added", "removed"] as const)
    .filter((kind) => n[kind] > 0)
    .map((kind) => `${n[kind]} ${kind}`)
    .join(" · ");
}

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="min-w-0">
      <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</p>
      <pre className="max-h-96 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100">
        {value === null || value === undefined ? "null" : JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

/**
 * What an audit event changed: field by field when it has a before and an after, the recorded
 * state when it created or deleted something, and the raw JSON on request.
 */
export function AuditDiff({ before, after }: { before: unknown; after: unknown }) {
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;

  if (!hasBefore && !hasAfter) {
    return <p className="text-sm text-slate-600">This event records no before or after state (for example a sign-out or a password reset).</p>;
  }
  if (!hasBefore || !hasAfter) {
    return (
      <div className="space-y-2">
        <p className="text-sm text-slate-600">
          {hasAfter
            ? "Nothing existed before this event; it recorded the state it created:"
            : "Nothing remains after this event; it recorded the state it removed:"}
        </p>
        <JsonBlock label={hasAfter ? "After" : "Before"} value={hasAfter ? after : before} />
      </div>
    );
  }

  const all = diffJson(before, after);
  const entries = [...all.filter((e) => !isBookkeeping(e)), ...all.filter(isBookkeeping)];
  return (
    <div className="space-y-3">
      {entries.length === 0 ? (
        <p className="text-sm text-slate-600">Before and after are the same: this event changed nothing that was recorded.</p>
      ) : (
        <>
          <p className="text-sm text-slate-600" data-testid="diff-summary">
            {counts(entries)}
          </p>
          <div className="relative overflow-x-auto rounded-md ring-1 ring-slate-200">
            <table className="min-w-full table-fixed text-left text-sm" aria-label="Changes, field by field">
              <colgroup>
                <col className="w-[28%]" />
                <col className="w-[12%]" />
                <col className="w-[30%]" />
                <col className="w-[30%]" />
              </colgroup>
              <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Field
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Change
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Before
                  </th>
                  <th scope="col" className="px-3 py-2">
                    After
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {entries.map((entry) => (
                  <tr key={`${entry.kind}:${entry.path}`} data-kind={entry.kind} className="align-top">
                    <th
                      scope="row"
                      className={cn("break-all px-3 py-2 font-mono text-xs font-medium", isBookkeeping(entry) ? "text-slate-500" : "text-slate-900")}
                    >
                      {entry.path || "(whole value)"}
                    </th>
                    <td className="px-3 py-2">
                      <span className={cn("inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", KIND_STYLES[entry.kind].badge)}>
                        {KIND_STYLES[entry.kind].label}
                      </span>
                    </td>
                    <td className="px-3 py-2">
                      <Value value={entry.before} tone="before" />
                    </td>
                    <td className="px-3 py-2">
                      <Value value={entry.after} tone="after" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <details className="group rounded-md ring-1 ring-slate-200">
        <summary className="cursor-pointer rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600">
          Full before and after JSON
        </summary>
        <div className="grid gap-3 p-3 lg:grid-cols-2">
          <JsonBlock label="Before" value={before} />
          <JsonBlock label="After" value={after} />
        </div>
      </details>
    </div>
  );
}
