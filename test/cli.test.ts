/**
 * The real `oc` binary, run as a child process against the REST API served from a test database:
 * each command group end to end, its JSON parsed and checked, and its exit codes and messages.
 * Each `oc` start costs about half a second (tsx), so independent commands run concurrently.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Services } from "@/server/services";
import { startApiServer, type ApiServer } from "./support/api-server";
import { describeEachDatabase } from "./support/database";
import { REPO_ROOT } from "./support/env";
import { startFakeRegistry, type FakeRegistry } from "./support/fake-registry";
import { startMutableServer } from "./support/mcp-servers";
import { FIXTURES } from "./support/obot";
import { apiTokenCreateInput, createApiToken } from "@/server/auth/tokens";
import { ALICE, principalFor, restClient, TEST_CONFIG, testServices } from "./support/services";

// Each test runs oc as a child process a dozen or more times (about a second each): on a busy CI machine 30 s is not enough.
vi.setConfig({ testTimeout: 120_000 });

const BIN = path.join(REPO_ROOT, "bin", "oc.cjs");
const TOKEN = TEST_CONFIG.auth.bootstrapToken!;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `oc` with only the environment given (plus PATH), so nothing of the developer's own login leaks in; `input` is its stdin. */
function runOc(args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? "");
  });
}

const serverJson = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "server-json", file), "utf8")) as Record<string, unknown>;

describe("oc without a control plane", () => {
  let home: string;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "oc-cli-"));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it("names an unreachable control plane, refuses bad usage, and shows examples in --help", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const env = { HOME: home, OPENCRANE_CONFIG: path.join(home, "config.json") };

    const [unreachable, noUrl, badFormat, invalid, help] = await Promise.all([
      runOc(["mcp", "list", "--url", deadUrl, "--token", "t"], env),
      runOc(["mcp", "list"], env),
      runOc(["mcp", "list", "-o", "xml"], env),
      runOc(["mcp", "create", "GitHub", "--endpoint", "ftp://x", "--url", deadUrl, "--token", "t"], env),
      runOc(["grants", "add", "--help"], env),
    ]);
    expect(unreachable).toMatchObject({ code: 3, stdout: "" });
    expect(unreachable.stderr).toContain(`error: cannot reach the control plane at ${deadUrl}: connection refused`);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("no control plane URL: run `oc login --url URL`");
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain("Allowed choices are table, json, yaml");
    // Checked here with the shared schema, so nothing is sent to the (dead) server.
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("error: cannot create server\n  name: server name 'GitHub' must be lowercase");
    expect(invalid.stderr).toContain("  endpoint: endpoint 'ftp://x' must be an absolute http:// or https:// URL");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:\n  oc grants add group:platform 'github*' --dry-run");
    expect(help.stdout).toContain("Global Options:");
  });
});

describeEachDatabase("oc against the control plane", (database, kind) => {
  let services: Services;
  let api: ApiServer;
  let registry: FakeRegistry;
  let home: string;
  let env: Record<string, string>;

  const oc = (...args: string[]) => runOc(args, env);
  /** `oc … -o json`, which must succeed; its parsed output. */
  const ocJson = async (...args: string[]) => {
    const result = await oc(...args, "-o", "json");
    expect(result.code, `oc ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    services = await testServices(database(), { ingest: { fetchAllowHosts: ["127.0.0.1"], denylistedNamespaces: [] } });
    await services.ingestion.start();
    api = await startApiServer(services);
    registry = await startFakeRegistry([{ server: serverJson("pypi-package.json") }, { server: serverJson("oci-stdio.json") }]);
    home = fs.mkdtempSync(path.join(os.tmpdir(), "oc-cli-"));
    env = { HOME: home, OPENCRANE_URL: api.url, OPENCRANE_TOKEN: TOKEN, OPENCRANE_CONFIG: path.join(home, "opencrane", "config.json") };
  });
  afterAll(async () => {
    await services.ingestion.stop();
    await Promise.all([api.close(), registry.close()]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("oc mcp: creates, imports, lists, updates with the version it read, publishes, disables and deletes servers", async () => {
    const importFile = path.join(home, "servers.yaml");
    fs.writeFileSync(importFile, [serverJson("npm-package.json"), serverJson("remote-variables.json")].map((d) => YAML.stringify(d)).join("---\n"));
    const [created, imported] = await Promise.all([
      ocJson("mcp", "create", "linear", "--display-name", "Linear", "--endpoint", "https://mcp.linear.app/mcp", "--category", "Projects"),
      ocJson("mcp", "import", importFile),
    ]);
    expect(created).toMatchObject({
      name: "linear",
      status: "draft",
      version: 1,
      categories: ["Projects"],
      runtime: { type: "remote", fixedURL: "https://mcp.linear.app/mcp" },
    });
    expect(imported).toMatchObject({ created: ["files", "tickets"], rejected: [] });

    const [listed, table, updated] = await Promise.all([
      ocJson("mcp", "list", "--runtime", "remote"),
      oc("mcp", "list"),
      ocJson("mcp", "update", "linear", "--short-description", "Issues and projects"),
    ]);
    expect(listed.map((s: { name: string }) => s.name)).toEqual(["linear", "tickets"]);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME +STATUS +RUNTIME +TRANSPORT +SCOPE +DISPLAY NAME +UPDATED$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ["files", "draft", "npx"],
      ["linear", "draft", "remote"],
      ["tickets", "draft", "remote"],
    ]);
    expect(updated).toMatchObject({ shortDescription: "Issues and projects", version: 2 });

    const preview = await ocJson("mcp", "publish", "linear", "--dry-run");
    expect(preview).toMatchObject({ dryRun: true, impact: { tenantsAffected: 0 }, result: { status: "active" } });
    // Version 3, not 4: the dry run wrote nothing.
    expect(await ocJson("mcp", "publish", "linear", "--reason", "reviewed")).toMatchObject({ status: "active", version: 3 });

    const [disabled, deleted, yaml] = await Promise.all([
      ocJson("mcp", "disable", "tickets"),
      ocJson("mcp", "delete", "files"),
      oc("mcp", "get", "linear", "-o", "yaml"),
    ]);
    expect(disabled.status).toBe("disabled");
    expect(deleted).toEqual({ deleted: { kind: "server", name: "files" } });
    expect(YAML.parse(yaml.stdout)).toMatchObject({ name: "linear", status: "active" });
  });

  it("oc mcp tools: discovers a server's tools, lists them with their drift, and approves it", async () => {
    const read = { name: "read_doc", description: "Reads a document", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } };
    const mcp = await startMutableServer([read]);
    try {
      await ocJson("mcp", "create", "docs", "--display-name", "Docs", "--endpoint", mcp.url);
      const discovered = await ocJson("mcp", "tools", "discover", "docs");
      expect(discovered.tools.map((t: { name: string }) => t.name)).toEqual(["read_doc"]);
      await ocJson("mcp", "publish", "docs");
      await restClient(services)("POST", "/api/v1/mcp-servers/docs/tools/upload", {
        tools: [read, { name: "purge", description: "Purges", inputSchema: { type: "object" } }],
      });
      const table = await oc("mcp", "tools", "list", "docs");
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/purge +new \(withheld\) +destructive/);
      expect(table.stdout).toMatch(/read_doc +pinned +read-only/);
      expect(table.stdout).toContain("MEDIUM new-destructive-tool");
      const approved = await ocJson("mcp", "tools", "approve", "docs", "--digest", (await ocJson("mcp", "tools", "list", "docs")).latest.digest);
      expect(approved.drift).toBeNull();
      expect(approved.pinned.tools.map((t: { name: string }) => t.name)).toEqual(["purge", "read_doc"]);
    } finally {
      await mcp.close();
    }
  });

  it("oc tenants, groups and grants: a group is granted a server, with its impact previewed, explained and in the contract", async () => {
    await Promise.all([
      ocJson("tenants", "create", "ci-bot", "--team", "platform"),
      ocJson("tenants", "create", "payments-bot", "--team", "payments", "--label", "tier=gold", "--deny", "shell*"),
    ]);
    expect(await ocJson("groups", "create", "platform", "--member", "ci-bot", "--description", "Platform agents")).toMatchObject({ members: ["ci-bot"] });
    expect(await ocJson("groups", "members", "add", "platform", "payments-bot")).toMatchObject({ members: ["ci-bot", "payments-bot"], version: 2 });

    const preview = await ocJson("grants", "add", "group:platform", "lin*", "--dry-run");
    expect(preview.impact).toMatchObject({ tenantsAffected: 2, changes: [{ server: "linear", gained: ["ci-bot", "payments-bot"], lost: [] }] });

    const rule = await ocJson("grants", "add", "group:platform", "lin*", "--note", "platform agents track issues");
    expect(rule).toMatchObject({ subject: { type: "group", name: "platform" }, servers: "lin*", access: "allow" });

    // A personal server can only be granted to its owner tenant: the group would lose linear.
    const scopePreview = await ocJson("mcp", "update", "linear", "--scope", "personal", "--owner-tenant", "ci-bot", "--dry-run");
    expect(scopePreview).toMatchObject({ dryRun: true, impact: { changes: [{ server: "linear", gained: [], lost: ["ci-bot", "payments-bot"] }] } });

    const [rules, explanation, contract, toolsMd, tenantsTable] = await Promise.all([
      ocJson("grants", "list", "--subject", "group:platform"),
      ocJson("tenants", "explain", "ci-bot", "linear"),
      ocJson("tenants", "contract", "payments-bot"),
      oc("tenants", "contract", "ci-bot", "--tools-md"),
      oc("tenants", "list"),
    ]);
    // One rule: the dry run added none.
    expect(rules.map((r: { id: string }) => r.id)).toEqual([rule.id]);
    expect(explanation).toMatchObject({ decision: "allow", decidedBy: { kind: "rule", ruleId: rule.id } });
    expect(contract).toMatchObject({ tenant: { name: "payments-bot" }, policy: { mcpServers: { allow: ["linear"] } } });
    expect(contract.mcp.servers.map((s: { name: string }) => s.name)).toEqual(["linear"]);
    expect(toolsMd.stdout).toMatch(/^# MCP servers for ci-bot/);
    expect(toolsMd.stdout).toContain("## Linear (`linear`)");
    expect(tenantsTable.stdout.split("\n")[1]).toMatch(/^ci-bot +platform +platform +- +linear$/);

    const [removed, deletePreview] = await Promise.all([ocJson("grants", "rm", rule.id), ocJson("tenants", "delete", "ci-bot", "--dry-run")]);
    expect(removed).toEqual({ deleted: { kind: "rule", name: rule.id } });
    expect(deletePreview).toMatchObject({ dryRun: true, result: { name: "ci-bot" } });
  });

  it("oc sources: adds a registry, is refused until approved, syncs it waiting for the run, and lists its runs", async () => {
    const added = await ocJson("sources", "add", "acme", registry.url, "--kind", "mcp-registry", "--entitle", "group:platform");
    expect(added).toMatchObject({ name: "acme", status: "pending-approval", defaultEntitlements: [{ subject: { type: "group", name: "platform" } }] });
    const early = await oc("sources", "sync", "acme");
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("error: source 'acme' is waiting for an admin's approval");

    expect((await ocJson("sources", "approve", "acme")).status).toBe("healthy");
    const sync = await oc("sources", "sync", "acme", "--wait", "-o", "json");
    expect(sync.code, sync.stderr).toBe(0);
    const run = JSON.parse(sync.stdout);
    expect(run).toMatchObject({ source: "acme", status: "succeeded", counts: { fetched: 2, registered: 1, rejected: 1 } });
    // Not a terminal: plain progress lines on stderr, ending with the outcome.
    expect(sync.stderr.trimEnd().split("\n").at(-1)).toBe(`run ${run.id} succeeded`);

    const [runs, detail, sources] = await Promise.all([ocJson("sources", "runs", "acme"), oc("sources", "runs", "acme", run.id), ocJson("sources", "list")]);
    expect(runs.map((r: { id: string }) => r.id)).toEqual([run.id]);
    expect(detail.stdout).toMatch(/io\.github\.acme\/calendar +calendar +registered/);
    expect(detail.stdout).toMatch(/io\.github\.acme\/shell +shell +rejected +Obot cannot represent this server/);
    expect(sources[0]).toMatchObject({ name: "acme", lastRun: { id: run.id, status: "succeeded" } });
    expect((await ocJson("mcp", "list", "--source", "acme")).map((s: { name: string }) => s.name)).toEqual(["calendar"]);
  });

  it("oc audit: filters the log by time, actor and action", async () => {
    const published = await ocJson("audit", "--since", "1h", "--actor", "bootstrap-token", "--action", "mcp_server.publish");
    // Earlier tests in this file publish other servers too: every event is a publish by the bootstrap token, linear's among them.
    for (const event of published) expect(event).toMatchObject({ actor: "bootstrap-token", action: "mcp_server.publish", entityType: "mcp_server" });
    expect(published.filter((event: { entityId: string }) => event.entityId === "linear")).toHaveLength(1);
  });

  it("oc users and oc tokens: an admin manages a user, whose token mints, lists and revokes its own tokens", async () => {
    const password = "a long enough password\n";
    const created = await runOc(
      ["users", "create", "ops@example.com", "--role", "editor", "--display-name", "Ops", "--password-stdin", "-o", "json"],
      env,
      password,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: "ops@example.com", role: "editor", active: true, kind: "local" });
    const [short, missing, listed] = await Promise.all([
      runOc(["users", "create", "weak@example.com", "--role", "viewer", "--password-stdin"], env, "short\n"),
      oc("users", "get", "nobody@example.com"),
      ocJson("users", "list"),
    ]);
    expect(short.code).toBe(2);
    expect(short.stderr).toBe("error: cannot create user\n  password: password must be at least 12 characters\n");
    expect(missing).toMatchObject({ code: 5, stderr: "error: user 'nobody@example.com' does not exist\n" });
    const ops = listed.find((u: { email: string }) => u.email === "ops@example.com");
    expect(ops).toMatchObject({ displayName: "Ops", role: "editor" });

    expect(await ocJson("users", "update", "ops@example.com", "--role", "viewer")).toMatchObject({ role: "viewer" });
    expect(await ocJson("users", "disable", ops.id)).toMatchObject({ active: false });
    expect(await ocJson("users", "enable", "OPS@example.com")).toMatchObject({ active: true });
    await ocJson("users", "update", "ops@example.com", "--role", "editor");
    const reset = await runOc(["users", "reset-password", "ops@example.com", "--password-stdin", "-o", "json"], env, "another long password\n");
    expect(reset.code, reset.stderr).toBe(0);
    expect((await ocJson("audit", "--entity", "ops@example.com")).map((e: { action: string }) => e.action)).toEqual([
      "user.password_reset",
      "user.role_change",
      "user.reactivate",
      "user.deactivate",
      "user.role_change",
      "user.create",
    ]);

    // The bootstrap token owns no tokens; the user's first comes from the console (here: the domain), the rest from oc.
    const bootstrapMint = await oc("tokens", "create", "x", "--role", "viewer");
    expect(bootstrapMint.code).toBe(4);
    const seed = await createApiToken(
      services.db,
      ALICE,
      principalFor("editor", "ops@example.com", ops.id),
      apiTokenCreateInput.parse({ name: "seed", role: "editor", expiresInDays: 30 }),
    );
    const asOps = { ...env, OPENCRANE_TOKEN: seed.token };
    const minted = await runOc(["tokens", "create", "ci", "--role", "viewer", "--expires-in-days", "7", "-o", "json"], asOps);
    expect(minted.code, minted.stderr).toBe(0);
    const issued = JSON.parse(minted.stdout);
    expect(issued).toMatchObject({ token: expect.stringMatching(/^oct_/), apiToken: { name: "ci", role: "viewer", owner: "ops@example.com" } });
    const [forever, stronger, mine, everyone, whoami] = await Promise.all([
      runOc(["tokens", "create", "forever", "--role", "viewer", "--no-expiry"], asOps),
      runOc(["tokens", "create", "strong", "--role", "admin"], asOps),
      runOc(["tokens", "list", "-o", "json"], asOps),
      ocJson("tokens", "list", "--all"),
      runOc(["whoami", "-o", "json"], { ...env, OPENCRANE_TOKEN: issued.token }),
    ]);
    expect(forever.code).toBe(1);
    expect(forever.stderr).toMatch(/^error: cannot create token\n {2}expiresInDays: at most 29 days: the token you call with expires /);
    expect(stronger.code).toBe(4);
    expect(stronger.stderr).toContain("more rights than its owner");
    expect(JSON.parse(mine.stdout).map((t: { name: string }) => t.name)).toEqual(["ci", "seed"]);
    expect(everyone.filter((t: { owner: string }) => t.owner === "ops@example.com")).toHaveLength(2);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ user: { email: "ops@example.com", role: "viewer", kind: "token" } });

    const revoked = await runOc(["tokens", "revoke", issued.apiToken.id, "-o", "json"], asOps);
    expect(JSON.parse(revoked.stdout)).toEqual({ revoked: { kind: "api token", id: issued.apiToken.id } });
    expect((await runOc(["mcp", "list"], { ...env, OPENCRANE_TOKEN: issued.token })).code).toBe(4);
  }, 180_000);

  it("oc review, tenant tokens, rule edits and source edits: uploads to a named source, reviews what it held, edits and deletes", async () => {
    const remote = (name: string, description: string, url: string) => ({
      name: `io.example/${name}`,
      description,
      version: "1.0.0",
      remotes: [{ type: "streamable-http", url }],
    });
    const goodFile = path.join(home, "drop-a.json");
    const heldFile = path.join(home, "drop-held.yaml");
    fs.writeFileSync(goodFile, JSON.stringify(remote("drop-a", "Drops things", "https://drop-a.example.com/mcp")));
    fs.writeFileSync(heldFile, YAML.stringify(remote("drop-held", "Internal", "http://10.0.0.7/mcp")));

    expect(await ocJson("sources", "add", "drops", "--kind", "manual-upload")).toMatchObject({ name: "drops", kind: "manual-upload" });
    await ocJson("sources", "approve", "drops");
    const upload = await oc("sources", "upload", "drops", goodFile, heldFile, "--wait", "-o", "json");
    expect(upload.code, upload.stderr).toBe(0);
    const run = JSON.parse(upload.stdout);
    expect(run).toMatchObject({ source: "drops", trigger: "upload", status: "succeeded", counts: { registered: 1, quarantined: 1 } });
    const dropA = run.items.find((i: { outcome: string }) => i.outcome === "registered").name as string;

    const held = await ocJson("review", "list", "--state", "quarantined", "--source", "drops");
    expect(held).toHaveLength(1);
    const detail = await oc("review", "get", held[0].id);
    const rejected = await ocJson("review", "reject", held[0].id, "--reason", "internal only");
    expect(detail.stdout).toMatch(/State: +quarantined/);
    expect(detail.stdout).toContain("HELD BECAUSE");
    expect(rejected).toEqual({ outcome: "rejected" });

    // An upstream change to a published server is staged for review, then approved after a dry run.
    await ocJson("mcp", "publish", dropA);
    fs.writeFileSync(goodFile, JSON.stringify(remote("drop-a", "Drops things, faster", "https://drop-a.example.com/mcp")));
    const again = await oc("sources", "upload", "drops", goodFile, "--wait");
    expect(again.code, again.stderr).toBe(0);
    const [pending] = await ocJson("review", "list", "--state", "pending-update");
    expect(pending).toMatchObject({ state: "pending-update", source: "drops", server: { name: dropA } });
    const table = await oc("review", "list");
    expect(table.stdout).toMatch(new RegExp(`${pending.id} +pending-update +drops +${dropA} +shortDescription, description$`, "m"));
    const preview = await ocJson("review", "approve-update", pending.id, "--dry-run");
    expect(preview).toMatchObject({ dryRun: true, result: { description: "Drops things, faster" } });
    const approved = await ocJson("review", "approve-update", pending.id);
    expect(approved).toMatchObject({ name: dropA, description: "Drops things, faster", version: pending.server.version + 1 });
    expect((await oc("review", "approve-update", pending.id)).code).toBe(5);

    // Tenant tokens
    await ocJson("tenants", "create", "edge-bot");
    const tenantToken = await ocJson("tenants", "tokens", "create", "edge-bot", "laptop", "--expires-in-days", "30");
    expect(tenantToken).toMatchObject({ token: expect.stringMatching(/^octt_/), tenantToken: { tenant: "edge-bot", name: "laptop" } });
    expect((await ocJson("tenants", "tokens", "list", "edge-bot")).map((t: { name: string }) => t.name)).toEqual(["laptop"]);
    expect(await ocJson("tenants", "tokens", "revoke", "edge-bot", tenantToken.tenantToken.id)).toMatchObject({ revoked: { tenant: "edge-bot" } });
    expect((await ocJson("tenants", "tokens", "list", "edge-bot"))[0].revokedAt).not.toBeNull();

    // Rule edits, through the `rules` alias too
    const rule = await ocJson("grants", "add", "tenant:edge-bot", "drop*");
    const rulePreview = await ocJson("rules", "update", rule.id, "--servers", dropA, "--dry-run");
    expect(rulePreview).toMatchObject({ dryRun: true, result: { servers: dropA } });
    const updatedRule = await ocJson("rules", "update", rule.id, "--access", "deny", "--note", "paused");
    expect(updatedRule).toMatchObject({ servers: "drop*", access: "deny", note: "paused", version: 2 });
    const [matrix, matrixTable, status] = await Promise.all([
      ocJson("policy", "matrix", "--search", "edge-bot", "--server", "drop*"),
      oc("policy", "matrix", "--search", "edge-bot", "--server", dropA),
      ocJson("policy", "status"),
    ]);
    expect(matrix).toMatchObject({ servers: [{ name: dropA }], rows: [{ tenant: "edge-bot", tiers: "4" }], totalTenants: 1 });
    expect(matrixTable.stdout).toMatch(new RegExp(`^TENANT +${dropA.toUpperCase()}\n(.*\n)*edge-bot +deny 4$`, "m"));
    expect(status.rules).toBeGreaterThan(0);
    const nothing = await oc("rules", "update", rule.id);
    expect(nothing).toMatchObject({ code: 2, stderr: "error: nothing to change: give the fields to change as flags or in a file (-f)\n" });

    // Source edits and deletion
    expect(await ocJson("sources", "edit", "drops", "--include", "io.example/*")).toMatchObject({ name: "drops", include: ["io.example/*"], version: 3 });
    expect(await ocJson("sources", "delete", "drops")).toEqual({ deleted: { kind: "source", name: "drops" } });
    expect((await oc("sources", "get", "drops")).code).toBe(5);
  }, 180_000);

  // How oc handles sign-in and error answers does not depend on the database: checked once, on PGlite.
  if (kind === "pglite") {
    it("logs in with a token it has checked, keeps it in a 0600 file, uses it, and logs out", async () => {
      const configFile = path.join(home, "login", "config.json");
      const bare = { HOME: home, OPENCRANE_CONFIG: configFile };
      const login = await runOc(["login", "--url", `${api.url}/`, "--token", TOKEN, "-o", "json"], bare);
      expect(login.code, login.stderr).toBe(0);
      expect(JSON.parse(login.stdout)).toMatchObject({ url: api.url, user: { email: "bootstrap-token", role: "admin" } });
      expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(configFile, "utf8"))).toEqual({ url: api.url, token: TOKEN });

      const [whoami, refused] = await Promise.all([
        runOc(["whoami", "-o", "json"], bare),
        runOc(["login", "--url", api.url, "--token", "oct_not-a-token"], { ...bare, OPENCRANE_CONFIG: path.join(home, "other.json") }),
      ]);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ url: api.url, user: { role: "admin", kind: "bootstrap-token" } });
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(`error: ${api.url} refused the token`);
      expect(fs.existsSync(path.join(home, "other.json"))).toBe(false);

      expect((await runOc(["logout"], bare)).stdout).toContain(`Logged out: removed ${configFile}.`);
      expect(fs.existsSync(configFile)).toBe(false);
    });

    it("fails with the server's message and an exit code per kind: bad token, unknown server, conflict, invalid body", async () => {
      const server = await restClient(services)("GET", "/api/v1/mcp-servers/linear");
      const staleFile = path.join(home, "stale.json");
      fs.writeFileSync(staleFile, JSON.stringify({ version: server.body.version - 1, shortDescription: "stale" }));
      const [badToken, unknown, stale, invalid] = await Promise.all([
        oc("mcp", "list", "--token", "oct_not-a-token"),
        oc("mcp", "get", "no-such-server"),
        oc("mcp", "update", "linear", "-f", staleFile),
        oc("sources", "add", "bad", "ftp://registry.example.com", "--kind", "mcp-registry"),
      ]);
      expect(badToken).toMatchObject({ code: 4, stdout: "" });
      expect(badToken.stderr).toBe("error: the API token is not valid: it is unknown, expired or revoked\n");
      expect(unknown.code).toBe(5);
      expect(unknown.stderr).toBe("error: server 'no-such-server' does not exist\n");
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain(`error: server 'linear' was changed by bootstrap-token`);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toBe("error: cannot create source\n  url: a registry source needs the registry's https:// base URL (or a JSON array URL)\n");
    });
  }
});
