import { execFileSync, spawn } from "node:child_process";
import dns from "node:dns/promises";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AllowList, FetchRefused } from "./fetch";
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

/** Smart HTTP (git http-backend as CGI) for the repositories under `root`. */
function gitHttpServer(root: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://git.test");
    const cgi = spawn("git", ["http-backend"], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on("data", (c: Buffer) => chunks.push(c));
    cgi.on("close", () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf("\r\n\r\n");
      const head = out.subarray(0, split).toString().split("\r\n");
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head) {
        const [name, ...rest] = line.split(":");
        if (name!.toLowerCase() === "status") status = Number(rest.join(":").trim().split(" ")[0]);
        else headers[name!] = rest.join(":").trim();
      }
      res.writeHead(status, headers).end(out.subarray(split + 4));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("cloning a git source over http(s)", () => {
  let root: string;
  let server: http.Server;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-git-http-"));
    const work = path.join(root, "work");
    execFileSync("git", ["init", "-q", "-b", "main", work]);
    fs.mkdirSync(path.join(work, "catalog"));
    fs.writeFileSync(
      path.join(work, "catalog", "pinned.json"),
      JSON.stringify({ name: "Pinned", runtime: "remote", remoteConfig: { fixedURL: "https://pinned.example/mcp" } }),
    );
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    execFileSync("git", ["-C", work, "add", "."], { env });
    execFileSync("git", ["-C", work, "commit", "-q", "-m", "catalog"], { env });
    execFileSync("git", ["clone", "-q", "--bare", work, path.join(root, "catalog.git")]);
    server = await gitHttpServer(root);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("connects git to the address the SSRF guard checked, so a second DNS answer cannot redirect it", async () => {
    // The name resolves once, for the guard; git itself could not resolve it (a rebinding server
    // could have answered anything the second time).
    const lookup = vi.spyOn(dns, "lookup").mockImplementation((async (host: string) => {
      if (host === "catalog.invalid") return [{ address: "127.0.0.1", family: 4 }];
      throw Object.assign(new Error(`unexpected lookup of ${host}`), { code: "ENOTFOUND" });
    }) as never);
    const { port } = server.address() as AddressInfo;
    const { documents } = await readGit(
      { url: `http://catalog.invalid:${port}/catalog.git`, ref: "main", path: "catalog" },
      new AllowList(["catalog.invalid"]),
    );
    expect(documents.map((d) => d.origin)).toEqual(["catalog/pinned.json"]);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it("never lets git connect elsewhere than the guard approved: a backslash or user info in the URL is refused", async () => {
    // In the first, WHATWG URL parsing (the guard's) sees host 1.2.3.4, a public address; curl, inside
    // git, sees user '1.2.3.4\' at host 127.0.0.1. Before the fix, it cloned the loopback repository.
    const { port } = server.address() as AddressInfo;
    const guarded = new AllowList([]);
    for (const url of [
      `http://1.2.3.4\\@127.0.0.1:${port}/catalog.git`,
      `http://1.2.3.4@127.0.0.1:${port}/catalog.git`,
      `http://user:secret@127.0.0.1:${port}/catalog.git`,
      `http://1.2.3.4\t@127.0.0.1:${port}/catalog.git`,
    ]) {
      const attempt = readGit({ url, ref: "main", path: "catalog" }, guarded);
      await expect(attempt).rejects.toBeInstanceOf(FetchRefused);
    }
    await expect(readGit({ url: `http://1.2.3.4\\@127.0.0.1:${port}/catalog.git`, ref: "main", path: null }, guarded)).rejects.toThrow(/backslash/);
  });
});
