"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useVirtualizer, type VirtualItem } from "@tanstack/react-virtual";
import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import type { AccessMatrix } from "@/server/snapshot/reads";
import { FieldError, inputClasses } from "@/components/ui/field";
import { useDebouncedValue } from "@/components/ui/paged-list";
import { PageHeader } from "@/components/ui/panel";
import { EmptyState, LoadError, Loading } from "@/components/ui/states";
import { cn } from "@/lib/cn";
import { labelFilterOf, matrixColumnsMatching, matrixSearchOf, type MatrixFilters as Filters } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { ExplanationDialog } from "./explanation";
import { TIERS, TierLegend, tierOf } from "./tier";

const CELL = 32;
const NAME_WIDTH = 220;
const HEADER_HEIGHT = 128;
const MATRIX_DEBOUNCE_MS = 120;

/** Only the filters in use, so the unfiltered query matches the one the page prefetched. */
function matrixQueryOf(filters: Filters, label: string | undefined) {
  return {
    ...(filters.group ? { group: filters.group } : {}),
    ...(label ? { label } : {}),
    ...(filters.tenant.trim() ? { q: filters.tenant.trim() } : {}),
  };
}

/**
 * The filters live in the URL (`?group=…&label=…&tenant=…&server=…`): other pages link to a slice of
 * the matrix, and the slice an admin is looking at can be shared or reloaded.
 */
export function AccessMatrixPage({ initial }: { initial: Filters }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(initial);
  // Typing asks the server once it pauses; the grid renders the answer at low priority.
  const deferred = useDeferredValue(useDebouncedValue(filters, MATRIX_DEBOUNCE_MS));
  useEffect(() => {
    const search = matrixSearchOf(deferred);
    if (search !== window.location.search) window.history.replaceState(null, "", `${window.location.pathname}${search}`);
  }, [deferred]);
  const label = labelFilterOf(deferred.label);
  // A server expanded into its tools (DESIGN §11): a column per tool, decided per tool.
  const [expand, setExpand] = useState<string | null>(null);
  const matrix = useQuery(
    trpc.policy.matrix.queryOptions({ ...matrixQueryOf(deferred, label ?? undefined), ...(expand ? { expand } : {}) }, { placeholderData: keepPreviousData }),
  );
  const [explaining, setExplaining] = useState<OpenCell | null>(null);

  return (
    <>
      <PageHeader
        title="Access matrix"
        description="Every tenant × every active server: who may use what, and which tier decided it. Open a cell for the reason."
      />
      <MatrixFilters filters={filters} onChange={setFilters} labelInvalid={labelFilterOf(filters.label) === null} />
      <div className="mb-3">
        <TierLegend />
      </div>
      {matrix.isPending ? (
        <Loading what="the matrix" />
      ) : matrix.isError ? (
        <LoadError what="the access matrix" error={matrix.error} />
      ) : (
        <MatrixBody
          matrix={narrowedWhileStale(matrix.data, filters, deferred, matrix.isPlaceholderData)}
          serverText={filters.server}
          busy={matrix.isPlaceholderData}
          onOpen={setExplaining}
          expanded={expand}
          onExpand={(server) => setExpand((current) => (current === server ? null : server))}
        />
      )}
      {explaining && <ExplanationDialog tenant={explaining.tenant} server={explaining.server} tool={explaining.tool} onClose={() => setExplaining(null)} />}
    </>
  );
}

/**
 * While the server has not answered for the tenant text typed (debounce, request), the rows it
 * answered last narrowed to tenant names containing that text: what the answer will hold at least
 * (the server also matches teams), shown at once. Only the text may differ: another group or label
 * needs the server's answer.
 */
function narrowedWhileStale(matrix: AccessMatrix, live: Filters, asked: Filters, fetching: boolean): AccessMatrix {
  const stale = fetching || live !== asked;
  const text = live.tenant.trim().toLowerCase();
  if (!stale || !text || live.group !== asked.group || live.label !== asked.label) return matrix;
  const rows = matrix.rows.filter((row) => row.tenant.includes(text));
  return { ...matrix, rows, totalTenants: rows.length };
}

interface OpenCell {
  tenant: string;
  server: string;
  tool?: string;
}

function MatrixBody({
  matrix,
  serverText,
  busy,
  onOpen,
  expanded,
  onExpand,
}: {
  matrix: AccessMatrix;
  serverText: string;
  busy: boolean;
  onOpen: (cell: OpenCell) => void;
  expanded: string | null;
  onExpand: (server: string) => void;
}) {
  const columns = useMemo(() => matrixColumnsMatching(matrix.servers, serverText), [matrix.servers, serverText]);
  if (matrix.servers.length === 0)
    return <EmptyState title="No active servers">Publish servers in the catalog; only active servers can be granted.</EmptyState>;
  if (matrix.totalTenants === 0) return <EmptyState title="No tenants match">Clear the filters, or create tenants first.</EmptyState>;
  if (columns.length === 0) return <EmptyState title="No server matches the server filter" />;
  return (
    <>
      <p aria-live="polite" className={cn("mb-2 text-sm text-slate-600", busy && "opacity-60")}>
        {matrix.rows.length} tenant{matrix.rows.length === 1 ? "" : "s"} × {columns.length} server{columns.length === 1 ? "" : "s"}
        {matrix.rows.length < matrix.totalTenants && ` (first ${matrix.rows.length} of ${matrix.totalTenants}; filter to see the rest)`}. Arrow keys move
        between cells, Enter explains one; a server&apos;s ▸ shows its tools.
        {expanded && !matrix.servers.some((s) => s.server === expanded) && ` ${expanded} has no known tools.`}
      </p>
      <MatrixGrid matrix={matrix} columns={columns} onOpen={onOpen} expanded={expanded} onExpand={onExpand} />
    </>
  );
}

function MatrixFilters({ filters, onChange, labelInvalid }: { filters: Filters; onChange: (filters: Filters) => void; labelInvalid: boolean }) {
  const trpc = useTRPC();
  const groups = useQuery(trpc.groups.list.queryOptions());
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  return (
    <div role="search" aria-label="Filter the matrix" className="mb-4 flex flex-wrap items-start gap-3">
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Group</span>
        <select value={filters.group} onChange={(e) => set({ group: e.target.value })} className={inputClasses}>
          <option value="">All tenants</option>
          {groups.data?.map((g) => (
            <option key={g.name} value={g.name}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <div className="text-sm">
        <label htmlFor="matrix-label" className="mb-1 block font-medium text-slate-800">
          Label
        </label>
        <input
          id="matrix-label"
          value={filters.label}
          onChange={(e) => set({ label: e.target.value })}
          placeholder="team=payments"
          aria-invalid={labelInvalid || undefined}
          aria-describedby={labelInvalid ? "matrix-label-error" : undefined}
          className={inputClasses}
        />
        <FieldError id="matrix-label" message={labelInvalid ? "Write the label as key=value." : undefined} />
      </div>
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Tenant</span>
        <input type="search" value={filters.tenant} onChange={(e) => set({ tenant: e.target.value })} placeholder="name or team" className={inputClasses} />
      </label>
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Server</span>
        <input type="search" value={filters.server} onChange={(e) => set({ server: e.target.value })} placeholder="part of a name" className={inputClasses} />
      </label>
    </div>
  );
}

const MOVES: Record<string, (cell: Cell, rows: number, cols: number, page: number) => Cell> = {
  ArrowUp: ({ row, col }) => ({ row: row - 1, col }),
  ArrowDown: ({ row, col }) => ({ row: row + 1, col }),
  ArrowLeft: ({ row, col }) => ({ row, col: col - 1 }),
  ArrowRight: ({ row, col }) => ({ row, col: col + 1 }),
  Home: ({ row }) => ({ row, col: 0 }),
  End: ({ row }, _rows, cols) => ({ row, col: cols - 1 }),
  PageUp: ({ row, col }, _rows, _cols, page) => ({ row: row - page, col }),
  PageDown: ({ row, col }, _rows, _cols, page) => ({ row: row + page, col }),
};

interface Cell {
  row: number;
  col: number;
}

const clamp = (value: number, max: number) => Math.max(0, Math.min(max, value));

function cellOf(target: EventTarget): Cell | null {
  const attribute = (target as HTMLElement).closest?.("[data-cell]")?.getAttribute("data-cell");
  if (!attribute) return null;
  const [row, col] = attribute.split(":").map(Number);
  return { row: row!, col: col! };
}

/**
 * The grid, virtualized both ways (only the cells in view exist in the DOM) with the server row
 * and the tenant column sticky. One cell is in the tab order and arrow keys move it (the WAI-ARIA
 * grid pattern). Cells carry no handlers of their own: the grid handles clicks, keys and focus
 * for all of them, which keeps each scroll frame cheap.
 */
function MatrixGrid({
  matrix,
  columns,
  onOpen,
  expanded,
  onExpand,
}: {
  matrix: AccessMatrix;
  columns: number[];
  onOpen: (cell: OpenCell) => void;
  expanded: string | null;
  onExpand: (server: string) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The warning concerns the React Compiler, which this app does not use.
  // eslint-disable-next-line react-hooks/incompatible-library
  const rows = useVirtualizer({
    count: matrix.rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    overscan: 3,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL,
    paddingStart: NAME_WIDTH,
    scrollPaddingStart: NAME_WIDTH,
    overscan: 2,
  });
  const [active, setActive] = useState<Cell>({ row: 0, col: 0 });
  const moved = useRef(false);
  const current = { row: clamp(active.row, matrix.rows.length - 1), col: clamp(active.col, columns.length - 1) };

  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    const id = requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-cell="${current.row}:${current.col}"]`)?.focus());
    return () => cancelAnimationFrame(id);
  });

  const open = (cell: Cell) => {
    const column = matrix.servers[columns[cell.col]!]!;
    onOpen({ tenant: matrix.rows[cell.row]!.tenant, server: column.server ?? column.name, ...(column.tool ? { tool: column.tool } : {}) });
  };

  function onKeyDown(event: React.KeyboardEvent) {
    const cell = cellOf(event.target);
    if (cell && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      return open(cell);
    }
    const move = MOVES[event.key];
    if (!move) return;
    event.preventDefault();
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / CELL) - 4);
    const next = move(current, matrix.rows.length, columns.length, page);
    const target = { row: clamp(next.row, matrix.rows.length - 1), col: clamp(next.col, columns.length - 1) };
    rows.scrollToIndex(target.row);
    cols.scrollToIndex(target.col);
    moved.current = true;
    setActive(target);
  }

  const width = cols.getTotalSize();
  const virtualCols = cols.getVirtualItems();
  return (
    <div
      ref={scrollRef}
      role="grid"
      aria-label="Access matrix"
      aria-rowcount={matrix.rows.length + 1}
      aria-colcount={columns.length + 1}
      onKeyDown={onKeyDown}
      onClick={(event) => {
        const toggle = (event.target as HTMLElement).closest?.("[data-expand]")?.getAttribute("data-expand");
        if (toggle) return onExpand(toggle);
        const cell = cellOf(event.target);
        if (cell) open(cell);
      }}
      onFocus={(event) => {
        const cell = cellOf(event.target);
        if (cell) setActive(cell);
      }}
      className="relative h-[70vh] min-h-80 overflow-auto rounded-lg bg-white shadow-xs ring-1 ring-slate-200"
    >
      <div className="relative" style={{ width, height: rows.getTotalSize() }}>
        <div role="row" aria-rowindex={1} className="sticky top-0 z-20 border-b border-slate-200 bg-slate-50" style={{ width, height: HEADER_HEIGHT }}>
          <div
            role="columnheader"
            aria-colindex={1}
            className="sticky left-0 z-30 flex h-full items-end border-r border-slate-200 bg-slate-50 px-3 pb-2 text-xs font-semibold uppercase tracking-wide text-slate-600"
            style={{ width: NAME_WIDTH }}
          >
            Tenant
          </div>
          {virtualCols.map((col) => {
            const server = matrix.servers[columns[col.index]!]!;
            return (
              <div
                key={col.key}
                role="columnheader"
                aria-colindex={col.index + 2}
                title={`${server.name} (${server.scope})`}
                className={cn("absolute top-0 flex flex-col items-center justify-end gap-1 pb-2", server.tool && "bg-indigo-50/60")}
                style={{ left: col.start, width: CELL, height: HEADER_HEIGHT }}
              >
                {server.tool ? (
                  <span className="max-h-full truncate font-mono text-xs text-indigo-800 [writing-mode:vertical-rl] rotate-180">{server.tool}</span>
                ) : (
                  <>
                    <Link
                      href={`/servers/${server.name}`}
                      tabIndex={-1}
                      className="max-h-full min-h-0 truncate font-mono text-xs text-slate-700 [writing-mode:vertical-rl] rotate-180 hover:text-indigo-700 hover:underline"
                    >
                      {server.name}
                    </Link>
                    <button
                      type="button"
                      data-expand={server.name}
                      aria-expanded={expanded === server.name}
                      aria-label={`${expanded === server.name ? "Hide" : "Show"} the tools of ${server.name}`}
                      className="rounded text-xs leading-none text-slate-500 hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-600"
                    >
                      {expanded === server.name ? "▾" : "▸"}
                    </button>
                  </>
                )}
              </div>
            );
          })}
        </div>
        {rows.getVirtualItems().map((row) => (
          <MatrixRow
            key={row.key}
            index={row.index}
            top={row.start}
            width={width}
            tenant={matrix.rows[row.index]!.tenant}
            tiers={matrix.rows[row.index]!.tiers}
            servers={matrix.servers}
            columns={columns}
            virtualCols={virtualCols}
            activeCol={current.row === row.index ? current.col : -1}
          />
        ))}
      </div>
    </div>
  );
}

interface MatrixRowProps {
  index: number;
  top: number;
  width: number;
  tenant: string;
  tiers: string;
  servers: AccessMatrix["servers"];
  columns: number[];
  virtualCols: VirtualItem[];
  /** The column of the cell in the tab order, when it is in this row; else -1. */
  activeCol: number;
}

/** Same visible columns: a row scrolled vertically into a new position need not render its cells again. */
const sameColumns = (a: VirtualItem[], b: VirtualItem[]) =>
  a.length === b.length && a[0]?.index === b[0]?.index && a[0]?.start === b[0]?.start && a.at(-1)?.index === b.at(-1)?.index;

const MatrixRow = memo(
  function MatrixRow({ index, top, width, tenant, tiers, servers, columns, virtualCols, activeCol }: MatrixRowProps) {
    return (
      <div role="row" aria-rowindex={index + 2} className="absolute left-0 border-b border-slate-100" style={{ top, width, height: CELL }}>
        <div
          role="rowheader"
          aria-colindex={1}
          className="sticky left-0 z-10 flex h-full items-center truncate border-r border-slate-200 bg-white px-3 font-mono text-xs text-slate-800"
          style={{ width: NAME_WIDTH }}
          title={tenant}
        >
          {/* Out of the tab order: the grid keeps one tab stop, its cells; the tenant's page is a click away. */}
          <Link href={`/tenants/${tenant}`} tabIndex={-1} className="truncate hover:text-indigo-700 hover:underline">
            {tenant}
          </Link>
        </div>
        {virtualCols.map((col) => {
          const server = servers[columns[col.index]!]!.name;
          const tier = tierOf(tiers[columns[col.index]!]!);
          const style = TIERS[tier];
          return (
            <div
              key={col.key}
              role="gridcell"
              aria-colindex={col.index + 2}
              aria-label={`${tenant} × ${server}: ${style.decision}, ${style.name}`}
              data-cell={`${index}:${col.index}`}
              data-tier={tier}
              tabIndex={activeCol === col.index ? 0 : -1}
              className={cn(
                "absolute top-0.5 flex size-7 cursor-pointer select-none items-center justify-center rounded-sm text-[11px] font-bold",
                "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-600",
                style.cell,
              )}
              style={{ left: col.start + 2 }}
            >
              {style.decision === "allow" ? "✓" : "✕"}
            </div>
          );
        })}
      </div>
    );
  },
  (a, b) =>
    a.index === b.index &&
    a.top === b.top &&
    a.width === b.width &&
    a.tiers === b.tiers &&
    a.tenant === b.tenant &&
    a.activeCol === b.activeCol &&
    a.servers === b.servers &&
    a.columns === b.columns &&
    sameColumns(a.virtualCols, b.virtualCols),
);
