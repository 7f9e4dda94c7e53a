import type { ImpactPreview } from "@/server/policy/diff";
import { impactHeadline, impactLines } from "@/lib/policy-view";

/** "adds github to 12 tenants, removes slack from 3 tenants", each line opening onto its tenants. */
export function ImpactPreviewView({ impact }: { impact: ImpactPreview }) {
  const lines = impactLines([...impact.changes, ...(impact.toolChanges ?? [])]);
  return (
    <section aria-label="Impact preview" data-testid="impact-preview" className="mt-4 rounded-md bg-slate-50 px-4 py-3 text-sm ring-1 ring-slate-200">
      <p className="font-medium text-slate-900">{impactHeadline(impact)}</p>
      {lines.length > 0 && (
        <ul className="mt-2 max-h-64 space-y-1 overflow-y-auto">
          {lines.map((line) => (
            <li key={`${line.verb}-${line.server}`}>
              <details>
                <summary className="cursor-pointer rounded focus-visible:outline-2 focus-visible:outline-indigo-600">
                  <span className={line.verb === "adds" ? "text-emerald-800" : "text-red-800"}>{line.text}</span>
                </summary>
                <p className="mt-1 max-h-40 overflow-y-auto break-words pl-4 font-mono text-xs text-slate-700">{line.tenants.join(", ")}</p>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
