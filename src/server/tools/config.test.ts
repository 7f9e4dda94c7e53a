import { describe, expect, it } from "vitest";
import { loadConfig as load } from "../config";

const loadConfig = (env: Record<string, string>) => load(env as NodeJS.ProcessEnv);

describe("OPENCRANE_TOOL_DISCOVERY_MINUTES", () => {
  it("re-discovers every 6 hours by default, and discovers at publish", () => {
    expect(loadConfig({}).toolDiscovery).toEqual({ intervalMs: 360 * 60_000, discoverOnPublish: true });
  });

  it("takes minutes; 0 turns the schedule off; anything else is refused with the variable's name", () => {
    expect(loadConfig({ OPENCRANE_TOOL_DISCOVERY_MINUTES: "15" }).toolDiscovery?.intervalMs).toBe(15 * 60_000);
    expect(loadConfig({ OPENCRANE_TOOL_DISCOVERY_MINUTES: "0" }).toolDiscovery?.intervalMs).toBe(0);
    expect(() => loadConfig({ OPENCRANE_TOOL_DISCOVERY_MINUTES: "hourly" })).toThrow("OPENCRANE_TOOL_DISCOVERY_MINUTES must be a number of at least 0");
    expect(() => loadConfig({ OPENCRANE_TOOL_DISCOVERY_MINUTES: "-5" })).toThrow("OPENCRANE_TOOL_DISCOVERY_MINUTES");
  });
});
