import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { cellText, formatDetails, formatTable, parseOutputFormat, render, shortTime } from "./output";

const rows = [
  { name: "github", status: "active", categories: ["Developer Tools", "Code"] },
  { name: "linear-enterprise", status: "draft", categories: [] },
];
const columns = [
  { header: "NAME", value: (r: (typeof rows)[number]) => r.name },
  { header: "STATUS", value: (r: (typeof rows)[number]) => r.status },
  { header: "CATEGORIES", value: (r: (typeof rows)[number]) => r.categories },
];

describe("tables for people", () => {
  it("aligns every column to its widest cell, with no trailing spaces", () => {
    expect(formatTable(rows, columns).split("\n")).toEqual([
      "NAME               STATUS  CATEGORIES",
      "github             active  Developer Tools, Code",
      "linear-enterprise  draft   -",
    ]);
  });

  it("says so when there are no rows, instead of printing a bare header", () => {
    expect(formatTable([], columns, "No servers match.")).toBe("No servers match.");
  });

  it("cuts cells longer than a column's maximum with an ellipsis", () => {
    const table = formatTable([{ text: "a".repeat(40) }], [{ header: "TEXT", value: (r) => r.text, maxWidth: 10 }]);
    expect(table.split("\n")[1]).toBe(`${"a".repeat(9)}…`);
  });

  it("shows nothing as '-', lists comma-separated, objects as JSON, and keeps cells on one line", () => {
    expect([null, undefined, "", [], ["a", "b"], { k: 1 }, "two\n lines", 3].map(cellText)).toEqual(["-", "-", "-", "-", "a, b", '{"k":1}', "two lines", "3"]);
  });

  it("aligns detail labels", () => {
    expect(
      formatDetails([
        ["Name", "github"],
        ["Display name", "GitHub"],
      ]),
    ).toBe("Name:          github\nDisplay name:  GitHub");
  });

  it("shortens API times to the second", () => {
    expect(shortTime("2026-11-23T10:04:11.123Z")).toBe("2026-11-23 10:04:11Z");
    expect(shortTime(null)).toBe("-");
  });
});

describe("output for scripts", () => {
  it("prints the data itself as JSON or YAML, never the table view", () => {
    const data = { items: rows };
    expect(JSON.parse(render(data, "json", () => "table"))).toEqual(data);
    expect(YAML.parse(render(data, "yaml", () => "table"))).toEqual(data);
    expect(render(data, "table", () => "table")).toBe("table\n");
  });

  it("refuses an unknown format with the ones it knows", () => {
    expect(parseOutputFormat("yaml")).toBe("yaml");
    expect(() => parseOutputFormat("xml")).toThrow("output format must be table, json or yaml (got 'xml')");
  });
});
