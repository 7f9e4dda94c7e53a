import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * How long a long computation runs before it lets the event loop serve what is waiting: feeds,
 * contracts and health checks are answered between its slices, never after the whole of it.
 */
export const SLICE_MS = 4;

/**
 * Runs a computation written as a generator of small steps to completion, yielding to the event
 * loop whenever a slice has used SLICE_MS. `longestSlice` is the longest the loop was held (a step
 * can overrun the slice).
 */
export async function runInSlices<T>(steps: Generator<void, T, void>): Promise<{ value: T; longestSlice: number }> {
  let sliceStarted = performance.now();
  let longestSlice = 0;
  for (;;) {
    const step = steps.next();
    const now = performance.now();
    if (step.done) return { value: step.value, longestSlice: Math.max(longestSlice, now - sliceStarted) };
    if (now - sliceStarted >= SLICE_MS) {
      longestSlice = Math.max(longestSlice, now - sliceStarted);
      await nextTurn();
      sliceStarted = performance.now();
    }
  }
}
