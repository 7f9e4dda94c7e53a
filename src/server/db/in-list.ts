import { sql, type Column, type SQL } from "drizzle-orm";

/**
 * `column in (values)` as one statement whatever the number of values: the list travels as one
 * JSON parameter. drizzle's inArray writes a placeholder per value, so every length is a statement
 * text of its own, parsed, planned and prepared anew on each connection (the driver keeps every
 * one), and the query builder pays a chunk per value. The list is made an array so that the
 * planner reads it through the column's index: `in (select …)` of the same list is a semi-join it
 * answers by reading the whole table.
 */
export function inList(column: Column, values: readonly string[], as: "text" | "uuid" = "text"): SQL {
  const list = JSON.stringify(values);
  return as === "uuid"
    ? sql`${column} = any(array(select jsonb_array_elements_text(${list}::jsonb)::uuid))`
    : sql`${column} = any(array(select jsonb_array_elements_text(${list}::jsonb)))`;
}
