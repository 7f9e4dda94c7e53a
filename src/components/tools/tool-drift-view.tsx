"use client";

import { FindingsList } from "@/components/sources/findings";
import type { ToolDrift, ToolView } from "@/server/tools/model";

const json = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value, null, 2));

/** read-only, writes, or destructive, as MCP reads a tool's hints. */
export function toolHint(tool: Pick<ToolView, "annotations">): "read-only" | "writes" | "destructive" {
  const a = tool.annotations ?? {};
  if (a.readOnlyHint === true) return "read-only";
  return a.destructiveHint === false ? "writes" : "destructive";
}

const HINT_CLASSES = {
  "read-only": "bg-emerald-50 text-emerald-800 ring-emerald-300",
  writes: "bg-slate-100 text-slate-700 ring-slate-300",
  destructive: "bg-red-50 text-red-800 ring-red-200",
} as const;

export function HintBadge({ tool }: { tool: Pick<ToolView, "annotations"> }) {
  const hint = toolHint(tool);
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${HINT_CLASSES[hint]}`}>{hint}</span>;
}

function ToolLine({ tool }: { tool: ToolView }) {
  return (
    <li className="flex flex-wrap items-baseline gap-2">
      <span className="font-mono text-sm font-semibold text-slate-900">{tool.name}</span>
      <HintBadge tool={tool} />
      <span className="text-sm text-slate-700">{tool.description.split("\n")[0]}</span>
    </li>
  );
}

/** A tool drift: added, removed and changed tools (each changed field before and after), and the findings. */
export function ToolDriftView({ drift }: { drift: ToolDrift }) {
  return (
    <div className="space-y-4 text-sm" data-testid="tool-drift">
      {drift.added.length > 0 && (
        <section aria-label="Added tools">
          <h3 className="mb-1 font-medium text-slate-900">Added ({drift.added.length})</h3>
          <ul className="space-y-1" data-testid="drift-added">
            {drift.added.map((tool) => (
              <ToolLine key={tool.name} tool={tool} />
            ))}
          </ul>
        </section>
      )}
      {drift.removed.length > 0 && (
        <section aria-label="Removed tools">
          <h3 className="mb-1 font-medium text-slate-900">Removed ({drift.removed.length})</h3>
          <ul className="space-y-1" data-testid="drift-removed">
            {drift.removed.map((tool) => (
              <ToolLine key={tool.name} tool={tool} />
            ))}
          </ul>
        </section>
      )}
      {drift.changed.length > 0 && (
        <section aria-label="Changed tools">
          <h3 className="mb-1 font-medium text-slate-900">Changed ({drift.changed.length})</h3>
          <ul className="space-y-3" data-testid="drift-changed">
            {drift.changed.map((change) => (
              <li key={change.name}>
                <p className="font-mono font-semibold text-slate-900">{change.name}</p>
                <table className="mt-1 w-full table-fixed border-collapse text-xs">
                  <thead>
                    <tr className="text-left text-slate-500">
                      <th className="w-32 py-1 pr-2 font-medium">Field</th>
                      <th className="py-1 pr-2 font-medium">Pinned</th>
                      <th className="py-1 font-medium">Now</th>
                    </tr>
                  </thead>
                  <tbody>
                    {change.fields.map((field) => (
                      <tr key={field} className="align-top">
                        <td className="py-1 pr-2 font-mono text-slate-700">{field}</td>
                        <td className="py-1 pr-2">
                          <pre className="whitespace-pre-wrap break-words rounded bg-red-50 p-2 font-mono text-red-900">{json(change.before[field])}</pre>
                        </td>
                        <td className="py-1">
                          <pre className="whitespace-pre-wrap break-words rounded bg-emerald-50 p-2 font-mono text-emerald-900">
                            {json(change.after[field])}
                          </pre>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Findings" data-testid="drift-findings">
        <h3 className="mb-1 font-medium text-slate-900">Findings</h3>
        <FindingsList findings={drift.findings} />
      </section>
    </div>
  );
}
