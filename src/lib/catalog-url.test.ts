import { describe, expect, it } from "vitest";
import { catalogHref, catalogViewFrom, hasFilters, listQueryOf } from "./catalog-url";

describe("catalog view in the URL", () => {
  it("reads filters, drops invalid values and defaults the order from the sort", () => {
    const view = catalogViewFrom(new URLSearchParams("q=git&status=active,bogus&transport=ftp&sort=updatedAt"));
    expect(view).toMatchObject({ q: "git", status: ["active"], transport: "", sort: "updatedAt", order: "desc" });
    expect(hasFilters(view)).toBe(true);
  });

  it("round-trips through the href, leaving defaults out", () => {
    const view = catalogViewFrom({ status: "draft", runtime: "npx", sort: "name", order: "asc" });
    expect(catalogHref(view)).toBe("/servers?status=draft&runtime=npx");
    expect(catalogViewFrom(new URLSearchParams(catalogHref(view).split("?")[1]))).toEqual(view);
  });

  it("builds the list query the API takes", () => {
    expect(listQueryOf(catalogViewFrom({ q: "x", scope: "org", source: "manual" }))).toEqual({
      q: "x",
      scope: ["org"],
      source: "manual",
      sort: "name",
      order: "asc",
      limit: 25,
    });
  });
});
