import type { ServerStatus } from "@/server/catalog/model";
import { cn } from "@/lib/cn";

const STYLES: Record<ServerStatus, { badge: string; dot: string }> = {
  draft: { badge: "bg-slate-100 text-slate-700 ring-slate-300", dot: "bg-slate-400" },
  active: { badge: "bg-emerald-50 text-emerald-800 ring-emerald-300", dot: "bg-emerald-500" },
  degraded: { badge: "bg-amber-50 text-amber-800 ring-amber-300", dot: "bg-amber-500" },
  disabled: { badge: "bg-red-50 text-red-800 ring-red-200", dot: "bg-red-500" },
};

export const STATUS_DOT: Record<ServerStatus, string> = {
  draft: STYLES.draft.dot,
  active: STYLES.active.dot,
  degraded: STYLES.degraded.dot,
  disabled: STYLES.disabled.dot,
};

export function StatusBadge({ status, className }: { status: ServerStatus; className?: string }) {
  const style = STYLES[status];
  return (
    <span
      className={cn("inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", style.badge, className)}
      data-status={status}
    >
      <span aria-hidden className={cn("size-1.5 rounded-full", style.dot)} />
      {status}
    </span>
  );
}

/** A small tag; `tone` picks its colours (a className cannot: clsx appends, and the slate classes would win). */
export function Tag({ children, className, tone = "neutral" }: { children: React.ReactNode; className?: string; tone?: "neutral" | "warn" }) {
  return (
    <span
      className={cn(
        "inline-flex items-center rounded px-1.5 py-0.5 text-xs",
        tone === "warn" ? "bg-amber-50 text-amber-800" : "bg-slate-100 text-slate-700",
        className,
      )}
    >
      {children}
    </span>
  );
}
