import Link from "next/link";
import { Tag } from "@/components/ui/status-badge";

/**
 * Labels, groups or patterns as small tags, or a dash when there are none; with `hrefOf`, each tag
 * links to its page. With `max`, only that many show, then "+N more" (a link with `moreHref`).
 */
export function TagList({ items, hrefOf, max, moreHref }: { items: readonly string[]; hrefOf?: (item: string) => string; max?: number; moreHref?: string }) {
  if (items.length === 0) return <span className="text-slate-400">—</span>;
  const shown = max === undefined ? items : items.slice(0, max);
  const more = items.length - shown.length;
  return (
    <span className="flex flex-wrap gap-1">
      {more > 0 &&
        (moreHref ? (
          <Link href={moreHref} className="order-last px-1.5 py-0.5 text-xs text-indigo-700 hover:underline">
            +{more} more
          </Link>
        ) : (
          <span className="order-last px-1.5 py-0.5 text-xs text-slate-500">+{more} more</span>
        ))}
      {shown.map((item) =>
        hrefOf ? (
          // Not <Tag>: its slate text colour would win over the link's (clsx does not merge classes).
          <Link
            key={item}
            href={hrefOf(item)}
            className="inline-flex items-center rounded bg-indigo-50 px-1.5 py-0.5 font-mono text-xs text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
          >
            {item}
          </Link>
        ) : (
          <Tag key={item} className="font-mono">
            {item}
          </Tag>
        ),
      )}
    </span>
  );
}

export const tenantHref = (name: string) => `/tenants/${name}`;
/** The groups list is paged: search for the group, and jump to its row. */
export const groupHref = (name: string) => `/groups?q=${encodeURIComponent(name)}#group-${name}`;
