import fc from "fast-check";
import { expect, it } from "vitest";
import { listChanges, replacedInPlace } from "./lists";

/** Lists of distinct objects, and a second list made from the first by removals, insertions, replacements and moves. */
const edited = fc
  .record({
    size: fc.integer({ min: 0, max: 60 }),
    edits: fc.array(fc.record({ kind: fc.constantFrom("remove", "insert", "replace", "move"), at: fc.nat(), to: fc.nat() }), { maxLength: 8 }),
  })
  .map(({ size, edits }) => {
    let next = 0;
    const item = () => ({ id: next++ });
    const before = Array.from({ length: size }, item);
    const after = [...before];
    for (const { kind, at, to } of edits) {
      const i = after.length === 0 ? 0 : at % after.length;
      if (kind === "insert") after.splice(at % (after.length + 1), 0, item());
      else if (after.length === 0) continue;
      else if (kind === "remove") after.splice(i, 1);
      else if (kind === "replace") after[i] = item();
      else after.splice(to % after.length, 0, ...after.splice(i, 1));
    }
    return { before, after };
  });

it("lists exactly the items only one side holds, in their order, however the list was edited", () => {
  fc.assert(
    fc.property(edited, ({ before, after }) => {
      const { removed, added } = listChanges(before, after);
      expect(removed).toEqual(before.filter((item) => !after.includes(item)));
      expect(added).toEqual(after.filter((item) => !before.includes(item)));
      for (const [i, item] of removed.entries()) expect(item).toBe(before.filter((x) => !after.includes(x))[i]);
    }),
    { numRuns: 500 },
  );
});

it("tells edits in place from insertions and removals", () => {
  const [a, b, c, d] = [{ k: "a" }, { k: "b" }, { k: "c" }, { k: "d" }];
  const key = (item: { k: string }) => item.k;
  const b2 = { k: "b" };
  const d2 = { k: "d" };
  expect(replacedInPlace([a, b, c, d], [a, b2, c, d2], key)).toEqual([b2, d2]);
  expect(replacedInPlace([a, b, c], [a, c, d], key)).toBeNull();
});
