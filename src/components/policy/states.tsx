import { domainErrorOf } from "@/lib/domain-error";

export function LoadError({ what, error }: { what: string; error: unknown }) {
  return (
    <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
      Could not load {what}: {domainErrorOf(error).message}
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg bg-white px-6 py-12 text-center shadow-xs ring-1 ring-slate-200">
      <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
      {children && <div className="mx-auto mt-2 max-w-xl text-sm text-slate-600">{children}</div>}
    </div>
  );
}

export const tableClasses = {
  frame: "overflow-x-auto rounded-lg bg-white shadow-xs ring-1 ring-slate-200",
  table: "min-w-full text-left text-sm",
  head: "whitespace-nowrap border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600",
  th: "px-3 py-2.5",
  td: "px-3 py-3 align-top",
};
