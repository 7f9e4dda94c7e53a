import { Tag } from "@/components/ui/status-badge";

/** Labels, groups or patterns as small tags, or a dash when there are none. */
export function TagList({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {items.map((item) => (
        <Tag key={item} className="font-mono">
          {item}
        </Tag>
      ))}
    </span>
  );
}
