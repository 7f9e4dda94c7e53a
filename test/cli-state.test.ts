/**
 * `oc state export`, `oc diff` and `oc apply` (issue 15), the real binary against the REST API:
 * a repository of one file per object, its diffs and applies, and their exit codes.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "./support/api-server";
import { describeEachDatabase } from "./support/database";
import { REPO_ROOT } from "./support/env";
import { restClient, TEST_CONFIG, testServices } from "./support/services";

const BIN = path.join(REPO_ROOT, "bin", "oc.cjs");

function runOc(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? "");
  });
}

describeEachDatabase("oc state export, diff and apply", (database) => {
  let api: ApiServer;
  let home: string;
  let env: Record<string, string>;
  const oc = (...args: string[]) => runOc(args, env);

  beforeAll(async () => {
    const services = await testServices(database());
    api = await startApiServer(services);
    const call = restClient(services);
    expect((await call("POST", "/api/v1/tenants", { name: "alpha" })).status).toBe(201);
    expect((await call("POST", "/api/v1/groups", { name: "platform", members: ["alpha"] })).status).toBe(201);
    expect((await call("POST", "/api/v1/mcp-servers", { name: "github", displayName: "GitHub", endpoint: "https://github.example/mcp" })).status).toBe(201);
    expect((await call("POST", "/api/v1/mcp-servers/github/publish")).status).toBe(200);
    expect((await call("POST", "/api/v1/grants", { subject: { type: "group", name: "platform" }, servers: "github", access: "allow" })).status).toBe(201);
    home = fs.mkdtempSync(path.join(os.tmpdir(), "oc-state-"));
    env = { HOME: home, OPENCRANE_URL: api.url, OPENCRANE_TOKEN: TEST_CONFIG.auth.bootstrapToken!, OPENCRANE_CONFIG: path.join(home, "config.json") };
  });
  afterAll(async () => {
    await api.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("exports YAML or JSON, byte-equal to the API's, and an unchanged export diffs with exit 0", async () => {
    const [yaml, json] = await Promise.all([oc("state", "export"), oc("state", "export", "-o", "json")]);
    expect(yaml.code, yaml.stderr).toBe(0);
    const fromApi = await fetch(`${api.url}/api/v1/state`, { headers: { authorization: `Bearer ${env.OPENCRANE_TOKEN}`, accept: "application/yaml" } });
    expect(yaml.stdout).toBe(await fromApi.text());
    expect(YAML.parse(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    const file = path.join(home, "state.yaml");
    fs.writeFileSync(file, yaml.stdout);
    const diff = await oc("diff", "-f", file, "--prune");
    expect(diff).toMatchObject({ code: 0, stdout: "No changes.\n" });
  });

  it("a repository of one file per object: diff shows an edit with exit 1, apply applies it, then diff exits 0", async () => {
    const dir = path.join(home, "repo");
    const split = await oc("state", "export", "--split", dir);
    expect(split.code, split.stderr).toBe(0);
    expect(fs.readdirSync(path.join(dir, "rules"))).toEqual(["group-platform-github.yaml"]);
    const ruleFile = path.join(dir, "rules", "group-platform-github.yaml");
    const rule = YAML.parse(fs.readFileSync(ruleFile, "utf8"));
    expect(rule).toMatchObject({ apiVersion: "opencrane.io/v1alpha1", kind: "Rule", metadata: { name: "group-platform-github" }, spec: { servers: "github" } });
    rule.spec.note = "reviewed in PR 42";
    fs.writeFileSync(ruleFile, YAML.stringify(rule));
    fs.writeFileSync(
      path.join(dir, "tenants", "beta.yaml"),
      YAML.stringify({ apiVersion: "opencrane.io/v1alpha1", kind: "Tenant", metadata: { name: "beta" } }),
    );

    const diff = await oc("diff", "-f", dir);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain("+ tenant beta");
    expect(diff.stdout).toContain('~ rule group-platform-github\n    note: "" → "reviewed in PR 42"');
    expect(diff.stderr).toContain("2 differences");

    const dry = await oc("apply", "-f", dir, "--dry-run", "-o", "json");
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).changes).toHaveLength(2);

    const applied = await oc("apply", "-f", dir);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Applied as change set [0-9a-f-]{36} \(revision \d+\)/);
    expect((await oc("diff", "-f", dir)).code).toBe(0);

    // Pruning: a file removed from the repository is deleted only with --prune.
    fs.rmSync(path.join(dir, "tenants", "beta.yaml"));
    expect((await oc("diff", "-f", dir)).code).toBe(0);
    const prune = await oc("diff", "-f", dir, "--prune");
    expect(prune.code).toBe(1);
    expect(prune.stdout).toContain("- tenant beta");
    expect((await oc("apply", "-f", dir, "--prune")).code).toBe(0);
    expect((await oc("diff", "-f", dir, "--prune")).code).toBe(0);
  });

  it("errors exit above 1: an invalid object (naming it), a missing file, a stale document", async () => {
    const bad = path.join(home, "bad.yaml");
    fs.writeFileSync(bad, YAML.stringify({ apiVersion: "opencrane.io/v1alpha1", kind: "Tenant", metadata: { name: "Bad_Name" } }));
    const invalid = await oc("diff", "-f", bad);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("tenants.Bad_Name.name");
    expect((await oc("apply", "-f", bad)).code).toBe(1);
    expect((await oc("diff", "-f", path.join(home, "missing.yaml"))).code).toBe(2);

    const stale = path.join(home, "stale.json");
    const exported = JSON.parse((await oc("state", "export", "-o", "json")).stdout);
    await runOc(["grants", "add", "tenant:alpha", "github", "--deny", "--name", "no-github-alpha"], env);
    exported.groups[0].description = "edited";
    exported.rules.push({
      name: "no-github-alpha",
      subject: { type: "tenant", name: "alpha" },
      servers: "github",
      access: "deny",
      note: "mine",
      expiresAt: null,
    });
    fs.writeFileSync(stale, JSON.stringify(exported));
    const refused = await oc("apply", "-f", stale);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("rule no-github-alpha was changed here");
    const forced = await oc("apply", "-f", stale, "--force", "-o", "json");
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).changes.map((c: { name: string }) => c.name)).toEqual(["platform", "no-github-alpha"]);
  });
});
