import { describe, expect, it } from "vitest";
import { etagOf, ifNoneMatchHits, negotiateEncoding } from "./encoded-body";

describe("negotiateEncoding", () => {
  const cases: [string | null, string][] = [
    [null, "identity"],
    ["", "identity"],
    ["gzip", "gzip"],
    ["gzip, deflate", "gzip"],
    ["gzip, deflate, br", "br"],
    ["br;q=0.5, gzip", "gzip"],
    ["BR;q=1, GZIP;q=1", "br"],
    ["x-gzip", "gzip"],
    ["*", "br"],
    ["*;q=0, gzip;q=0", "identity"],
    ["identity", "identity"],
    ["gzip;q=abc", "identity"],
  ];

  it("picks the coding the client weighs most, br first on a tie", () => {
    for (const [header, encoding] of cases) expect(negotiateEncoding(header), String(header)).toBe(encoding);
  });

  it("answers the same for a value it remembers, and stays right past its bound of remembered values", () => {
    for (let round = 0; round < 2; round++) for (const [header, encoding] of cases) expect(negotiateEncoding(header)).toBe(encoding);
    for (let i = 0; i < 500; i++) expect(negotiateEncoding(`gzip;q=0.${(i % 9) + 1}, x-junk-${i}`)).toBe("gzip");
    for (const [header, encoding] of cases) expect(negotiateEncoding(header)).toBe(encoding);
  });
});

describe("ETags", () => {
  it("derive each coding's tag from the identity validator, and If-None-Match compares weakly", () => {
    expect(etagOf("abc", "identity")).toBe('"abc"');
    expect(etagOf("abc", "gzip")).toBe('"abc-gzip"');
    expect(ifNoneMatchHits('W/"abc-br", "x"', "abc")).toBe(true);
    expect(ifNoneMatchHits('"abd"', "abc")).toBe(false);
    expect(ifNoneMatchHits("*", "abc")).toBe(true);
  });
});
