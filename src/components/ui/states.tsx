import Link from "next/link";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";

/** A query in flight: one line, announced politely, the same on every page. */
export function Loading({ what }: { what?: string }) {
  return (
    <p className="text-sm text-slate-500" role="status">
      {what ? `Loading ${what}…` : "Loading…"}
    </p>
  );
}

const ALERT = "rounded-md bg-red-50 px-4 py-3 text-sm text-red-800";

/** A list or panel that could not load. */
export function LoadError({ what, error }: { what: string; error: unknown }) {
  return (
    <p role="alert" className={ALERT}>
      Could not load {what}: {domainErrorOf(error).message}
    </p>
  );
}

/** A page's main query that failed: what was not found or why it could not load, and a way back. */
export function QueryError({ error, what, back }: { error: unknown; what: string; back: { href: string; label: string } }) {
  const info = domainErrorOf(error);
  return (
    <div role="alert" className={ALERT}>
      {info.code === "NOT_FOUND" ? `${what} does not exist (any more).` : `Could not load ${what}: ${info.message}`}{" "}
      <Link href={back.href} className="font-medium underline">
        {back.label}
      </Link>
    </div>
  );
}

/** An error of a form or dialog as a whole (not of one field); nothing when there is none. */
export function FormAlert({ message, className }: { message?: string | null; className?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className={cn("rounded-md bg-red-50 px-3 py-2 text-sm text-red-800", className)}>
      {message}
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
  // relative: an sr-only header (absolutely positioned) stays inside the scrolling frame instead of widening the page.
  frame: "relative overflow-x-auto rounded-lg bg-white shadow-xs ring-1 ring-slate-200",
  table: "min-w-full text-left text-sm",
  head: "whitespace-nowrap border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600",
  th: "px-3 py-2.5",
  td: "px-3 py-3 align-top",
  /** A roomier header for tables with few columns, whose labels may wrap. */
  roomyHead: "border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600",
  roomyTh: "px-4 py-2.5",
};

/** A table header cell's label, or `srOnly` for a column read out but not shown (the row actions); `right` aligns it right. */
export type Column = string | { label: string; srOnly?: boolean; right?: boolean };

interface TableParts {
  /** Read out by screen readers, not shown. */
  caption?: string;
  /** The header row; `false` leaves a column out. */
  columns: readonly (Column | false)[];
  /** The header's and its cells' classes. */
  head?: string;
  th?: string;
  /** The body rows. */
  children: React.ReactNode;
}

function HeadedTable({ caption, columns, head = tableClasses.head, th = tableClasses.th, children }: TableParts) {
  return (
    <table className={tableClasses.table}>
      {caption && <caption className="sr-only">{caption}</caption>}
      <thead className={head}>
        <tr>
          {columns.map((column) => {
            if (column === false) return null;
            const { label, srOnly = false, right = false } = typeof column === "string" ? { label: column } : column;
            return (
              <th key={label} scope="col" className={right ? `${th} text-right` : th}>
                {srOnly ? <span className="sr-only">{label}</span> : label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">{children}</tbody>
    </table>
  );
}

/** A table in its own frame, with a header row (compact unless `head` and `th` say otherwise); `busy` dims it while its next page loads. */
export function FramedTable({ busy, ...props }: TableParts & { caption: string; busy?: boolean }) {
  return (
    <div className={cn(tableClasses.frame, busy && "opacity-60 transition-opacity")} aria-busy={busy || undefined}>
      <HeadedTable {...props} />
    </div>
  );
}

/** The 404 of a detail page: what was not found, why that may be, and the way back (first action primary). */
export function NotFoundCard({ title, children, actions }: { title: string; children: React.ReactNode; actions: React.ReactNode }) {
  return (
    <div className="rounded-lg bg-white px-6 py-14 text-center shadow-xs ring-1 ring-slate-200">
      <p className="text-sm font-semibold text-indigo-700">404</p>
      <h1 className="mt-1 text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">{children}</p>
      <div className="mt-6 flex justify-center gap-3">{actions}</div>
    </div>
  );
}

/**
 * A table flush inside a Panel (bodyClassName="p-0"): its cells line up with the panel's title
 * (px-5), and it scrolls sideways on its own when narrow. `children` are the body rows.
 */
export function PanelTable({ caption, headers, children }: { caption?: string; headers: readonly string[]; children: React.ReactNode }) {
  return (
    <div className="relative overflow-x-auto">
      <HeadedTable caption={caption} columns={headers} th="px-5 py-2.5">
        {children}
      </HeadedTable>
    </div>
  );
}
