import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forEachInSteps, LayeredMap } from "./layered-map";
import { runToEnd } from "./steps";

type Op = { kind: "set"; key: number; value: number } | { kind: "delete"; key: number };

// Keys 0–30 come and go; 100–104 are in the base from the start.
const key = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 100, max: 104 }));
const op = fc.oneof(fc.record({ kind: fc.constant("set" as const), key, value: fc.integer() }), fc.record({ kind: fc.constant("delete" as const), key }));

function apply(map: { set(k: number, v: number): unknown; delete(k: number): boolean }, ops: readonly Op[]): boolean[] {
  return ops.map((o) => (o.kind === "set" ? (map.set(o.key, o.value), true) : map.delete(o.key)));
}

function snapshotOf(map: ReadonlyMap<number, number>) {
  const each: [number, number][] = [];
  map.forEach((value, key) => each.push([key, value]));
  // forEach in steps of 7 entries: the same entries in the same order, a yield after every 7th.
  const inSteps: [number, number][] = [];
  const steps = forEachInSteps(map, (value, key) => inSteps.push([key, value]), 7);
  let yields = 0;
  while (!steps.next().done) {
    expect(inSteps.length).toBe(7 * ++yields);
  }
  expect(yields).toBe(Math.floor(map.size / 7));
  return { entries: [...map], keys: [...map.keys()], values: [...map.values()], each, inSteps, size: map.size };
}

describe("LayeredMap", () => {
  it("iterates layers that only replace values (the usual build) as the copies they stand for, upper layers winning", () => {
    const replace = fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 100, max: 110 }), value: fc.integer() });
    fc.assert(
      fc.property(fc.array(fc.array(replace, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), (rounds) => {
        const base = new Map(Array.from({ length: 400 }, (_, i): [number, number] => [100 + i, i]));
        let layered: ReadonlyMap<number, number> = base;
        let plain: ReadonlyMap<number, number> = base;
        for (const ops of rounds) {
          const nextLayered = LayeredMap.over(layered);
          const nextPlain = new Map(plain);
          apply(nextLayered, ops);
          apply(nextPlain, ops);
          expect(snapshotOf(nextLayered)).toEqual(snapshotOf(nextPlain));
          layered = nextLayered;
          plain = nextPlain;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("behaves as a copy of its base changed the same way, iteration order included, over however many versions", () => {
    let mostLayeredInARow = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer()), { maxLength: 25 }),
        fc.array(fc.array(op, { maxLength: 12 }), { maxLength: 7 }),
        (start, rounds) => {
          // A base large enough that several layers stack before a copy is due.
          const base: [number, number][] = [...start, ...Array.from({ length: 400 }, (_, i): [number, number] => [100 + i, i])];
          let layered: ReadonlyMap<number, number> = new Map(base);
          let plain: ReadonlyMap<number, number> = new Map(base);
          let layeredInARow = 0;
          const versions: { layered: ReadonlyMap<number, number>; expected: ReturnType<typeof snapshotOf> }[] = [];
          for (const ops of rounds) {
            const nextLayered = LayeredMap.over(layered);
            layeredInARow = nextLayered instanceof LayeredMap ? layeredInARow + 1 : 0;
            mostLayeredInARow = Math.max(mostLayeredInARow, layeredInARow);
            const nextPlain = new Map(plain);
            // The same in steps (a copy due is made 5 entries a step), changed the same way.
            const stepped = runToEnd(LayeredMap.overInSteps(layered, 0, 5));
            expect(stepped instanceof LayeredMap).toBe(nextLayered instanceof LayeredMap);
            apply(stepped, ops);
            expect(apply(nextLayered, ops)).toEqual(apply(nextPlain, ops));
            expect(snapshotOf(stepped)).toEqual(snapshotOf(nextPlain));
            layered = nextLayered;
            plain = nextPlain;
            versions.push({ layered, expected: snapshotOf(plain) });
            expect(snapshotOf(layered)).toEqual(snapshotOf(plain));
            for (const key of [-1, ...Array.from({ length: 32 }, (_, i) => i), 99, 100, 101, 102, 103, 104, 105]) {
              expect(layered.has(key)).toBe(plain.has(key));
              expect(layered.get(key)).toBe(plain.get(key));
            }
          }
          // Every earlier version is untouched by the layers over it.
          for (const { layered, expected } of versions) expect(snapshotOf(layered)).toEqual(expected);
        },
      ),
    );
    // The runs exercised versions made over layered versions, not only over plain copies.
    expect(mostLayeredInARow).toBeGreaterThanOrEqual(4);
  });

  it("keeps undefined values apart from missing keys", () => {
    const layered = LayeredMap.over(new Map<string, number | undefined>([["a", 1]]));
    layered.set("a", undefined);
    layered.set("b", undefined);
    expect([layered.has("a"), layered.get("a"), layered.has("b"), layered.size]).toEqual([true, undefined, true, 2]);
  });

  it("makes a version over a layered map from its changes, not from a copy of its base, until they are a large share of it", () => {
    const base = new Map(Array.from({ length: 100 }, (_, i) => [i, i]));
    let map: ReadonlyMap<number, number> = base;
    const kinds: string[] = [];
    for (let i = 0; i < 16; i++) {
      const next = LayeredMap.over(map);
      next.set(1000 + i, i);
      kinds.push(next instanceof LayeredMap ? `layer of ${next.changes}` : "copy");
      map = next;
    }
    // Each version carries the changes so far, until they would be over an eighth of the map (15 of 115).
    expect(kinds).toEqual([...Array.from({ length: 15 }, (_, i) => `layer of ${i + 1}`), "copy"]);
    expect(LayeredMap.over(base, 50)).toBeInstanceOf(Map);
    expect(LayeredMap.over(base, 50)).not.toBeInstanceOf(LayeredMap);
    expect(map.size).toBe(116);
  });
});
