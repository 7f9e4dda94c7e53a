/** The rows of a raw `db.execute(sql…)`: postgres-js returns an array of rows, PGlite a result with `rows`. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
