import { describe, expect, it } from "vitest";
import {
  globMatches,
  impactHeadline,
  impactLines,
  labelFilterOf,
  labelsOf,
  matrixColumnsMatching,
  matrixFiltersOf,
  matrixSearchOf,
  parseLabelSelector,
  parsePatternList,
  serversMatching,
} from "./policy-view";

describe("impact wording", () => {
  it("says what each server gains and loses, gains first", () => {
    const changes = [
      { server: "github", gained: Array.from({ length: 12 }, (_, i) => `t${i}`), lost: [] },
      { server: "slack", gained: [], lost: ["a", "b", "c"] },
      { server: "jira", gained: ["a"], lost: [] },
    ];
    expect(impactLines(changes).map((l) => l.text)).toEqual(["adds github to 12 tenants", "adds jira to 1 tenant", "removes slack from 3 tenants"]);
    expect(impactLines(changes).map((l) => [l.verb, l.server, l.tenants.length])).toEqual([
      ["adds", "github", 12],
      ["adds", "jira", 1],
      ["removes", "slack", 3],
    ]);
  });

  it("has no line when nothing changes", () => {
    expect(impactLines([])).toEqual([]);
  });

  it("heads the preview with the summary, or a count when the summary would be a paragraph", () => {
    const change = (server: string) => ({ server, gained: [], lost: ["acme"] });
    expect(impactHeadline({ changes: [], summary: "no tenant gains or loses access", tenantsAffected: 0 })).toBe("No tenant gains or loses access.");
    expect(impactHeadline({ changes: [change("github")], summary: "removes github from 1 tenant", tenantsAffected: 1 })).toBe(
      "This change removes github from 1 tenant.",
    );
    const many = ["a", "b", "c", "d"].map(change);
    expect(impactHeadline({ changes: many, summary: "…", tenantsAffected: 1 })).toBe("This change alters access to 4 servers for 1 tenant.");
  });
});

describe("label inputs", () => {
  it("turns editor rows into labels, skipping blank rows", () => {
    expect(
      labelsOf([
        { key: " team ", value: "payments" },
        { key: "", value: "" },
        { key: "tier", value: "gold" },
      ]),
    ).toEqual({ team: "payments", tier: "gold" });
  });

  it("parses a selector typed as key=value pairs and refuses anything else", () => {
    expect(parseLabelSelector("team=payments, tier = gold")).toEqual({ team: "payments", tier: "gold" });
    expect(parseLabelSelector("")).toEqual({});
    expect(parseLabelSelector("team")).toBeNull();
    expect(parseLabelSelector("=x")).toBeNull();
  });

  it("accepts a matrix label filter only as key=value", () => {
    expect(labelFilterOf("  ")).toBeUndefined();
    expect(labelFilterOf("team=payments")).toBe("team=payments");
    expect(labelFilterOf("team")).toBeNull();
    expect(labelFilterOf("team=")).toBeNull();
  });
});

describe("server patterns", () => {
  it("splits a pattern list on commas and whitespace, once each", () => {
    expect(parsePatternList("github, slack\n github-*  ")).toEqual(["github", "slack", "github-*"]);
  });

  it("matches names exactly and globs with * and ?", () => {
    expect(globMatches("github", "github")).toBe(true);
    expect(globMatches("github", "github-enterprise")).toBe(false);
    expect(globMatches("github-*", "github-enterprise")).toBe(true);
    expect(globMatches("*", "anything")).toBe(true);
    expect(globMatches("s?ack", "slack")).toBe(true);
    expect(globMatches("s?ack", "snack-bar")).toBe(false);
  });

  it("lists the servers a pattern would match, none for a blank pattern", () => {
    const servers = ["github", "github-enterprise", "slack"];
    expect(serversMatching("github*", servers)).toEqual(["github", "github-enterprise"]);
    expect(serversMatching("  ", servers)).toEqual([]);
  });
});

describe("filters", () => {
  it("keeps the matrix columns whose server name contains the text", () => {
    const servers = [{ name: "github" }, { name: "slack" }, { name: "gitlab" }];
    expect(matrixColumnsMatching(servers, "GIT")).toEqual([0, 2]);
    expect(matrixColumnsMatching(servers, "")).toEqual([0, 1, 2]);
  });
});

describe("access matrix URL", () => {
  it("keeps only the filters in use, and reads back what it wrote", () => {
    const filters = { group: "payments", label: "env=prod", tenant: " ", server: "git" };
    expect(matrixSearchOf(filters)).toBe("?group=payments&label=env%3Dprod&server=git");
    expect(matrixSearchOf({ group: "", label: "", tenant: "", server: "" })).toBe("");
    const read = matrixFiltersOf(Object.fromEntries(new URLSearchParams(matrixSearchOf(filters).slice(1))));
    expect(read).toEqual({ group: "payments", label: "env=prod", tenant: "", server: "git" });
  });

  it("ignores repeated and unknown parameters", () => {
    expect(matrixFiltersOf({ group: ["a", "b"], tenant: "bot", other: "x" })).toEqual({ group: "", label: "", tenant: "bot", server: "" });
  });
});
