/**
 * Runs a computation written as a generator of steps to completion, at once: what the pure
 * functions (compilePolicy, buildCatalogSnapshot, …) do with the steps a server runs in slices
 * (util/slices.ts).
 */
export function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
