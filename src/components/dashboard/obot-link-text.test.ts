import { describe, expect, it } from "vitest";
import { LINK_OFF } from "@/server/obot/link";
import { agoText, linkText, serverText } from "./obot-link-text";

const NOW = Date.parse("2026-12-02T12:00:08Z");
const ok = {
  ...LINK_OFF.link,
  url: "http://obot:8080",
  feedUrl: "http://cp:3001/api/internal/obot-registry",
  state: "ok" as const,
  lastSynced: "2026-12-02T12:00:00Z",
};

describe("the console's Obot link texts", () => {
  it("say how long ago Obot synced, to the second", () => {
    expect(agoText("2026-12-02T12:00:00Z", NOW)).toBe("8 s ago");
    expect(agoText("2026-12-02T11:56:08Z", NOW)).toBe("4 min ago");
    expect(linkText(ok, NOW)).toBe("Obot synced 8 s ago.");
    expect(linkText({ ...ok, syncError: "unexpected status 401" }, NOW)).toBe("Obot synced 8 s ago. Obot reports: unexpected status 401");
  });

  it("say per server: in Obot, missing, older version, Obot's error; and that the link is off or Obot unreachable", () => {
    expect(serverText(ok, { name: "a", state: "in-obot" }, NOW)).toBe("in Obot, synced 8 s ago");
    expect(serverText(ok, { name: "a", state: "missing" }, NOW)).toBe("missing from Obot");
    expect(serverText(ok, { name: "a", state: "outdated" }, NOW)).toBe("Obot holds an older version");
    expect(serverText(ok, { name: "a", state: "error", message: "bad entry" }, NOW)).toBe("Obot reports: bad entry");
    expect(serverText(LINK_OFF.link, undefined, NOW)).toContain("The Obot link is off");
    expect(linkText(LINK_OFF.link, NOW)).toContain("The Obot link is off");
    expect(serverText({ ...ok, state: "unreachable", syncError: "Obot unreachable: ECONNREFUSED" }, undefined, NOW)).toContain("Obot is unreachable");
  });
});
