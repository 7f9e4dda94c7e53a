import { describe, expect, it } from "vitest";
import { safeReturnTo } from "./return-to";

describe("safeReturnTo", () => {
  it("keeps paths of this app, with their query", () => {
    expect(safeReturnTo("/servers/github?tab=history")).toBe("/servers/github?tab=history");
    expect(safeReturnTo("/")).toBe("/");
  });

  it("refuses anything that could leave the site", () => {
    for (const value of [null, undefined, "", "https://evil.example/", "//evil.example", "/\\evil.example", "evil", "javascript:alert(1)"]) {
      expect(safeReturnTo(value)).toBe("/");
    }
  });

  it("refuses control characters browsers drop, which would make a protocol-relative URL", () => {
    // new URL("/\t/evil.example", base) is https://evil.example/: a tab in a Location header is an open redirect.
    expect(new URL("/\t/evil.example", "https://cp.example").host).toBe("evil.example");
    expect(safeReturnTo("/\t/evil.example")).toBe("/");
    expect(safeReturnTo("/\n/evil.example")).toBe("/");
    expect(safeReturnTo("/servers\u0000")).toBe("/");
  });
});
