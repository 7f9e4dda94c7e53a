import { describe, expect, it } from "vitest";
import { checkPattern, closestServer, duplicateRules, editDistance, patternCheckText, sameSubject, type ServerTarget } from "./rule-check";

const targets: ServerTarget[] = [
  { name: "github", status: "active" },
  { name: "github-enterprise", status: "active" },
  { name: "gitlab", status: "draft" },
  { name: "slack", status: "active" },
  { name: "jira", status: "degraded" },
  { name: "linear", status: "draft" },
];

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("github", "github")).toBe(0);
    expect(editDistance("githb", "github")).toBe(1);
    expect(editDistance("gihtub", "github")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("closestServer", () => {
  it("suggests the nearest name within a few edits", () => {
    expect(closestServer("githb", targets)?.name).toBe("github");
    expect(closestServer("slak", targets)?.name).toBe("slack");
    expect(closestServer("linaer", targets)).toEqual({ name: "linear", status: "draft" });
  });

  it("suggests nothing when no name is close, or for a glob", () => {
    expect(closestServer("postgres", targets)).toBeNull();
    expect(closestServer("githb-*", targets)).toBeNull();
    expect(closestServer("  ", targets)).toBeNull();
  });

  it("prefers an active server on a tie, then the first name", () => {
    const tie: ServerTarget[] = [
      { name: "abd", status: "draft" },
      { name: "abc", status: "draft" },
      { name: "abe", status: "active" },
    ];
    expect(closestServer("abx", tie)?.name).toBe("abe");
    expect(closestServer("abx", tie.slice(0, 2))?.name).toBe("abc");
  });
});

describe("checkPattern", () => {
  it("lists the active servers a name or glob matches, and those not active yet", () => {
    expect(checkPattern("github*", targets)).toEqual({ kind: "matches", active: ["github", "github-enterprise"], inactive: [] });
    expect(checkPattern("*i*", targets)).toEqual({
      kind: "matches",
      active: ["github", "github-enterprise"],
      inactive: [
        { name: "gitlab", status: "draft" },
        { name: "jira", status: "degraded" },
        { name: "linear", status: "draft" },
      ],
    });
  });

  it("warns when a pattern only reaches servers that are not active", () => {
    expect(checkPattern("gitlab", targets)).toEqual({ kind: "inactive-only", inactive: [{ name: "gitlab", status: "draft" }] });
    expect(patternCheckText(checkPattern("gitlab", targets))).toEqual({
      tone: "warning",
      text: "Matches no active server, only gitlab (draft): it applies once that server is published.",
    });
  });

  it("calls a pattern matching nothing a likely typo and names the closest server", () => {
    expect(checkPattern(" githb ", targets)).toEqual({ kind: "no-match", suggestion: { name: "github", status: "active" } });
    expect(patternCheckText(checkPattern("githb", targets))?.text).toBe("Matches no server. Did you mean github?");
    expect(patternCheckText(checkPattern("gitlb", targets))?.text).toBe("Matches no server. Did you mean gitlab (draft)?");
    expect(patternCheckText(checkPattern("postgres", targets))?.text).toMatch(/^Matches no server in the catalog/);
  });

  it("says nothing for an empty pattern and counts matches in the hint", () => {
    expect(patternCheckText(checkPattern("", targets))).toBeNull();
    expect(patternCheckText(checkPattern("slack", targets))).toEqual({ tone: "info", text: "Matches 1 active server: slack" });
    expect(patternCheckText(checkPattern("*", targets))?.text).toBe(
      "Matches 3 active servers: github, github-enterprise, slack (and 3 servers not active yet)",
    );
  });
});

describe("duplicateRules", () => {
  const rules = [
    { id: "1", subject: { type: "group", name: "payments" }, servers: "github", access: "allow" },
    { id: "2", subject: { type: "group", name: "payments" }, servers: "github", access: "deny" },
    { id: "3", subject: { type: "selector", matchLabels: { team: "a", tier: "gold" } }, servers: "slack-*", access: "allow" },
    { id: "4", subject: { type: "everyone" }, servers: "*", access: "allow" },
    { id: "5", subject: { type: "tenant", name: "payments" }, servers: "github", access: "allow" },
  ];

  it("finds rules with the same subject, pattern and access", () => {
    expect(duplicateRules({ subject: { type: "group", name: "payments" }, servers: " github ", access: "allow" }, rules).map((r) => r.id)).toEqual(["1"]);
    expect(duplicateRules({ subject: { type: "everyone" }, servers: "*", access: "allow" }, rules).map((r) => r.id)).toEqual(["4"]);
  });

  it("compares label selectors whatever their key order", () => {
    const candidate = { subject: { type: "selector", matchLabels: { tier: "gold", team: "a" } }, servers: "slack-*", access: "allow" };
    expect(duplicateRules(candidate, rules).map((r) => r.id)).toEqual(["3"]);
    expect(duplicateRules({ ...candidate, subject: { type: "selector", matchLabels: { team: "a" } } }, rules)).toEqual([]);
  });

  it("ignores the rule being edited, and rules differing in access, pattern or subject kind", () => {
    expect(duplicateRules({ subject: { type: "group", name: "payments" }, servers: "github", access: "allow" }, rules, "1")).toEqual([]);
    expect(duplicateRules({ subject: { type: "group", name: "payments" }, servers: "github-*", access: "allow" }, rules)).toEqual([]);
    expect(sameSubject({ type: "group", name: "payments" }, { type: "tenant", name: "payments" })).toBe(false);
  });
});
