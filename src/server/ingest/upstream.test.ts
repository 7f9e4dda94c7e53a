import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AllowList } from "./fetch";
import { readGit } from "./upstream";

describe("reading a git source", () => {
  let repo: string;
  let outside: string;
  const allow = new AllowList(["file://"]);
  const entry = (name: string) => JSON.stringify({ name, runtime: "remote", remoteConfig: { fixedURL: `https://${name}.example/mcp` } });

  beforeAll(() => {
    outside = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-outside-"));
    fs.writeFileSync(path.join(outside, "secret.json"), entry("Outside Secret"));
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-symlink-repo-"));
    execFileSync("git", ["init", "-q", "-b", "main", repo]);
    fs.mkdirSync(path.join(repo, "catalog"));
    fs.writeFileSync(path.join(repo, "catalog", "inside.json"), entry("Inside"));
    fs.symlinkSync(outside, path.join(repo, "escape"));
    fs.symlinkSync(outside, path.join(repo, "catalog", "nested-escape"));
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    execFileSync("git", ["-C", repo, "add", "."], { env });
    execFileSync("git", ["-C", repo, "commit", "-q", "-m", "symlinks"], { env });
  });
  afterAll(() => {
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("reads the files under the path, and follows no symlink out of the repository", async () => {
    const { documents } = await readGit({ url: `file://${repo}`, ref: "main", path: "catalog" }, allow);
    expect(documents.map((d) => d.origin)).toEqual(["catalog/inside.json"]);
  });

  it("refuses a path that is a symlink leading out of the repository", async () => {
    await expect(readGit({ url: `file://${repo}`, ref: "main", path: "escape" }, allow)).rejects.toThrow("leaves the repository");
  });
});
