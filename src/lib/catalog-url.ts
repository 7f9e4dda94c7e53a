/**
 * The catalog page keeps its whole view (search, filters, sort, page) in the query string, so a
 * filtered view can be shared and survives a reload. Unknown or invalid values are dropped.
 */
import {
  RUNTIME_TYPES,
  SCOPES,
  SERVER_STATUSES,
  SORT_FIELDS,
  TRANSPORTS,
  type ServerListQuery,
  type ServerStatus,
  type SortField,
} from "@/server/catalog/model";

export const PAGE_SIZE = 25;
export const RUNTIME_FILTERS = [...RUNTIME_TYPES, "none"] as const;

export interface CatalogView {
  q: string;
  status: ServerStatus[];
  transport: string;
  runtime: string;
  scope: string;
  source: string;
  category: string;
  sort: SortField;
  order: "asc" | "desc";
  cursor: string;
}

export const FILTER_KEYS = ["q", "status", "transport", "runtime", "scope", "source", "category"] as const;

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: Params, key: string): string {
  const value = params instanceof URLSearchParams ? params.get(key) : params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

const oneOf = <T extends string>(value: string, allowed: readonly T[]): T | "" => ((allowed as readonly string[]).includes(value) ? (value as T) : "");

export function defaultOrder(sort: SortField): "asc" | "desc" {
  return sort === "updatedAt" ? "desc" : "asc";
}

export function catalogViewFrom(params: Params): CatalogView {
  const sort = oneOf(read(params, "sort"), SORT_FIELDS) || "name";
  return {
    q: read(params, "q").slice(0, 200),
    status: SERVER_STATUSES.filter((s) => read(params, "status").split(",").includes(s)),
    transport: oneOf(read(params, "transport"), TRANSPORTS),
    runtime: oneOf(read(params, "runtime"), RUNTIME_FILTERS),
    scope: oneOf(read(params, "scope"), SCOPES),
    source: read(params, "source") === "manual" ? "manual" : "",
    category: read(params, "category").slice(0, 100),
    sort,
    order: oneOf(read(params, "order"), ["asc", "desc"] as const) || defaultOrder(sort),
    cursor: read(params, "cursor").slice(0, 1000),
  };
}

/** The catalog.list input for a view; the same object on the server (prefetch) and in the browser. */
export function listQueryOf(view: CatalogView): ServerListQuery {
  const query: ServerListQuery = { sort: view.sort, order: view.order, limit: PAGE_SIZE };
  if (view.q) query.q = view.q;
  if (view.status.length > 0) query.status = view.status;
  if (view.transport) query.transport = [view.transport];
  if (view.runtime) query.runtime = [view.runtime];
  if (view.scope) query.scope = [view.scope];
  if (view.source) query.source = view.source;
  if (view.category) query.category = view.category;
  if (view.cursor) query.cursor = view.cursor;
  return query;
}

export function hasFilters(view: CatalogView): boolean {
  return FILTER_KEYS.some((key) => (key === "status" ? view.status.length > 0 : view[key] !== ""));
}

/** `/servers?…` for a view, leaving defaults out so URLs stay short. */
export function catalogHref(view: CatalogView): string {
  const params = new URLSearchParams();
  if (view.q) params.set("q", view.q);
  if (view.status.length > 0) params.set("status", view.status.join(","));
  for (const key of ["transport", "runtime", "scope", "source", "category"] as const) {
    if (view[key]) params.set(key, view[key]);
  }
  if (view.sort !== "name") params.set("sort", view.sort);
  if (view.order !== defaultOrder(view.sort)) params.set("order", view.order);
  if (view.cursor) params.set("cursor", view.cursor);
  const search = params.toString();
  return search ? `/servers?${search}` : "/servers";
}
