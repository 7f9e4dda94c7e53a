import { describe, expect, it } from "vitest";
import { serverCreateInput } from "../server/catalog/model";
import { CliError } from "./errors";
import { collectList, describeSubjectShort, importContentType, mergeBody, parseLabels, parseSince, parseSubject, validateInput } from "./input";

describe("subjects on the command line", () => {
  it("reads everyone, group:, tenant: and labels: and writes them back the same way", () => {
    const cases = ["everyone", "group:platform", "tenant:payments-bot", "labels:team=payments,tier=gold"];
    for (const text of cases) expect(describeSubjectShort(parseSubject(text))).toBe(text);
    expect(parseSubject("labels:team=payments")).toEqual({ type: "selector", matchLabels: { team: "payments" } });
  });

  it("refuses anything else with the syntax it takes", () => {
    for (const text of ["platform", "group:", "team:x", "labels:team"]) expect(() => parseSubject(text)).toThrow(CliError);
    expect(() => parseSubject("platform")).toThrow("must be everyone, group:NAME, tenant:NAME or labels:KEY=VALUE");
  });
});

describe("request bodies from flags and files", () => {
  it("lets flags override the file, and leaves the file's value where a flag is unset", () => {
    expect(mergeBody({ name: "a", displayName: "From file", scope: "org" }, { displayName: "From flag", scope: undefined })).toEqual({
      name: "a",
      displayName: "From flag",
      scope: "org",
    });
  });

  it("splits labels and comma-separated lists", () => {
    expect(parseLabels(["team=payments", "note=a=b"])).toEqual({ team: "payments", note: "a=b" });
    expect(() => parseLabels(["team"])).toThrow("label 'team' must be key=value");
    expect(collectList("c", collectList("a, b"))).toEqual(["a", "b", "c"]);
  });

  it("sends .json files as JSON and everything else as YAML (a stream of documents)", () => {
    expect(importContentType("catalog.JSON")).toBe("application/json");
    expect(importContentType("catalog.yaml")).toBe("application/yaml");
    expect(importContentType("-")).toBe("application/yaml");
  });

  it("reports an invalid body field by field with the shared schema's messages, before sending it", () => {
    let error: CliError | undefined;
    try {
      validateInput(serverCreateInput, { name: "GitHub", endpoint: "ftp://x" }, "cannot create server");
    } catch (caught) {
      error = caught as CliError;
    }
    expect(error?.message).toBe("cannot create server");
    expect(error?.exitCode).toBe(2);
    expect(error?.detailLines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ {2}name: server name 'GitHub' must be lowercase/), "  displayName: display name is required"]),
    );
  });
});

describe("--since", () => {
  const now = new Date("2026-11-23T12:00:00Z");
  it("takes a duration back from now or a date-time", () => {
    expect(parseSince("30m", now)).toBe("2026-11-23T11:30:00.000Z");
    expect(parseSince("24h", now)).toBe("2026-11-22T12:00:00.000Z");
    expect(parseSince("7d", now)).toBe("2026-11-16T12:00:00.000Z");
    expect(parseSince("2026-11-01T00:00:00Z", now)).toBe("2026-11-01T00:00:00.000Z");
    expect(() => parseSince("yesterday", now)).toThrow("neither a duration (30m, 24h, 7d) nor a date-time");
  });
});
