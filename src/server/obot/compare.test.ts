import { describe, expect, it } from "vitest";
import type { ObotEntry } from "../formats/obot-entry";
import { compareWithObot, maskedToken, obotSourceId, planEnsure, syncErrorFor } from "./compare";

const FEED = "http://opencrane.opencrane.svc:3001/api/internal/obot-registry";
const OTHER = "https://catalog.partner.example/mcp.yaml";

describe("planEnsure", () => {
  it("adds the feed, keeping the other sources and not mentioning their credentials", () => {
    const plan = planEnsure({ displayName: "Default", sourceURLs: [OTHER], sourceURLCredentials: { [OTHER]: "****9999" } }, FEED, "tok-abcd1234");
    expect(plan).toEqual({
      reason: "source-missing",
      update: { displayName: "Default", sourceURLs: [OTHER, FEED], sourceURLCredentials: { [FEED]: "tok-abcd1234" } },
    });
  });

  it("sends no credential without OBOT_REGISTRY_TOKEN", () => {
    expect(planEnsure({ sourceURLs: null }, FEED, undefined)?.update).toEqual({ displayName: "", sourceURLs: [FEED] });
  });

  it("finds the feed by Obot's source id (scheme and trailing slashes do not count)", () => {
    expect(planEnsure({ sourceURLs: [`${FEED}/`] }, FEED, undefined)).toBeNull();
    expect(obotSourceId(`https://a.example/x//`)).toBe(obotSourceId("http://a.example/x"));
  });

  it("sets the token when Obot's mask shows another one, or none", () => {
    expect(planEnsure({ sourceURLs: [FEED], sourceURLCredentials: { [FEED]: maskedToken("tok-abcd1234") } }, FEED, "tok-abcd1234")).toBeNull();
    const wrong = planEnsure({ sourceURLs: [OTHER, FEED], sourceURLCredentials: { [FEED]: "****0000" } }, FEED, "tok-abcd1234");
    expect(wrong).toEqual({
      reason: "credential-mismatch",
      update: { displayName: "", sourceURLs: [OTHER, FEED], sourceURLCredentials: { [FEED]: "tok-abcd1234" } },
    });
    expect(planEnsure({ sourceURLs: [FEED] }, FEED, "tok-abcd1234")?.reason).toBe("credential-mismatch");
  });
});

const entry = (name: string, extra: Partial<ObotEntry> = {}): ObotEntry => ({
  name: name.toUpperCase(),
  entryKey: name,
  serverUserType: "singleUser",
  shortDescription: "",
  description: "d",
  icon: "",
  runtime: "remote",
  remoteConfig: { fixedURL: `https://${name}.example/mcp` },
  metadata: { categories: "A,B" },
  ...extra,
});

describe("compareWithObot", () => {
  it("in-obot when Obot holds what Obot's decoder would make of the feed entry; outdated otherwise; missing when absent", () => {
    const held = [
      // Key case, zero values and category spacing do not make a difference to Obot.
      {
        sourceURL: FEED,
        manifest: {
          Name: "A",
          entryKey: "a",
          serverUserType: "singleUser",
          description: "d",
          runtime: "remote",
          remoteConfig: { fixedURL: "https://a.example/mcp", headers: [] },
          metadata: { categories: "A, B" },
          icon: "",
        },
      },
      { sourceURL: FEED, manifest: { ...entry("b"), description: "older" } },
      // The same entry from another source is not ours.
      { sourceURL: OTHER, manifest: entry("c") },
    ];
    expect(compareWithObot([entry("a"), entry("b"), entry("c")], held, FEED, null)).toEqual([
      { name: "a", state: "in-obot" },
      { name: "b", state: "outdated", message: "Obot holds a different version of this entry" },
      { name: "c", state: "missing" },
    ]);
  });

  it("error with Obot's message when Obot reports a sync error for our source", () => {
    const held = [{ sourceURL: FEED, manifest: entry("a") as unknown as Record<string, unknown> }];
    const syncError = syncErrorFor({ syncErrors: { [OTHER]: "x", [`${FEED}/`]: "unexpected status 401" } }, FEED);
    expect(syncError).toBe("unexpected status 401");
    expect(compareWithObot([entry("a"), entry("b")], held, FEED, syncError)).toEqual([
      { name: "a", state: "in-obot" },
      { name: "b", state: "error", message: "unexpected status 401" },
    ]);
    expect(compareWithObot([entry("a")], held, FEED, "failed to validate catalog entry A: invalid entryKey")[0]!.state).toBe("error");
  });
});
