import canonicalize from "canonicalize";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";
import { buildManifest, manifestDigest, toolDigest } from "./digest";

describe("canonicalJson (RFC 8785), checked against an independent implementation", () => {
  it("agrees with the canonicalize library on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    // RFC 8785 §3.2.3: members sorted by UTF-16 code units, so U+10000 (a surrogate pair, 0xD800…) sorts before U+FB33.
    [
      {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\u{1F600}": "Emoji",
        "\u0080": "Control",
        "\u00f6": "o umlaut",
      },
    ],
    // §3.2.2.3: numbers as ECMAScript writes them.
    [{ numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000001, 1e-7, -0, 1e21, 1e20, 9007199254740992] }],
    [{ literals: [null, true, false], string: '\u20ac$\u000f\nA\'B"\\\\"/', nested: { b: [], a: {} } }],
  ])("writes the RFC's edge cases as the library does: %j", (value) => {
    expect(canonicalJson(value)).toBe(canonicalize(value));
  });

  it("writes the RFC's sample exactly", () => {
    const sample = { numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000001], string: '\u20ac$\u000f\nA\'B"\\\\"/', literals: [null, true, false] };
    expect(canonicalJson(sample)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,0.000001],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("refuses values JSON cannot hold", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow("no JSON form");
    expect(() => canonicalJson({ a: Infinity })).toThrow("no JSON form");
  });
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("tool and manifest digests", () => {
  const tool = { name: "search", description: "Searches", inputSchema: { type: "object", properties: { q: { type: "string" } } }, _meta: { "x/y": 1 } };

  it("a tool's sha256 covers the canonical JSON of the tool as sent, without _meta", () => {
    const { _meta: _dropped, ...definition } = tool;
    expect(toolDigest(tool)).toBe(sha256(canonicalize(definition)!));
    expect(toolDigest({ ...tool, _meta: { other: true } })).toBe(toolDigest(tool));
    expect(toolDigest({ ...tool, description: "Searches." })).not.toBe(toolDigest(tool));
  });

  it("a manifest's digest is the SHA-256 of the sorted name:sha256 lines joined by newlines, whatever the order sent", () => {
    const other = { name: "alpha", inputSchema: { type: "object" } };
    const manifest = buildManifest([tool, other], "upload", "alice");
    expect(manifest.tools.map((t) => t.name)).toEqual(["alpha", "search"]);
    expect(manifest.digest).toBe(sha256(`alpha:${sha256(canonicalize(other)!)}\nsearch:${toolDigest(tool)}`));
    expect(buildManifest([other, tool], "probe", "bob").digest).toBe(manifest.digest);
    expect(manifestDigest([])).toBe(sha256(""));
  });

  it("refuses a list that names a tool twice", () => {
    expect(() => buildManifest([tool, { ...tool, description: "again" }], "upload", "alice")).toThrow("names 'search' twice");
  });
});
