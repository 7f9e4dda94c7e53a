import { describe, expect, it } from "vitest";
import { jsonNestsDeeperThan, MAX_NESTING, parseYamlDocuments, valueNestsDeeperThan } from "./nesting";

describe("nesting limits", () => {
  it("counts only brackets outside strings, escaped quotes included", () => {
    expect(jsonNestsDeeperThan(`{"a":"${"[".repeat(500)}\\"${"{".repeat(500)}"}`)).toBe(false);
    expect(jsonNestsDeeperThan(`${"[".repeat(MAX_NESTING)}${"]".repeat(MAX_NESTING)}`)).toBe(false);
    expect(jsonNestsDeeperThan(`${"[".repeat(MAX_NESTING + 1)}${"]".repeat(MAX_NESTING + 1)}`)).toBe(true);
  });

  it("agrees between JSON text and its parsed value, and treats a cycle as too deep", () => {
    for (const depth of [MAX_NESTING, MAX_NESTING + 1]) {
      const text = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      expect(valueNestsDeeperThan(JSON.parse(text))).toBe(jsonNestsDeeperThan(text));
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(valueNestsDeeperThan(cycle)).toBe(true);
  });

  it("reads YAML streams, leaving empty documents out, and refuses an alias inside its own anchor", () => {
    expect(parseYamlDocuments("a: 1\n---\n---\nb: &x [1]\nc: *x\n")).toEqual([{ a: 1 }, { b: [1], c: [1] }]);
    expect(() => parseYamlDocuments("a: &a\n  b: *a\n")).toThrow(/nested deeper than 100 levels, or an alias contains itself/);
  });
});
