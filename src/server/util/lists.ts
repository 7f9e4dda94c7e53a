/** Whether two lists hold the same items in the same order (by identity). */
export function sameItems<T>(a: readonly T[] | undefined, b: readonly T[]): boolean {
  if (a === b) return true;
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What changed between two lists of the same objects: the items past the common beginning and
 * end. One insertion, edit or removal (what a write does) costs a walk of pointer comparisons.
 */
export function listChanges<T>(before: readonly T[], after: readonly T[]): { removed: T[]; added: T[] } {
  if (before === after) return { removed: [], added: [] };
  // Edits in place at both ends of a long list (a burst's writes to tenants far apart) would leave
  // nearly all of it between them: compare position by position instead, and drop what only moved.
  if (before.length === after.length) return withoutMoved(changedPositions(before, after));
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  return withoutMoved({ removed: before.slice(start, endBefore), added: after.slice(start, endAfter) });
}

/** The items of two lists of one length that differ at their position (each list is free of repeats). */
function changedPositions<T>(before: readonly T[], after: readonly T[]): { removed: T[]; added: T[] } {
  const removed: T[] = [];
  const added: T[] = [];
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    removed.push(before[i]!);
    added.push(after[i]!);
  }
  return { removed, added };
}

/** An item on both sides only moved: it is neither removed nor added. */
function withoutMoved<T>({ removed, added }: { removed: T[]; added: T[] }): { removed: T[]; added: T[] } {
  if (removed.length === 0 || added.length === 0) return { removed, added };
  const kept = new Set(removed);
  const moved = new Set(added.filter((item) => kept.has(item)));
  if (moved.size === 0) return { removed, added };
  return { removed: removed.filter((item) => !moved.has(item)), added: added.filter((item) => !moved.has(item)) };
}

/**
 * Whether `after` is `before` with some items replaced in place by items of the same key: no item
 * added, removed or moved (a tenant edited, not created or deleted). The replaced items, or null.
 */
export function replacedInPlace<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): T[] | null {
  if (before.length !== after.length) return null;
  const { removed, added } = listChanges(before, after);
  if (removed.length !== added.length) return null;
  for (let i = 0; i < added.length; i++) if (key(removed[i]!) !== key(added[i]!)) return null;
  return added;
}
