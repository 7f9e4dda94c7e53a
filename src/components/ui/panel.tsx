import Link from "next/link";
import { cn } from "@/lib/cn";

export function Panel({
  title,
  actions,
  children,
  className,
  bodyClassName,
}: {
  title?: React.ReactNode;
  actions?: React.ReactNode;
  children: React.ReactNode;
  className?: string;
  bodyClassName?: string;
}) {
  return (
    <section className={cn("rounded-lg bg-white shadow-xs ring-1 ring-slate-200", className)}>
      {(title || actions) && (
        <header className="flex items-center justify-between gap-4 border-b border-slate-200 px-5 py-3">
          {title && <h2 className="text-sm font-semibold text-slate-900">{title}</h2>}
          {actions && <div className="flex items-center gap-2">{actions}</div>}
        </header>
      )}
      {/* bodyClassName replaces the default padding: clsx does not merge, and Tailwind orders p-0 before px-5. */}
      <div className={bodyClassName ?? "px-5 py-4"}>{children}</div>
    </section>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  children,
}: {
  title: React.ReactNode;
  description?: React.ReactNode;
  actions?: React.ReactNode;
  children?: React.ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0 flex-1 basis-md">
        <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
        {description && <div className="mt-1 text-sm text-slate-600">{description}</div>}
        {children}
      </div>
      {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

/** Definition list rows: term on the left, value on the right. */
export function Details({ items }: { items: [React.ReactNode, React.ReactNode][] }) {
  return (
    <dl className="divide-y divide-slate-100 text-sm">
      {items.map(([term, value], i) => (
        <div key={i} className="grid grid-cols-[minmax(6rem,10rem)_1fr] gap-4 py-2">
          <dt className="text-slate-500">{term}</dt>
          <dd className="min-w-0 break-words text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The head of a detail page: a breadcrumb back to its list, the title (with a badge), and the page's actions. */
export function DetailHeader({
  crumbs,
  current,
  title,
  badge,
  actions,
  children,
}: {
  crumbs: { href: string; label: React.ReactNode }[];
  current: React.ReactNode;
  title: React.ReactNode;
  badge?: React.ReactNode;
  actions?: React.ReactNode;
  children?: React.ReactNode;
}) {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-500">
        {crumbs.map((crumb, i) => (
          <span key={i}>
            <Link href={crumb.href} className="hover:text-slate-800 hover:underline">
              {crumb.label}
            </Link>{" "}
            /{" "}
          </span>
        ))}
        <span aria-current="page" className="text-slate-700">
          {current}
        </span>
      </nav>
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 flex-1 basis-md">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
            {badge}
          </div>
          {children}
        </div>
        {actions}
      </div>
    </>
  );
}
