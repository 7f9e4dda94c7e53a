import { describe, expect, it } from "vitest";
import { diffJson, jsonEqual, previewJson } from "./json-diff";

describe("diffJson", () => {
  it("is empty for equal values, whatever the key order", () => {
    expect(diffJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(diffJson(null, null)).toEqual([]);
  });

  it("lists added, removed and changed keys with nested paths", () => {
    const before = { status: "draft", version: 1, runtime: { type: "remote", fixedURL: "https://a.example/mcp" }, icon: "x.svg" };
    const after = { status: "active", version: 2, runtime: { type: "remote", fixedURL: "https://b.example/mcp" }, statusReason: "ok" };
    expect(diffJson(before, after)).toEqual([
      { path: "icon", kind: "removed", before: "x.svg" },
      { path: "runtime.fixedURL", kind: "changed", before: "https://a.example/mcp", after: "https://b.example/mcp" },
      { path: "status", kind: "changed", before: "draft", after: "active" },
      { path: "statusReason", kind: "added", after: "ok" },
      { path: "version", kind: "changed", before: 1, after: 2 },
    ]);
  });

  it("shows one inserted array item as added, not every later item as changed", () => {
    expect(diffJson({ categories: ["a", "b", "c"] }, { categories: ["a", "x", "b", "c"] })).toEqual([{ path: "categories[1]", kind: "added", after: "x" }]);
    expect(diffJson({ categories: ["a", "b", "c"] }, { categories: ["a", "c"] })).toEqual([{ path: "categories[1]", kind: "removed", before: "b" }]);
  });

  it("diffs a changed object inside an array field by field", () => {
    const before = {
      env: [
        { key: "A", required: true },
        { key: "B", required: false },
      ],
    };
    const after = {
      env: [
        { key: "A", required: true },
        { key: "B", required: true },
      ],
    };
    expect(diffJson(before, after)).toEqual([{ path: "env[1].required", kind: "changed", before: false, after: true }]);
  });

  it("reports a change of type as one change, not a walk into the new value", () => {
    expect(diffJson({ runtime: null }, { runtime: { type: "npx" } })).toEqual([{ path: "runtime", kind: "changed", before: null, after: { type: "npx" } }]);
    expect(diffJson({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: "a", kind: "changed", before: [1], after: { 0: 1 } }]);
  });

  it("quotes keys that are not identifiers", () => {
    expect(diffJson({ headers: { "x-api-key": "a" } }, { headers: { "x-api-key": "b" } })).toEqual([
      { path: 'headers["x-api-key"]', kind: "changed", before: "a", after: "b" },
    ]);
  });

  it("gives the whole value the empty path when the roots differ", () => {
    expect(diffJson(1, 2)).toEqual([{ path: "", kind: "changed", before: 1, after: 2 }]);
    expect(diffJson(null, { a: 1 })).toEqual([{ path: "", kind: "changed", before: null, after: { a: 1 } }]);
  });

  it("falls back to index-by-index on very long arrays", () => {
    const before = Array.from({ length: 600 }, (_, i) => i);
    const after = before.map((n) => (n === 599 ? -1 : n));
    expect(diffJson(before, after)).toEqual([{ path: "[599]", kind: "changed", before: 599, after: -1 }]);
  });
});

describe("jsonEqual", () => {
  it("treats undefined keys as absent", () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
  });
});

describe("previewJson", () => {
  it("shortens long values", () => {
    expect(previewJson("x".repeat(300), 10)).toBe(`"xxxxxxxx…`);
    expect(previewJson({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });
});
