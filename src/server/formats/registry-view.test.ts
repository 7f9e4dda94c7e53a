import { describe, expect, it } from "vitest";
import { registryUri, unpinnedVersionReason } from "./registry-view";

describe("the registry view's rules", () => {
  it.each([
    ["https://github.com/acme/x", "https://github.com/acme/x"],
    ["https://example.com/a b", "https://example.com/a%20b"],
    ["https://[::1]:8080/mcp", "https://[::1]:8080/mcp"],
    ["https://example.com/a|b", null],
    ["https://example.com/a[1]", null],
    ["ftp://example.com/x", null],
    ["not a url", null],
  ])("registryUri(%j) → %j", (value, uri) => {
    expect(registryUri(value)).toBe(uri);
  });

  it.each([
    [undefined, "missing"],
    ["", "missing"],
    ["latest", "latest"],
    ["LATEST", "latest"],
    ["^1.2.3", "range"],
    ["~1.2", "range"],
    [">=1.0.0", "range"],
    ["1.x", "range"],
    ["1.*", "range"],
    ["1.2.3", null],
    ["0.0.1a4", null],
    ["sha256:" + "a".repeat(64), null],
  ])("unpinnedVersionReason(%j) → %j", (version, reason) => {
    expect(unpinnedVersionReason(version)).toBe(reason);
  });
});
