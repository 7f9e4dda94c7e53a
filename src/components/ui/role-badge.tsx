import type { Role } from "@/server/auth/roles";
import { cn } from "@/lib/cn";

const LIGHT: Record<Role, string> = {
  admin: "bg-indigo-50 text-indigo-800 ring-indigo-200",
  editor: "bg-sky-50 text-sky-800 ring-sky-200",
  viewer: "bg-slate-100 text-slate-700 ring-slate-300",
};

const DARK: Record<Role, string> = {
  admin: "bg-indigo-500/20 text-indigo-200 ring-indigo-400/40",
  editor: "bg-sky-500/15 text-sky-200 ring-sky-400/40",
  viewer: "bg-slate-700/60 text-slate-200 ring-slate-500/60",
};

export function RoleBadge({ role, tone = "light", className }: { role: Role; tone?: "light" | "dark"; className?: string }) {
  return (
    <span
      data-role={role}
      className={cn(
        "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        (tone === "dark" ? DARK : LIGHT)[role],
        className,
      )}
    >
      {role}
    </span>
  );
}
