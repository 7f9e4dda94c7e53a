import { describe, expect, it } from "vitest";
import { driftQueryOf, REVIEW_LIST, reviewPageOf, reviewQueryOf, runsQueryOf, sourceRunsList, TOKENS_LIST, tokensQueryOf } from "./list-specs";
import { listHref, listViewFrom } from "./list-url";

describe("the review page's view", () => {
  it("keeps one page per queue, and only page numbers", () => {
    const view = listViewFrom(REVIEW_LIST, new URLSearchParams("q=acme&source=uploads&held=3&updates=x&drift=-2"));
    expect([reviewPageOf(view, "held"), reviewPageOf(view, "updates"), reviewPageOf(view, "drift")]).toEqual([3, 1, 1]);
    expect(reviewQueryOf(view, "quarantined")).toEqual({
      state: "quarantined",
      q: "acme",
      source: "uploads",
      sort: "updated",
      order: "desc",
      offset: 40,
      limit: 20,
    });
    expect(reviewQueryOf(view, "pending-update")).toMatchObject({ state: "pending-update", offset: 0 });
  });

  it("sorts tool drift by time, or by server for a name or source sort; drift has no source", () => {
    const byTime = listViewFrom(REVIEW_LIST, new URLSearchParams("source=uploads&drift=2"));
    expect(driftQueryOf(byTime)).toEqual({ sort: "discovered", order: "desc", offset: 20, limit: 20 });
    const byName = listViewFrom(REVIEW_LIST, new URLSearchParams("sort=source"));
    expect(driftQueryOf(byName)).toMatchObject({ sort: "server", order: "asc" });
  });

  it("writes the URL back without defaults", () => {
    const view = listViewFrom(REVIEW_LIST, new URLSearchParams("q=acme&updates=2&order=desc"));
    expect(listHref(REVIEW_LIST, view)).toBe("/review?q=acme&updates=2");
  });
});

describe("a source's runs and the tokens' views", () => {
  it("ask for a source's runs newest first, 20 a page, without a search", () => {
    const spec = sourceRunsList("uploads");
    const view = listViewFrom(spec, new URLSearchParams("status=failed&trigger=bogus&page=2&q=ignored"));
    expect(runsQueryOf("uploads", view)).toEqual({ name: "uploads", status: "failed", sort: "queued", order: "desc", offset: 20, limit: 20 });
    expect(listHref(spec, view)).toBe("/sources/uploads?q=ignored&status=failed&page=2");
  });

  it("turn all=true into the yes/no tokens.page takes", () => {
    expect(tokensQueryOf(listViewFrom(TOKENS_LIST, new URLSearchParams("all=true&state=revoked")))).toMatchObject({
      all: true,
      state: "revoked",
      sort: "created",
      order: "desc",
    });
    expect(tokensQueryOf(listViewFrom(TOKENS_LIST, new URLSearchParams("all=yes")))).toMatchObject({ all: false });
  });
});
