import { describe, expect, it } from "vitest";
import { decodeAs, go, goFormatFloat32, type DecodeReport } from "./go-decode";
import { parseYamlDocuments, resolvePlainScalarLikeGo } from "./go-yaml";

describe("Go's strconv.FormatFloat(v, 'g', -1, 32)", () => {
  it.each([
    [1.5, "1.5"],
    [0.1, "0.1"],
    [3.14159265358979, "3.1415927"],
    [100, "100"],
    [123456, "123456"],
    [1e6, "1e+06"],
    [1234567, "1.234567e+06"],
    [16777217, "1.6777216e+07"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [-2.5e-10, "-2.5e-10"],
    [1e21, "1e+21"],
    [Infinity, "+Inf"],
  ])("%s → %s", (value, text) => {
    expect(goFormatFloat32(value)).toBe(text);
  });
});

describe("go-yaml v2 plain scalars (YAML 1.1)", () => {
  it.each([
    ["yes", true],
    ["On", true],
    ["y", true],
    ["NO", false],
    ["off", false],
    ["~", null],
    ["", null],
    ["0777", 511],
    ["0x1F", 31],
    ["0o17", 15],
    ["-0b101", -5],
    ["1_000", 1000],
    ["08", 8],
    ["1.0", 1],
    [".5", 0.5],
    ["1e6", "1e+06"],
    ["12345678901234567890", "12345678901234567890"],
    ["1e400", "1e400"],
    [".inf", "+Inf"],
    ["2024-01-01", "2024-01-01"],
    ["latest", "latest"],
  ])("%j → %j", (text, value) => {
    expect(resolvePlainScalarLikeGo(text)).toEqual(value);
  });

  it("reads Obot entries by those rules, with merge keys, and other documents by YAML 1.2", () => {
    const [entry, other] = parseYamlDocuments(
      [
        "name: X",
        "runtime: containerized",
        "defaults: &d {path: /mcp, port: 0x1F90}",
        "containerizedConfig:",
        "  <<: *d",
        "  image: img",
        "  args: [--flag, yes, '8080', 010]",
        "---",
        "name: io.example/x",
        "description: yes",
      ].join("\n"),
    ) as Record<string, Record<string, unknown>>[];
    expect(entry!.containerizedConfig).toEqual({ path: "/mcp", port: 8080, image: "img", args: ["--flag", true, "8080", 8] });
    expect(other!.description).toBe("yes");
  });

  it("lets a later duplicate key win, as go-yaml v2 does outside strict mode", () => {
    expect(parseYamlDocuments("name: X\nruntime: npx\nname: Z\n")).toEqual([{ name: "Z", runtime: "npx" }]);
  });
});

describe("decoding into Go types", () => {
  const decode = (value: unknown, type = go.struct({ name: go.string, args: go.list(go.string), port: go.int, on: go.bool })) => {
    const report: DecodeReport = { warnings: [], errors: [] };
    return { value: decodeAs(value, type, "", report), ...report };
  };

  it("matches keys case-insensitively and, when two keys fill one field, uses the last in byte order", () => {
    expect(decode({ Name: "b", NAME: "a" })).toMatchObject({ value: { name: "b" } });
    expect(decode({ Name: "b", name: "c" }).value).toEqual({ name: "c" });
    expect(decode({ PORT: 1 })).toEqual({
      value: { port: 1 },
      errors: [],
      warnings: ["PORT: read as 'port' (Obot matches field names case-insensitively); served as 'port'"],
    });
  });

  it("reads numbers and booleans in string fields as strings, and refuses other mismatches", () => {
    expect(decode({ name: 12, args: [1.5, true] })).toMatchObject({ value: { name: "12", args: ["1.5", "true"] }, errors: [] });
    expect(decode({ port: "80" }).errors).toEqual(['port: must be a whole number, not string "80"']);
    expect(decode({ port: 80.5 }).errors).toEqual(["port: must be a whole number, not number 80.5"]);
    expect(decode({ on: "true" }).errors).toEqual(['on: must be true or false, not string "true"']);
    expect(decode({ args: "--x" }).errors).toEqual(['args: must be a list, not string "--x"']);
    expect(decode({ name: ["a"] }).errors).toEqual(["name: must be a string, not a list"]);
  });

  it("reads null as the zero value: an absent field, an empty list item, an empty map value", () => {
    expect(decode({ name: null, args: null, port: null, on: null }).value).toEqual({});
    expect(decode({ args: ["a", null] }).value).toEqual({ args: ["a", ""] });
    expect(decode({ m: { k: null } }, go.struct({ m: go.stringMap })).value).toEqual({ m: { k: "" } });
  });

  it("does not coerce into fields promoted from an embedded struct, as sigs.k8s.io/yaml does not", () => {
    const type = go.struct({ ...go.promoted({ value: go.string }), own: go.string });
    const decoded = decode({ value: 8080, own: 1 }, type);
    expect(decoded.errors).toEqual([expect.stringContaining("value: must be a string, not the number 8080")]);
    expect(decoded.value).toEqual({ own: "1" });
  });
});
