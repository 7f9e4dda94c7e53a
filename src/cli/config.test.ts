import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configPath, normalizeUrl, readStoredLogin, removeStoredLogin, resolveConnection, writeStoredLogin } from "./config";

describe("where the login file lives", () => {
  it("is OPENCRANE_CONFIG, else under XDG_CONFIG_HOME, else under ~/.config", () => {
    expect(configPath({ OPENCRANE_CONFIG: "/tmp/oc.json", XDG_CONFIG_HOME: "/xdg" }, "/home/a")).toBe("/tmp/oc.json");
    expect(configPath({ XDG_CONFIG_HOME: "/xdg" }, "/home/a")).toBe("/xdg/opencrane/config.json");
    expect(configPath({ XDG_CONFIG_HOME: "relative" }, "/home/a")).toBe("/home/a/.config/opencrane/config.json");
    expect(configPath({}, "/home/a")).toBe("/home/a/.config/opencrane/config.json");
  });
});

describe("which URL and token a command uses", () => {
  const stored = { url: "https://opencrane.example.com/", token: "oct_stored" };

  it("takes flags over the environment over the login file", () => {
    const env = { OPENCRANE_URL: "https://opencrane.example.com", OPENCRANE_TOKEN: "oct_env" };
    expect(resolveConnection({ token: "oct_flag" }, env, stored)).toEqual({ url: "https://opencrane.example.com", token: "oct_flag" });
    expect(resolveConnection({}, env, stored)).toEqual({ url: "https://opencrane.example.com", token: "oct_env" });
    expect(resolveConnection({}, {}, stored)).toEqual({ url: "https://opencrane.example.com", token: "oct_stored" });
  });

  it("never sends the stored token to a URL other than the one it was stored for", () => {
    expect(resolveConnection({ url: "https://elsewhere.example.com" }, {}, stored)).toEqual({ url: "https://elsewhere.example.com", token: undefined });
    expect(resolveConnection({}, { OPENCRANE_URL: "http://evil.test" }, stored).token).toBeUndefined();
  });

  it("asks for a URL when there is none, and refuses what is not http(s)", () => {
    expect(() => resolveConnection({}, {}, null)).toThrow("run `oc login --url URL`, or pass --url or set OPENCRANE_URL");
    expect(() => normalizeUrl("ftp://x")).toThrow("must be an http:// or https:// URL");
    expect(() => normalizeUrl("localhost:3000")).toThrow("must be an http:// or https:// URL");
    expect(normalizeUrl(" http://localhost:3000/ ")).toBe("http://localhost:3000");
  });
});

describe("the login file", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is written owner-only, read back, and removed", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oc-config-"));
    const file = path.join(dir, "nested", "config.json");
    writeStoredLogin(file, { url: "http://localhost:3000", token: "oct_secret" });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readStoredLogin(file)).toEqual({ url: "http://localhost:3000", token: "oct_secret" });
    expect(removeStoredLogin(file)).toBe(true);
    expect(removeStoredLogin(file)).toBe(false);
    expect(readStoredLogin(file)).toBeNull();
  });

  it("tightens an existing file's permissions when rewriting it", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oc-config-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, "{}", { mode: 0o644 });
    writeStoredLogin(file, { url: "http://localhost:3000", token: "oct_secret" });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("names a file that is not a login file", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oc-config-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, '{"url": 1}');
    expect(() => readStoredLogin(file)).toThrow(`${file} is not an oc login file`);
  });
});
