import { cn } from "@/lib/cn";

export function AuthCard({ title, description, children }: { title: string; description?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section className="rounded-xl bg-white px-6 py-7 shadow-sm ring-1 ring-slate-200 sm:px-8">
      <h1 className="text-lg font-semibold text-slate-900">{title}</h1>
      {description && <div className="mt-1 text-sm text-slate-600">{description}</div>}
      <div className={description ? "mt-6" : "mt-4"}>{children}</div>
    </section>
  );
}

type Tone = "error" | "info" | "warning" | "success";

const TONES: Record<Tone, string> = {
  error: "bg-red-50 text-red-900 ring-red-200",
  info: "bg-sky-50 text-sky-900 ring-sky-200",
  warning: "bg-amber-50 text-amber-900 ring-amber-200",
  success: "bg-emerald-50 text-emerald-900 ring-emerald-200",
};

/** A message box; errors and warnings are alerts (announced), the rest status notes. */
export function Notice({ tone, title, children, className, id }: { tone: Tone; title?: string; children?: React.ReactNode; className?: string; id?: string }) {
  return (
    <div
      id={id}
      role={tone === "error" || tone === "warning" ? "alert" : "status"}
      className={cn("rounded-md px-4 py-3 text-sm ring-1 ring-inset", TONES[tone], className)}
    >
      {title && <p className="font-semibold">{title}</p>}
      {children && <div className={cn("space-y-1.5", title && "mt-1")}>{children}</div>}
    </div>
  );
}
