import Link from "next/link";
import { Tag } from "@/components/ui/status-badge";

/** Labels, groups or patterns as small tags, or a dash when there are none; with `hrefOf`, each tag links to its page. */
export function TagList({ items, hrefOf }: { items: readonly string[]; hrefOf?: (item: string) => string }) {
  if (items.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {items.map((item) =>
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
export const groupHref = (name: string) => `/groups#group-${name}`;
