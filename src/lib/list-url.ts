/**
 * The console's paged lists (rules, tenants, groups, a tenant's servers) keep their view in the
 * query string, as the catalog does: `?q=…&sort=…&order=…&page=…` and the list's own filters, so
 * a filtered page can be shared and survives a reload. Unknown or invalid values are dropped.
 */

export const LIST_PAGE_SIZE = 50;

export interface ListSpec<S extends string = string, F extends string = string> {
  /** The page's path, for hrefs. */
  path: string;
  sorts: readonly S[];
  defaultSort: S;
  /** Sorts that read best newest first. */
  descFirst?: readonly S[];
  /** Each filter's allowed values, or "text" for free text (at most 200 characters). */
  filters: Record<F, readonly string[] | "text">;
  /** Filters with a value other than "" when absent from the URL. */
  defaults?: Partial<Record<F, string>>;
}

export interface ListView<S extends string = string, F extends string = string> {
  q: string;
  sort: S;
  order: "asc" | "desc";
  /** 1-based. */
  page: number;
  filters: Record<F, string>;
}

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: Params, key: string): string {
  const value = params instanceof URLSearchParams ? params.get(key) : params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

export function defaultOrderOf<S extends string>(spec: ListSpec<S>, sort: S): "asc" | "desc" {
  return spec.descFirst?.includes(sort) ? "desc" : "asc";
}

export function listViewFrom<S extends string, F extends string>(spec: ListSpec<S, F>, params: Params): ListView<S, F> {
  const rawSort = read(params, "sort");
  const sort = (spec.sorts as readonly string[]).includes(rawSort) ? (rawSort as S) : spec.defaultSort;
  const rawOrder = read(params, "order");
  const page = Number.parseInt(read(params, "page"), 10);
  const filters = {} as Record<F, string>;
  for (const [key, allowed] of Object.entries(spec.filters) as [F, readonly string[] | "text"][]) {
    const value = read(params, key);
    const fallback = spec.defaults?.[key] ?? "";
    filters[key] = allowed === "text" ? value.slice(0, 200) || fallback : allowed.includes(value) ? value : fallback;
  }
  return {
    q: read(params, "q").slice(0, 200),
    sort,
    order: rawOrder === "asc" || rawOrder === "desc" ? rawOrder : defaultOrderOf(spec, sort),
    page: Number.isFinite(page) && page > 1 ? Math.min(page, 100_000) : 1,
    filters,
  };
}

/** `path?…` for a view, leaving defaults out so URLs stay short. */
export function listHref<S extends string, F extends string>(spec: ListSpec<S, F>, view: ListView<S, F>): string {
  const params = new URLSearchParams();
  if (view.q) params.set("q", view.q);
  for (const key of Object.keys(spec.filters) as F[]) {
    if (view.filters[key] && view.filters[key] !== (spec.defaults?.[key] ?? "")) params.set(key, view.filters[key]);
  }
  if (view.sort !== spec.defaultSort) params.set("sort", view.sort);
  if (view.order !== defaultOrderOf(spec, view.sort)) params.set("order", view.order);
  if (view.page > 1) params.set("page", String(view.page));
  const search = params.toString();
  return search ? `${spec.path}?${search}` : spec.path;
}

/**
 * The list procedure's input for a view: only the filters in use, so the object is the same on
 * the server (prefetch) and in the browser, and so is its query key.
 */
export function pageQueryOf<S extends string, F extends string>(view: ListView<S, F>, pageSize = LIST_PAGE_SIZE) {
  const query: { q?: string; sort: S; order: "asc" | "desc"; offset: number; limit: number } & Partial<Record<F, string>> = {
    sort: view.sort,
    order: view.order,
    offset: (view.page - 1) * pageSize,
    limit: pageSize,
  } as never;
  if (view.q) query.q = view.q;
  for (const [key, value] of Object.entries(view.filters) as [F, string][]) if (value) (query as Record<string, unknown>)[key] = value;
  return query;
}

export function hasListFilters(view: ListView): boolean {
  return view.q !== "" || Object.values(view.filters).some((value) => value !== "");
}

export function pageCountOf(total: number, pageSize = LIST_PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
