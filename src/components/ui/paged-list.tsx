"use client";

import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";
import { listHref, listViewFrom, pageCountOf, type ListSpec, type ListView } from "@/lib/list-url";

/**
 * A paged list's view from the URL, and a way to change it. Changes are shallow URL updates:
 * Next's router follows them (useSearchParams) without a server round trip, and the list's query
 * (keyed by the view) fetches the page. A filter or sort change goes back to page one.
 */
export function useListView<S extends string, F extends string>(spec: ListSpec<S, F>) {
  const view = listViewFrom(spec, useSearchParams());
  const change = (patch: Partial<Omit<ListView<S, F>, "filters">> & { filters?: Partial<Record<F, string>> }, mode: "push" | "replace" = "push") => {
    const next: ListView<S, F> = { ...view, page: 1, ...patch, filters: { ...view.filters, ...patch.filters } };
    const href = listHref(spec, next);
    if (mode === "push") window.history.pushState(null, "", href);
    else window.history.replaceState(null, "", href);
  };
  return { view, change };
}

/**
 * A search box that follows the URL's value and reports what was typed once typing pauses
 * (`delayMs`), so each key does not cost a request and a render of the list.
 */
export function SearchBox({
  value,
  onSearch,
  label,
  placeholder,
  id,
  delayMs = 150,
  className,
}: {
  value: string;
  onSearch: (text: string) => void;
  label: string;
  placeholder?: string;
  id: string;
  delayMs?: number;
  className?: string;
}) {
  const [text, setText] = useState(value);
  const typed = useRef(false);
  const onSearchRef = useRef(onSearch);
  useEffect(() => {
    onSearchRef.current = onSearch;
  });
  // Follow the URL when it changes from elsewhere (back button, "Clear filters").
  useEffect(() => {
    if (!typed.current) setText(value);
  }, [value]);
  useEffect(() => {
    if (!typed.current) return;
    const timer = setTimeout(() => {
      typed.current = false;
      if (text.trim() !== value) onSearchRef.current(text.trim());
    }, delayMs);
    return () => clearTimeout(timer);
  }, [text, value, delayMs]);
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder}
        onChange={(event) => {
          typed.current = true;
          setText(event.target.value);
        }}
        className={inputClasses}
      />
    </div>
  );
}

/** "Page 2 of 7" with Previous and Next; nothing when everything fits on one page. */
export function Pager({ page, pageCount, onPage, label = "Pagination" }: { page: number; pageCount: number; onPage: (page: number) => void; label?: string }) {
  if (pageCount <= 1 && page <= 1) return null;
  return (
    <nav aria-label={label} className="mt-3 flex items-center justify-between text-sm">
      <p className="text-slate-600">
        Page {page} of {Math.max(page, pageCount)}
      </p>
      <div className="flex gap-2">
        <Button size="sm" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          ← Previous
        </Button>
        <Button size="sm" disabled={page >= pageCount} onClick={() => onPage(page + 1)}>
          Next →
        </Button>
      </div>
    </nav>
  );
}

/** How many of how many match, announced politely as it changes. */
export function ListCount({ shown, total, noun, busy }: { shown: number; total: number; noun: string; busy?: boolean }) {
  return (
    <p aria-live="polite" className={cn("text-sm text-slate-600", busy && "opacity-60")}>
      {shown === total ? `${total} ${noun}${total === 1 ? "" : "s"}` : `${shown} of ${total} ${noun}${total === 1 ? "" : "s"}`}
    </p>
  );
}

/** One section's pages on a page of several paged sections (the review queue). */
export interface SectionPaging {
  page: number;
  onPage: (page: number) => void;
  label: string;
}

export function SectionPager({ paging, total, pageSize }: { paging: SectionPaging; total: number; pageSize: number }) {
  return <Pager page={paging.page} pageCount={pageCountOf(total, pageSize)} onPage={paging.onPage} label={paging.label} />;
}

/** The count in a paged section's heading: all of them, or how many of them match. */
export function SectionCount({ total, all, busy }: { total: number; all: number; busy?: boolean }) {
  return <span className={cn("ml-2 text-sm font-normal text-slate-500", busy && "opacity-60")}>({total === all ? all : `${total} of ${all}`})</span>;
}

/** A sort choice and its direction, for lists whose columns are not sort buttons. */
export function SortControl<S extends string>({
  id,
  sort,
  order,
  options,
  onChange,
}: {
  id: string;
  sort: S;
  order: "asc" | "desc";
  options: readonly { value: S; label: string }[];
  onChange: (sort: S, order: "asc" | "desc") => void;
}) {
  return (
    <div className="flex items-end gap-1">
      <div>
        <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-800">
          Sort by
        </label>
        <select id={id} value={sort} onChange={(e) => onChange(e.target.value as S, order)} className={inputClasses}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      <Button
        size="sm"
        variant="ghost"
        className="mb-0.5"
        aria-label={order === "asc" ? "Ascending; switch to descending" : "Descending; switch to ascending"}
        onClick={() => onChange(sort, order === "asc" ? "desc" : "asc")}
      >
        {order === "asc" ? "↑" : "↓"}
      </Button>
    </div>
  );
}

export { pageCountOf };

/** `value` once it has stopped changing for `delayMs`: a query keyed by it is not refetched on every key. */
export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
