/**
 * A map made of a base map it never changes and the changes made over it: what `new Map(base)`
 * followed by set and delete gives, with the same iteration order, but costing the changes rather
 * than a copy of the base. The compiler's indexes (20,000 rules, 10,000 tenants) move by a few
 * entries a write; copying each of them for every build was most of a small write's compile time
 * and a megabyte of garbage a copy.
 *
 * The base is never changed, so every earlier version stays valid (previews compile from the
 * current result and must not disturb it). A version made over a layered map does not stack on
 * it: it copies that map's changes (a few hundred entries at most) over the same plain base, so a
 * lookup looks at one layer and superseded versions are not kept reachable by newer ones. Once the
 * changes outweigh a share of the base, over() folds everything into one plain Map instead.
 * (Stacking up to four layers and copying the base every fourth build cost a burst of writes
 * about 5% of its CPU in those copies, and lookups walked the layers.)
 */
export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  /** Base keys given a new value, in place (Map.set on a present key keeps its position). */
  private readonly replaced: Map<K, V>;
  /** Base keys deleted (and maybe set again: then they are in `appended`). */
  private readonly deleted: Set<K>;
  /** Keys set that the base does not hold (or that were deleted first), in the order set. */
  private readonly appended: Map<K, V>;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    from: LayeredMap<K, V> | null = null,
  ) {
    this.replaced = copyOf(from?.replaced);
    this.deleted = new Set(from?.deleted);
    this.appended = copyOf(from?.appended);
  }

  /** Changes this map holds over its base: what a copy would fold in. */
  get changes(): number {
    return this.replaced.size + this.deleted.size + this.appended.size;
  }

  /**
   * A map to change starting from `base`, which is left as it is: a layer over it (over its plain
   * base, with its changes copied, when it is layered itself), or a plain copy when the changes
   * it holds and `expectedChanges` (what the caller plans to change) are a large share of it.
   */
  static over<K, V>(base: ReadonlyMap<K, V>, expectedChanges = 0): LayeredMap<K, V> | Map<K, V> {
    return LayeredMap.copyDue(base, expectedChanges) ? LayeredMap.flat(base) : LayeredMap.layerOver(base);
  }

  /**
   * over(), as steps of a build (util/steps.ts): a copy that is due is made in steps of `perStep`
   * entries, so folding 10,000 tenants (4–5 ms at once) does not hold the event loop in one piece.
   */
  static *overInSteps<K, V>(base: ReadonlyMap<K, V>, expectedChanges = 0, perStep = 2_000): Generator<void, LayeredMap<K, V> | Map<K, V>, void> {
    if (!LayeredMap.copyDue(base, expectedChanges)) return LayeredMap.layerOver(base);
    const { bottom, layer } = LayeredMap.partsOf(base);
    // The entries are taken out with forEach first (a fraction of a millisecond for 20,000), then
    // copied in steps from the two arrays: iterating the map across yields (for…of) allocated an
    // entry array per element, about a seventh of what a burst of writes allocated.
    const keys = new Array<K>(bottom.size);
    const values = new Array<V>(bottom.size);
    let taken = 0;
    bottom.forEach((value, key) => {
      keys[taken] = key;
      values[taken++] = value;
    });
    yield;
    const flat = new Map<K, V>();
    for (let i = 0; i < keys.length; i++) {
      flat.set(keys[i]!, values[i]!);
      if ((i + 1) % perStep === 0) yield;
    }
    return LayeredMap.foldInto(flat, layer);
  }

  /** Whether a plain copy is due instead of a layer: the changes would be over an eighth of the base. */
  private static copyDue<K, V>(base: ReadonlyMap<K, V>, expectedChanges: number): boolean {
    const changes = (base instanceof LayeredMap ? base.changes : 0) + expectedChanges;
    return changes * 8 > base.size;
  }

  private static layerOver<K, V>(base: ReadonlyMap<K, V>): LayeredMap<K, V> {
    return base instanceof LayeredMap ? new LayeredMap(base.base, base) : new LayeredMap(base);
  }

  /** The plain map under `map`, and `map` itself when it is a layer over it. */
  private static partsOf<K, V>(map: ReadonlyMap<K, V>): { bottom: ReadonlyMap<K, V>; layer: LayeredMap<K, V> | null } {
    return map instanceof LayeredMap ? { bottom: map.base, layer: map } : { bottom: map, layer: null };
  }

  /** Applies the layer's deletes, in-place replacements and appends to a copy of its base. */
  private static foldInto<K, V>(flat: Map<K, V>, layer: LayeredMap<K, V> | null): Map<K, V> {
    if (!layer) return flat;
    layer.deleted.forEach((key) => flat.delete(key));
    layer.replaced.forEach((value, key) => flat.set(key, value));
    layer.appended.forEach((value, key) => flat.set(key, value));
    return flat;
  }

  /**
   * `new Map(map)`, with the layer folded in as it was made: the plain base copied with its own
   * forEach (an order of magnitude faster than iterating the layer), then the layer's deletes,
   * in-place replacements and appends, which leave the order the layer's own iteration gives.
   */
  private static flat<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
    const { bottom, layer } = LayeredMap.partsOf(map);
    // forEach, not `new Map(bottom)`: the constructor walks its argument through the iteration
    // protocol, an entry array per element; the copy itself is what the new snapshot keeps.
    const flat = new Map<K, V>();
    bottom.forEach((value, key) => flat.set(key, value));
    return LayeredMap.foldInto(flat, layer);
  }

  get size(): number {
    return this.base.size - this.deleted.size + this.appended.size;
  }

  has(key: K): boolean {
    if (this.appended.has(key)) return true;
    if (this.deleted.has(key)) return false;
    return this.replaced.has(key) || this.base.has(key);
  }

  get(key: K): V | undefined {
    const added = this.appended.get(key);
    if (added !== undefined || this.appended.has(key)) return added;
    if (this.deleted.has(key)) return undefined;
    const value = this.replaced.get(key);
    if (value !== undefined || this.replaced.has(key)) return value;
    return this.base.get(key);
  }

  set(key: K, value: V): this {
    if (this.appended.has(key) || this.deleted.has(key) || !this.base.has(key)) this.appended.set(key, value);
    else this.replaced.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (this.appended.delete(key)) return true;
    if (this.deleted.has(key) || !this.base.has(key)) return false;
    this.replaced.delete(key);
    this.deleted.add(key);
    return true;
  }

  *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.base) {
      if (this.deleted.has(key)) continue;
      const replaced = this.replaced.get(key);
      yield [key, replaced !== undefined || this.replaced.has(key) ? replaced! : value];
    }
    yield* this.appended;
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  // Without a generator: a pass over 10,000 tenants is on the build's path.
  forEach(each: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    const onlyReplaced = this.replacementsDown();
    if (onlyReplaced) {
      // The usual case (values changed, no key added or removed): one pass over the plain map at
      // the bottom, one lookup per entry, instead of a callback and lookups per layer.
      const { bottom, replaced } = onlyReplaced;
      bottom.forEach((value, key) => {
        const newer = replaced.get(key);
        each.call(thisArg, newer !== undefined || replaced.has(key) ? newer! : value, key, this);
      });
      return;
    }
    this.base.forEach((value, key) => {
      if (this.deleted.has(key)) return;
      const replaced = this.replaced.get(key);
      each.call(thisArg, replaced !== undefined || this.replaced.has(key) ? replaced! : value, key, this);
    });
    this.appended.forEach((value, key) => each.call(thisArg, value, key, this));
  }

  /**
   * forEach as steps of a build (util/steps.ts): yields after every `perStep` entries, so a pass
   * over 10,000 tenants does not hold the event loop in one piece.
   */
  *forEachInSteps(each: (value: V, key: K) => void, perStep: number): Generator<void, void, void> {
    let visited = 0;
    const onlyReplaced = this.replacementsDown();
    if (onlyReplaced) {
      const { bottom, replaced } = onlyReplaced;
      for (const [key, value] of bottom) {
        const newer = replaced.get(key);
        each(newer !== undefined || replaced.has(key) ? newer! : value, key);
        if (++visited % perStep === 0) yield;
      }
      return;
    }
    for (const [key, value] of this.base) {
      if (this.deleted.has(key)) continue;
      const replaced = this.replaced.get(key);
      each(replaced !== undefined || this.replaced.has(key) ? replaced! : value, key);
      if (++visited % perStep === 0) yield;
    }
    for (const [key, value] of this.appended) {
      each(value, key);
      if (++visited % perStep === 0) yield;
    }
  }

  /** When the layer deleted and added no key: its base and the replacements; else null. */
  private replacementsDown(): { bottom: ReadonlyMap<K, V>; replaced: Map<K, V> } | null {
    if (this.deleted.size > 0 || this.appended.size > 0) return null;
    return { bottom: this.base, replaced: this.replaced };
  }

  get [Symbol.toStringTag](): string {
    return "LayeredMap";
  }
}

/** forEach over any map as steps of a build, yielding after every `perStep` entries (LayeredMap.forEachInSteps). */
export function* forEachInSteps<K, V>(map: ReadonlyMap<K, V>, each: (value: V, key: K) => void, perStep: number): Generator<void, void, void> {
  if (map instanceof LayeredMap) return yield* map.forEachInSteps(each, perStep);
  let visited = 0;
  for (const [key, value] of map) {
    each(value, key);
    if (++visited % perStep === 0) yield;
  }
}

/** A map that changes go into: LayeredMap.over(base) or a plain copy, with Map's write methods. */
export type WritableMap<K, V> = ReadonlyMap<K, V> & { set(key: K, value: V): unknown; delete(key: K): boolean };

/** A copy of `map` made with forEach (the Map constructor iterates an entry array per element). */
function copyOf<K, V>(map: ReadonlyMap<K, V> | undefined): Map<K, V> {
  const copy = new Map<K, V>();
  map?.forEach((value, key) => copy.set(key, value));
  return copy;
}
