import { describe, expect, it } from "vitest";
import { loadConfig as loadConfigFrom } from "../config";

const loadConfig = (env: Record<string, string>) => loadConfigFrom(env as NodeJS.ProcessEnv);

const FEED = "http://opencrane-control-plane.opencrane.svc:3001/api/internal/obot-registry";

describe("OPENCRANE_OBOT_* configuration", () => {
  it("turns the link on with both URLs, off with neither, and refuses one alone", () => {
    expect(loadConfig({}).obot).toBeUndefined();
    expect(loadConfig({ OPENCRANE_OBOT_URL: "http://obot.obot.svc:8080/", OPENCRANE_OBOT_FEED_URL: FEED }).obot).toEqual({
      url: "http://obot.obot.svc:8080",
      feedUrl: FEED,
      ensureMs: 60_000,
    });
    expect(() => loadConfig({ OPENCRANE_OBOT_URL: "http://obot:8080" })).toThrow(/needs both OPENCRANE_OBOT_URL .* and OPENCRANE_OBOT_FEED_URL/);
    expect(() => loadConfig({ OPENCRANE_OBOT_URL: "obot:8080", OPENCRANE_OBOT_FEED_URL: FEED })).toThrow(/OPENCRANE_OBOT_URL must be an/);
    expect(loadConfig({ OPENCRANE_OBOT_URL: "http://o", OPENCRANE_OBOT_FEED_URL: FEED, OPENCRANE_OBOT_ENSURE_SECONDS: "5" }).obot?.ensureMs).toBe(5000);
  });

  it("turns drift repair on in repair mode when a deployment is named, and checks the name and mode", () => {
    const LINK = { OPENCRANE_OBOT_URL: "http://obot.obot.svc:8080" };
    expect(loadConfig({}).obotDrift).toBeUndefined();
    const on = loadConfig({
      ...LINK,
      OPENCRANE_OBOT_DEPLOYMENT: "obot/obot",
      OPENCRANE_OBOT_FEED_URL: FEED,
      OPENCRANE_OBOT_ENCRYPTION_PROVIDER: "none",
    }).obotDrift;
    expect(on).toMatchObject({ namespace: "obot", name: "obot", mode: "repair", intervalMs: 60_000, feedUrl: FEED, encryptionProvider: "none" });
    expect(loadConfig({ ...LINK, OPENCRANE_OBOT_DEPLOYMENT: "obot/obot", OPENCRANE_OBOT_FEED_URL: FEED, OPENCRANE_OBOT_DRIFT: "report" }).obotDrift?.mode).toBe(
      "report",
    );
    expect(() => loadConfig({ ...LINK, OPENCRANE_OBOT_DEPLOYMENT: "obot", OPENCRANE_OBOT_FEED_URL: FEED })).toThrow(/<namespace>\/<name>/);
    expect(() => loadConfig({ ...LINK, OPENCRANE_OBOT_DEPLOYMENT: "obot/obot", OPENCRANE_OBOT_FEED_URL: FEED, OPENCRANE_OBOT_DRIFT: "fix" })).toThrow(
      /repair, report or off/,
    );
    expect(() => loadConfig({ OPENCRANE_OBOT_DEPLOYMENT: "obot/obot" })).toThrow(/needs OPENCRANE_OBOT_FEED_URL/);
    expect(() => loadConfig({ OPENCRANE_OBOT_DRIFT: "report" })).toThrow(/needs OPENCRANE_OBOT_DEPLOYMENT/);
  });
});
