/**
 * Batches: one change applied to several items in one transaction. The first refusal undoes the
 * changes before it, and the error names the item at fault, by its position in the input.
 */
import { DomainError, sqlState } from "../errors";
import type { Db } from "./client";

export async function allOrNothing<Item, Result>(
  db: Db,
  items: readonly Item[],
  field: string,
  apply: (tx: Db, item: Item) => Promise<Result>,
  /**
   * Locks every item's row first, in one fixed order (by key), so that two batches over the same
   * items wait for each other instead of deadlocking halfway.
   */
  lockFirst?: (tx: Db) => Promise<unknown>,
): Promise<Result[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        await lockFirst?.(tx);
        const results: Result[] = [];
        for (const [index, item] of items.entries()) {
          try {
            results.push(await apply(tx, item));
          } catch (error) {
            throw refusalOf(error, field, index, items.length);
          }
        }
        return results;
      });
    } catch (error) {
      // A deadlock the first locks did not prevent (with a trigger, a cascade): Postgres undid the
      // batch whole, and running it again is what the caller would do.
      if (attempt >= MAX_ATTEMPTS || !isDeadlock(error)) throw error;
    }
  }
}

const MAX_ATTEMPTS = 3;
const isDeadlock = (error: unknown) => sqlState(error) === "40P01" || sqlState(error) === "40001";

/** A refused item's error, for the whole batch: nothing was changed, and which item is why. */
function refusalOf(error: unknown, field: string, index: number, total: number): unknown {
  if (!(error instanceof DomainError)) return error;
  // The batch's endpoint exists; an item that does not is a mistake in the input.
  const code = error.code === "NOT_FOUND" ? "VALIDATION_FAILED" : error.code;
  const where = total > 1 ? ` (item ${index + 1} of ${total})` : "";
  return new DomainError(code, `nothing was changed: ${error.message}${where}`, {
    ...error.details,
    fieldErrors: { [`${field}.${index}`]: [error.message] },
    formErrors: [],
  });
}
