import { cn } from "@/lib/cn";

/** The deciding tiers of DESIGN §4 (1 never shows: unpublished servers are not in the policy). */
export type Tier = 1 | 2 | 3 | 4 | 5 | 6;

export const TIERS: Record<Tier, { name: string; decision: "allow" | "deny" | "not published"; cell: string; badge: string }> = {
  1: { name: "not published", decision: "not published", cell: "bg-slate-100 text-slate-400", badge: "bg-slate-100 text-slate-700 ring-slate-300" },
  2: { name: "tenant override deny", decision: "deny", cell: "bg-red-700 text-white", badge: "bg-red-100 text-red-900 ring-red-300" },
  3: { name: "tenant override allow", decision: "allow", cell: "bg-emerald-700 text-white", badge: "bg-emerald-100 text-emerald-900 ring-emerald-300" },
  4: { name: "deny rule", decision: "deny", cell: "bg-rose-300 text-rose-950", badge: "bg-rose-50 text-rose-800 ring-rose-200" },
  5: { name: "allow rule", decision: "allow", cell: "bg-emerald-300 text-emerald-950", badge: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  6: { name: "default deny", decision: "deny", cell: "bg-slate-100 text-slate-500", badge: "bg-slate-50 text-slate-600 ring-slate-200" },
};

export function tierOf(digit: string | number): Tier {
  const tier = Number(digit);
  return (tier >= 1 && tier <= 6 ? tier : 6) as Tier;
}

/** "allow · allow rule": the decision with the tier that made it. */
export function TierBadge({ tier, className }: { tier: Tier; className?: string }) {
  const style = TIERS[tier];
  return (
    <span
      data-tier={tier}
      className={cn("inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", style.badge, className)}
    >
      <span className="font-semibold">{style.decision}</span>
      <span aria-hidden>·</span>
      {style.name}
    </span>
  );
}

export function TierLegend() {
  return (
    <ul aria-label="Legend: the tier that decided each cell" className="flex flex-wrap gap-x-4 gap-y-2 text-xs text-slate-700">
      {([2, 3, 4, 5, 6] as const).map((tier) => (
        <li key={tier} className="flex items-center gap-1.5">
          <span aria-hidden className={cn("inline-flex size-4 items-center justify-center rounded-sm text-[10px] font-bold", TIERS[tier].cell)}>
            {TIERS[tier].decision === "allow" ? "✓" : "✕"}
          </span>
          {TIERS[tier].decision} · {TIERS[tier].name}
        </li>
      ))}
    </ul>
  );
}
