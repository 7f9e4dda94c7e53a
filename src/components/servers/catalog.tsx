"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { SCOPES, SERVER_STATUSES, TRANSPORTS, type ServerStatus, type SortField } from "@/server/catalog/model";
import { useCan } from "@/components/shell/session";
import { Button, LinkButton } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { Pager } from "@/components/ui/paged-list";
import { PageHeader } from "@/components/ui/panel";
import { STATUS_DOT } from "@/components/ui/status-badge";
import { useToast } from "@/components/ui/toast";
import { catalogHref, catalogViewFrom, hasFilters, listQueryOf, PAGE_SIZE, RUNTIME_FILTERS, type CatalogView } from "@/lib/catalog-url";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { useInvalidateCatalog } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";
import { BatchDialog } from "@/components/policy/batch-dialog";
import { useInvalidatePolicy } from "@/components/policy/use-previewed-change";
import type { ServerBatchAction } from "@/server/catalog/model";
import { AddServerActions } from "./add-server-actions";
import { RUNTIME_LABELS, SCOPE_LABELS } from "./labels";
import { ServerTable } from "./server-table";

/** Shallow URL updates: Next's router follows them (useSearchParams) without a server round trip. */
function go(view: CatalogView, mode: "push" | "replace" = "push") {
  const href = catalogHref(view);
  if (mode === "push") window.history.pushState(null, "", href);
  else window.history.replaceState(null, "", href);
}

export function Catalog() {
  const trpc = useTRPC();
  const view = catalogViewFrom(useSearchParams());
  const list = useQuery(trpc.catalog.list.queryOptions(listQueryOf(view), { placeholderData: keepPreviousData }));
  const stats = useQuery(trpc.catalog.stats.queryOptions({}));
  // Cursors of the pages before this one, for "Previous"; a reload starts again from page one.
  const [previous, setPrevious] = useState<string[]>([]);
  const canEdit = useCan("editor");
  // Names picked for a bulk action; kept across pages, so a batch can span them.
  const [selected, setSelected] = useState<Set<string>>(() => new Set());

  const filtered = hasFilters(view);
  const change = (patch: Partial<CatalogView>, mode: "push" | "replace" = "push") => {
    setPrevious([]);
    go({ ...view, ...patch, cursor: "" }, mode);
  };
  const clearFilters = () => change({ q: "", status: [], transport: "", runtime: "", scope: "", source: "", category: "" });

  const page = list.data;
  const catalogEmpty = stats.data?.total === 0 || (page?.total === 0 && !filtered);

  return (
    <>
      <PageHeader
        title="Catalog"
        description="Every MCP server the control plane knows. Only active servers reach Obot and the tenants."
        actions={canEdit && <AddServerActions />}
      />

      {catalogEmpty && !list.isPlaceholderData ? (
        <EmptyCatalog />
      ) : (
        <>
          <Filters view={view} onChange={change} onClear={clearFilters} statusCounts={stats.data?.byStatus} categories={stats.data?.categories ?? []} />

          <div className="mb-2 flex items-center justify-between text-sm text-slate-600">
            <p aria-live="polite" aria-atomic>
              {list.isPending ? "Loading servers…" : page ? `${page.total} server${page.total === 1 ? "" : "s"}${filtered ? " match" : ""}` : ""}
            </p>
          </div>

          {list.isError ? (
            <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
              Could not load the catalog: {domainErrorOf(list.error).message}{" "}
              {view.cursor && (
                <button type="button" className="font-medium underline" onClick={() => change({})}>
                  Start from the first page
                </button>
              )}
            </p>
          ) : page && page.items.length === 0 ? (
            <div className="rounded-lg bg-white px-6 py-12 text-center shadow-xs ring-1 ring-slate-200">
              <p className="text-sm font-medium text-slate-900">No servers match these filters.</p>
              <p className="mt-1 text-sm text-slate-600">Try a different search, or clear the filters to see the whole catalog.</p>
              <Button className="mt-4" onClick={clearFilters}>
                Clear filters
              </Button>
            </div>
          ) : page ? (
            <>
              {canEdit && <BulkActions selected={selected} onClear={() => setSelected(new Set())} />}
              <ServerTable
                servers={page.items}
                sort={view.sort}
                order={view.order}
                busy={list.isFetching && list.isPlaceholderData}
                onSort={(sort: SortField, order) => change({ sort, order })}
                selection={canEdit ? { selected, onChange: setSelected } : undefined}
              />
              <Pager
                page={previous.length + 1}
                pageCount={page.nextCursor ? Math.max(previous.length + 2, Math.ceil(page.total / PAGE_SIZE)) : previous.length + 1}
                onPage={(target) => {
                  if (target <= previous.length) {
                    // Cursors go one way: "Previous" takes the cursor of the page before.
                    const before = previous.at(-1) ?? "";
                    setPrevious(previous.slice(0, -1));
                    go({ ...view, cursor: before });
                  } else {
                    setPrevious([...previous, view.cursor]);
                    go({ ...view, cursor: page.nextCursor ?? "" });
                  }
                }}
              />
            </>
          ) : null}
        </>
      )}
    </>
  );
}

function Filters({
  view,
  onChange,
  onClear,
  statusCounts,
  categories,
}: {
  view: CatalogView;
  onChange: (patch: Partial<CatalogView>, mode?: "push" | "replace") => void;
  onClear: () => void;
  statusCounts?: Record<ServerStatus, number>;
  categories: string[];
}) {
  const [q, setQ] = useState(view.q);
  const typed = useRef(false);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  // Follow the URL when it changes from elsewhere (back button, "Clear filters").
  useEffect(() => {
    if (!typed.current) setQ(view.q);
  }, [view.q]);

  useEffect(() => {
    if (!typed.current) return;
    const timer = setTimeout(() => {
      typed.current = false;
      if (q.trim() !== view.q) onChangeRef.current({ q: q.trim() }, "replace");
    }, 300);
    return () => clearTimeout(timer);
  }, [q, view.q]);

  const select = (key: "runtime" | "transport" | "scope" | "source" | "category", label: string, options: { value: string; label: string }[]) => (
    <div>
      <label htmlFor={`filter-${key}`} className="mb-1 block text-xs font-medium text-slate-600">
        {label}
      </label>
      <select id={`filter-${key}`} value={view[key]} onChange={(event) => onChange({ [key]: event.target.value })} className={cn(inputClasses, "py-1")}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <div className="mb-4 space-y-3 rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200">
      <div>
        <label htmlFor="filter-q" className="mb-1 block text-xs font-medium text-slate-600">
          Search
        </label>
        <input
          id="filter-q"
          type="search"
          data-page-search
          aria-keyshortcuts="/"
          value={q}
          placeholder="Name, display name or description"
          onChange={(event) => {
            typed.current = true;
            setQ(event.target.value);
          }}
          className={cn(inputClasses, "py-1")}
        />
      </div>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
        {select(
          "runtime",
          "Runtime",
          RUNTIME_FILTERS.map((r) => ({ value: r, label: RUNTIME_LABELS[r] })),
        )}
        {select(
          "transport",
          "Transport",
          TRANSPORTS.map((t) => ({ value: t, label: t })),
        )}
        {select(
          "scope",
          "Scope",
          SCOPES.map((s) => ({ value: s, label: SCOPE_LABELS[s] })),
        )}
        {select("source", "Source", [{ value: "manual", label: "Manual (not synced)" }])}
        {select(
          "category",
          "Category",
          categories.map((c) => ({ value: c, label: c })),
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <span id="filter-status-label" className="text-xs font-medium text-slate-600">
          Status
        </span>
        <div role="group" aria-labelledby="filter-status-label" className="flex flex-wrap gap-1.5">
          {SERVER_STATUSES.map((status) => {
            const pressed = view.status.includes(status);
            return (
              <button
                key={status}
                type="button"
                aria-pressed={pressed}
                onClick={() => onChange({ status: pressed ? view.status.filter((s) => s !== status) : [...view.status, status] })}
                className={cn(
                  "inline-flex items-center gap-1.5 rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset",
                  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
                  pressed ? "bg-indigo-600 text-white ring-indigo-600" : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50",
                )}
              >
                <span aria-hidden className={cn("size-1.5 rounded-full", STATUS_DOT[status], pressed && "ring-1 ring-white")} />
                {status}
                {statusCounts && <span className={cn("tabular-nums", pressed ? "text-indigo-100" : "text-slate-500")}>{statusCounts[status]}</span>}
              </button>
            );
          })}
        </div>
        {hasFilters(view) && (
          <Button size="sm" variant="ghost" onClick={onClear} className="ml-auto">
            Clear filters
          </Button>
        )}
      </div>
    </div>
  );
}

const BULK: Record<ServerBatchAction, { label: string; done: string; tone: "primary" | "danger"; description: string }> = {
  publish: {
    label: "Publish",
    done: "published",
    tone: "primary",
    description: "Each server enters the Obot feed and the contracts of the tenants its rules grant it to. If one of them cannot be published, none is.",
  },
  disable: {
    label: "Disable",
    done: "disabled",
    tone: "danger",
    description:
      "Each server leaves every feed: Obot removes it from its catalog and shuts down what was deployed from it. If one cannot be disabled, none is.",
  },
  delete: {
    label: "Delete",
    done: "deleted",
    tone: "danger",
    description: "Each server is removed from the catalog for good. Active servers must be disabled first; if one cannot be deleted, none is.",
  },
};

/** What to do with the selected servers: one impact preview for the batch, then one transaction. */
function BulkActions({ selected, onClear }: { selected: ReadonlySet<string>; onClear: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidateCatalog = useInvalidateCatalog();
  const invalidatePolicy = useInvalidatePolicy();
  const batch = useMutation(trpc.catalog.batch.mutationOptions());
  const [action, setAction] = useState<ServerBatchAction | null>(null);
  const names = [...selected];
  if (names.length === 0) return null;
  const count = `${names.length} server${names.length === 1 ? "" : "s"}`;
  return (
    <div
      role="region"
      aria-label="Bulk actions"
      className="mb-2 flex flex-wrap items-center gap-2 rounded-lg bg-indigo-50 px-4 py-2 text-sm ring-1 ring-indigo-200"
    >
      <p className="font-medium text-indigo-900">{count} selected</p>
      <div className="flex flex-wrap gap-2 sm:ml-auto">
        {(Object.keys(BULK) as ServerBatchAction[]).map((key) => (
          <Button key={key} size="sm" variant={BULK[key].tone === "danger" ? "danger" : "primary"} onClick={() => setAction(key)}>
            {BULK[key].label} selected
          </Button>
        ))}
        <Button size="sm" variant="ghost" onClick={onClear}>
          Clear selection
        </Button>
      </div>
      {action && (
        <BatchDialog
          title={`${BULK[action].label} ${count}?`}
          description={
            <>
              <p>{BULK[action].description}</p>
              <p className="font-mono text-xs">{names.join(", ")}</p>
            </>
          }
          confirmLabel={`${BULK[action].label} ${count}`}
          tone={BULK[action].tone}
          run={(dryRun) => batch.mutateAsync({ batch: { action, names }, dryRun })}
          onClose={() => setAction(null)}
          onDone={() => {
            toast(`${count} ${BULK[action].done}.`);
            setAction(null);
            onClear();
            void Promise.all([invalidateCatalog(), invalidatePolicy()]);
          }}
        />
      )}
    </div>
  );
}

function EmptyCatalog() {
  const canEdit = useCan("editor");
  if (!canEdit) {
    return (
      <div className="rounded-lg bg-white px-6 py-14 text-center shadow-xs ring-1 ring-slate-200">
        <h2 className="text-base font-semibold text-slate-900">The catalog is empty</h2>
        <p className="mx-auto mt-2 max-w-xl text-sm text-slate-600">
          The catalog lists the MCP servers tenants may use. Nobody has added one yet; editors and admins can create, import or load demo servers, and they will
          show up here.
        </p>
      </div>
    );
  }
  return <EmptyCatalogActions />;
}

function EmptyCatalogActions() {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateCatalog();
  const loadDemo = useMutation(
    trpc.catalog.loadDemo.mutationOptions({
      onSuccess: async (result) => {
        await invalidate();
        toast(`Loaded the demo catalog: ${result.created.length} servers created.`);
      },
    }),
  );

  return (
    <div className="rounded-lg bg-white px-6 py-14 text-center shadow-xs ring-1 ring-slate-200">
      <h2 className="text-base font-semibold text-slate-900">The catalog is empty</h2>
      <p className="mx-auto mt-2 max-w-xl text-sm text-slate-600">
        The catalog lists the MCP servers tenants may use. Create one by hand, import Obot catalog entries or server.json documents, or load a demo catalog with
        a dozen example servers to look around. New servers start as drafts: Obot only sees a server once you publish it.
      </p>
      <div className="mt-6 flex flex-wrap justify-center gap-3">
        <LinkButton href="/servers/new" variant="primary">
          Create server
        </LinkButton>
        <LinkButton href="/import">Import</LinkButton>
        <Button onClick={() => loadDemo.mutate({})} disabled={loadDemo.isPending}>
          {loadDemo.isPending ? "Loading the demo catalog…" : "Load demo catalog"}
        </Button>
      </div>
      {loadDemo.isError && (
        <p role="alert" className="mt-4 text-sm text-red-700">
          Could not load the demo catalog: {domainErrorOf(loadDemo.error).message}
        </p>
      )}
    </div>
  );
}
