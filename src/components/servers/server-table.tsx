"use client";

import { createColumnHelper, rowSortingFeature, tableFeatures, useTable, type SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { McpServer, SortField } from "@/server/catalog/model";
import { RelativeTime } from "@/components/ui/relative-time";
import { tableClasses } from "@/components/ui/states";
import { StatusBadge, Tag } from "@/components/ui/status-badge";
import { cn } from "@/lib/cn";
import { runtimeLabel, SCOPE_LABELS } from "./labels";

const features = tableFeatures({ rowSortingFeature });
const column = createColumnHelper<typeof features, McpServer>();

const columns = column.columns([
  column.accessor("name", {
    header: "Name",
    cell: (info) => (
      <Link
        href={`/servers/${info.getValue()}`}
        className="whitespace-nowrap rounded font-mono text-[13px] font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
      >
        {info.getValue()}
      </Link>
    ),
  }),
  column.accessor("displayName", { header: "Display name", cell: (info) => <span className="text-slate-900">{info.getValue()}</span> }),
  column.accessor("status", { header: "Status", cell: (info) => <StatusBadge status={info.getValue()} /> }),
  column.accessor((server) => runtimeLabel(server), { id: "runtime", header: "Runtime", enableSorting: false }),
  column.accessor("transport", {
    header: "Transport",
    enableSorting: false,
    cell: (info) => <span className="whitespace-nowrap">{info.getValue()}</span>,
  }),
  column.accessor("scope", { header: "Scope", enableSorting: false, cell: (info) => SCOPE_LABELS[info.getValue()] }),
  column.accessor("categories", {
    header: "Categories",
    enableSorting: false,
    cell: (info) => (
      <span className="flex flex-wrap gap-1">
        {info.getValue().map((c) => (
          <Tag key={c}>{c}</Tag>
        ))}
      </span>
    ),
  }),
  column.accessor("updatedAt", {
    header: "Updated",
    sortDescFirst: true,
    cell: (info) => <RelativeTime iso={info.getValue()} className="whitespace-nowrap text-slate-600" />,
  }),
]);

/** Rows picked for a bulk action: names, kept by the page across re-renders. */
export interface Selection {
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
}

/** The catalog page: rows are already filtered, sorted and paged by the server; with a selection, each row has a checkbox. */
export function ServerTable({
  servers,
  sort,
  order,
  onSort,
  busy,
  selection,
}: {
  servers: McpServer[];
  sort: SortField;
  order: "asc" | "desc";
  onSort: (sort: SortField, order: "asc" | "desc") => void;
  busy: boolean;
  selection?: Selection;
}) {
  const router = useRouter();
  const sorting: SortingState = [{ id: sort, desc: order === "desc" }];
  const table = useTable({
    features,
    columns,
    data: servers,
    getRowId: (row) => row.name,
    state: { sorting },
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      if (first) onSort(first.id as SortField, first.desc ? "desc" : "asc");
    },
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
  });

  return (
    <div className={tableClasses.frame}>
      <table className={cn("min-w-full text-left text-sm", busy && "opacity-60 transition-opacity")} aria-busy={busy}>
        <caption className="sr-only">MCP servers in the catalog. Column headers with buttons sort the table.</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {selection && (
                <th scope="col" className="w-10 px-4 py-2.5">
                  <SelectAll names={servers.map((s) => s.name)} selection={selection} />
                </th>
              )}
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className="whitespace-nowrap px-4 py-2.5 font-semibold"
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                  >
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        onClick={header.column.getToggleSortingHandler()}
                        className="-mx-1 inline-flex items-center gap-1 rounded px-1 uppercase hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
                      >
                        <table.FlexRender header={header} />
                        <span aria-hidden className={cn("text-[10px]", !sorted && "text-slate-300")}>
                          {sorted === "desc" ? "▼" : "▲"}
                        </span>
                      </button>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody className="divide-y divide-slate-100">
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              className="cursor-pointer hover:bg-slate-50"
              onClick={(event) => {
                if ((event.target as HTMLElement).closest("a, button, input, label")) return;
                router.push(`/servers/${row.original.name}`);
              }}
            >
              {selection && (
                <td className="w-10 px-4 py-2.5 align-middle">
                  <input
                    type="checkbox"
                    aria-label={`Select ${row.original.name}`}
                    checked={selection.selected.has(row.original.name)}
                    onChange={(event) => {
                      const next = new Set(selection.selected);
                      if (event.target.checked) next.add(row.original.name);
                      else next.delete(row.original.name);
                      selection.onChange(next);
                    }}
                    className="size-4 accent-indigo-600"
                  />
                </td>
              )}
              {row.getAllCells().map((cell) => (
                <td key={cell.id} className="px-4 py-2.5 align-middle text-slate-700">
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SelectAll({ names, selection }: { names: string[]; selection: Selection }) {
  const picked = names.filter((name) => selection.selected.has(name)).length;
  return (
    <input
      type="checkbox"
      aria-label="Select every server on this page"
      checked={picked > 0 && picked === names.length}
      ref={(box) => {
        if (box) box.indeterminate = picked > 0 && picked < names.length;
      }}
      onChange={(event) => {
        const next = new Set(selection.selected);
        for (const name of names) {
          if (event.target.checked) next.add(name);
          else next.delete(name);
        }
        selection.onChange(next);
      }}
      className="size-4 accent-indigo-600"
    />
  );
}
