import { describe, expect, it } from "vitest";
import { foundEntries, isTyping, matchingPages, moveActive, ruleHref } from "./palette";

describe("command palette entries", () => {
  it("leads each found thing to its page, rules to the rules page filtered to them", () => {
    const entries = foundEntries({
      servers: [{ name: "weather", displayName: "Weather", status: "active" }],
      tenants: [{ name: "ops-agent", displayName: "", team: "ops" }],
      groups: [{ name: "platform", description: "Platform team" }],
      rules: [{ id: "r1", subject: { type: "group", name: "platform" }, servers: "pay*", access: "allow", note: "" }],
    });
    expect(entries.map((e) => [e.kind, e.label, e.href])).toEqual([
      ["server", "weather", "/servers/weather"],
      ["tenant", "ops-agent", "/tenants/ops-agent"],
      ["group", "platform", "/groups?q=platform"],
      ["rule", "allow group platform → pay*", "/rules?group=platform&server=pay*"],
    ]);
    expect(entries[1]!.detail).toBe("team ops");
    expect(ruleHref({ subject: { type: "everyone" }, servers: "*" })).toBe("/rules?server=*");
  });

  it("matches pages by label, every page for no text", () => {
    const pages = [
      { href: "/servers", label: "Catalog" },
      { href: "/audit", label: "Audit log" },
    ];
    expect(matchingPages(pages, "").map((p) => p.href)).toEqual(["/servers", "/audit"]);
    expect(matchingPages(pages, " AUD ").map((p) => p.href)).toEqual(["/audit"]);
  });

  it("moves the active entry with the arrow keys, wrapping around", () => {
    expect(moveActive(-1, 3, "ArrowDown")).toBe(0);
    expect(moveActive(2, 3, "ArrowDown")).toBe(0);
    expect(moveActive(0, 3, "ArrowUp")).toBe(2);
    expect(moveActive(1, 3, "End")).toBe(2);
    expect(moveActive(1, 0, "ArrowDown")).toBe(-1);
  });

  it("treats text fields as typing and buttons or checkboxes as not", () => {
    expect(isTyping({ tagName: "INPUT", type: "search" })).toBe(true);
    expect(isTyping({ tagName: "TEXTAREA" })).toBe(true);
    expect(isTyping({ tagName: "INPUT", type: "checkbox" })).toBe(false);
    expect(isTyping({ tagName: "BUTTON" })).toBe(false);
    expect(isTyping({ tagName: "DIV", isContentEditable: true })).toBe(true);
  });
});
