/**
 * Offset pages of a list, shared by the console's list procedures (rules, tenants, groups, a
 * tenant's servers): the arguments every paged list takes, and the page it answers. The catalog
 * pages with cursors instead (its list is the one automation walks); these lists are bounded by
 * the policy's size, so a page number that can be put in a URL is worth more than a cursor.
 */
import { z } from "zod";

export const MAX_PAGE_SIZE = 200;

/** `offset`, `limit` and `order`, with errors that name the field; spread into a list's schema. */
export const pageArgs = {
  offset: z.coerce
    .number({ error: "offset must be a number" })
    .int("offset must be a whole number")
    .min(0, "offset must be 0 or more")
    .max(10_000_000, "offset is too large")
    .default(0),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, `limit must be between 1 and ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `limit must be between 1 and ${MAX_PAGE_SIZE}`)
    .default(50),
  order: z.enum(["asc", "desc"], { error: "order must be asc or desc" }).default("asc"),
};

export type SortOrder = "asc" | "desc";

export interface Page<T> {
  items: T[];
  /** How many match the filters, over all pages. */
  total: number;
  offset: number;
  limit: number;
}

/** One page of an already filtered and sorted list. */
export function pageOf<T>(items: readonly T[], offset: number, limit: number): Page<T> {
  return { items: items.slice(offset, offset + limit), total: items.length, offset, limit };
}

/** A sorted copy: by `key`, then by `tiebreak` (ascending, so equal keys keep one order whatever the direction). */
export function sortedBy<T>(items: readonly T[], key: (item: T) => string | number, order: SortOrder, tiebreak: (item: T) => string): T[] {
  const sign = order === "desc" ? -1 : 1;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...items].sort((a, b) => sign * compare(key(a), key(b)) || compare(tiebreak(a), tiebreak(b)));
}

/** Case-insensitive "contains", over any of the texts. */
export function containsText(needle: string | undefined, ...texts: readonly string[]): boolean {
  const lower = needle?.trim().toLowerCase();
  if (!lower) return true;
  return texts.some((text) => text.toLowerCase().includes(lower));
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own characters taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
