/**
 * Everything the contract promises, the feed keeps (issue 9, item 6): random sequences of what
 * admins do — servers created, edited (runtime, display name, scope and owner), published,
 * disabled, deleted; Obot entries imported; a registry source synced while upstream changes;
 * staged updates approved; tenants, groups and rules (some expiring) changed — driven through the
 * REST API on both databases, with refusals (4xx) as valid outcomes. After every step, from one
 * snapshot: every active server is in the Obot feed; every server a contract allows is in it;
 * TOOLS.md and `mcp.servers` list exactly the allow set; the MCP Registry v0.1 view validates
 * against the official schemas and lists only published servers; the in-pod library decides
 * every published server as the compiler did; and the snapshot the app built step by step (from
 * the changed rows, recompiling what they reach) equals one built from nothing at the same state.
 */
import fs from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import YAML from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { listActiveServers } from "@/server/catalog/servers";
import { type Config } from "@/server/config";
import { registryResponse } from "@/server/feeds/registry-route";
import { buildCatalogSnapshot, contractBody, type CatalogSnapshot } from "@/server/snapshot/snapshot";
import { CatalogMirror } from "@/server/snapshot/catalog-mirror";
import { ContractBodyCache } from "@/server/snapshot/contract-cache";
import { claimRunById, queueRun } from "@/server/ingest/runs";
import { executeRun } from "@/server/ingest/pipeline";
import { decide } from "@/server/policy/compile";
import { contractAsServed } from "@/server/snapshot/reads";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { sharedData } from "./support/env";
import { startFakeRegistry, type FakeRegistry, type RegistryVersion } from "./support/fake-registry";
import { ALICE, restClient, TEST_CONFIG, testServices } from "./support/services";
import { SHELLS, shellDecisions } from "./support/shell";

const config: Config = { ...TEST_CONFIG, ingest: { fetchAllowHosts: ["127.0.0.1"], denylistedNamespaces: [] } };

// ---------------------------------------------------------------------------------------------
// What admins work with: small pools, so operations meet (clashing names, rules naming servers).

const SERVERS = ["gh", "wiki", "notes", "files", "tickets", "acme-files", "helper"] as const;
const DISPLAY_NAMES = ["GitHub", "Wiki", "Notes", "Acme Files", "Acme Tickets", "Files", "GitHub!"] as const;
const TENANTS = ["t1", "t2", "t3"] as const;
const GROUPS = ["g1", "g2"] as const;
const PATTERNS = [...SERVERS, "*", "acme-*", "t*", "?iki", "nothing"] as const;

const RUNTIMES: Record<string, unknown> = {
  fixed: { type: "remote", fixedURL: "https://mcp.example.com/mcp", headers: [] },
  hostname: { type: "remote", hostname: "mcp.example.com" },
  template: { type: "remote", urlTemplate: "https://${HOST}/mcp" },
  npx: { type: "npx", package: "@acme/tool@1.2.3", args: ["--read-only"] },
  uvx: { type: "uvx", package: "acme-tool==0.4.0", command: "", args: [] },
  container: { type: "containerized", image: "ghcr.io/acme/tool:2.0.1", port: 8080, path: "/mcp", command: "", args: [] },
  none: null,
};

/** Obot catalog entries as an admin would import them, with the variations a re-import brings. */
const OBOT_ENTRIES = [
  {
    name: "Acme Files",
    entryKey: "acme-files",
    shortDescription: "Files",
    runtime: "npx",
    npxConfig: { package: "@acme/files-mcp@3.1.4", args: ["--read-only"] },
  },
  { name: "Acme Files", entryKey: "acme-files", shortDescription: "Files, faster", runtime: "npx", npxConfig: { package: "@acme/files-mcp@3.1.5" } },
  { name: "Acme Files Pro", entryKey: "acme-files", shortDescription: "Files", runtime: "npx", npxConfig: { package: "@acme/files-mcp@3.1.4" } },
  { name: "Helper", entryKey: "helper", runtime: "containerized", containerizedConfig: { image: "ghcr.io/acme/helper:1.0.0", port: 8080, path: "/mcp" } },
  { name: "Helper", entryKey: "helper", runtime: "remote", remoteConfig: { fixedURL: "https://helper.example.com/mcp" } },
  { name: "Wiki", entryKey: "wiki", runtime: "remote", remoteConfig: { hostname: "wiki.example.com" }, metadata: { categories: "Docs,Knowledge" } },
  // Not pinned: refused, whatever the server was.
  { name: "Acme Files", entryKey: "acme-files", runtime: "npx", npxConfig: { package: "@acme/files-mcp@latest" } },
  // An image tagged 'latest', as several real Obot entries are: Obot runs it; the registry view cannot express it.
  { name: "Helper", entryKey: "helper", runtime: "containerized", containerizedConfig: { image: "ghcr.io/acme/helper:latest", port: 8080, path: "/mcp" } },
];

const tickets = (over: Record<string, unknown> = {}) => ({
  $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
  name: "com.acme/tickets",
  title: "Acme Tickets",
  description: "Search and update tickets in Acme's service desk.",
  version: "2.3.0",
  remotes: [{ type: "streamable-http", url: "https://tickets.acme.example/mcp" }],
  ...over,
});
const files = (version: string, over: Record<string, unknown> = {}) => ({
  $schema: "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
  name: "io.github.acme/files",
  description: "Read files from an Acme storage bucket.",
  version,
  packages: [{ registryType: "npm", identifier: "@acme/files-mcp", version, transport: { type: "stdio" } }],
  ...over,
});

/** What the upstream registry serves at each sync an operation asks for. */
const UPSTREAM: RegistryVersion[][] = [
  [{ server: tickets() }, { server: files("3.1.4") }],
  [{ server: tickets({ description: "Tickets, now with SLAs.", version: "2.3.1" }) }, { server: files("3.1.5") }],
  [{ server: tickets({ title: "Acme Tickets Pro", version: "2.4.0" }) }],
  [{ server: tickets({ remotes: [{ type: "sse", url: "https://tickets.acme.example/sse" }], version: "2.5.0" }) }, { server: files("latest") }],
  [],
];

// ---------------------------------------------------------------------------------------------
// Operations

type Op =
  | { op: "createServer"; name: string; displayName: string; runtime: string; scope: string; owner: string | null }
  | { op: "editServer"; name: string; change: Record<string, unknown>; confirmRename: boolean }
  | { op: "publish" | "disable" | "deleteServer"; name: string }
  | { op: "import"; entries: number[] }
  | { op: "sync"; upstream: number }
  | { op: "approve"; pick: number }
  | { op: "createTenant" | "editTenant"; name: string; allow: string[]; deny: string[]; env: string }
  | { op: "deleteTenant"; name: string }
  | { op: "setGroup"; name: string; members: string[] }
  | { op: "deleteGroup"; name: string }
  | { op: "grant"; subject: Record<string, unknown>; servers: string; access: "allow" | "deny"; expiry: "none" | "soon" | "later" }
  | { op: "deleteGrant"; pick: number }
  | { op: "wait" };

const server = fc.constantFrom(...SERVERS);
const tenant = fc.constantFrom(...TENANTS);
const owner = fc.constantFrom<string | null>(...TENANTS, "t-gone", null);
const scope = fc.constantFrom("org", "org", "department", "project", "personal", "personal");
const patterns = fc.uniqueArray(fc.constantFrom(...PATTERNS), { maxLength: 2 });
const subject = fc.oneof(
  fc.constant({ type: "everyone" }),
  fc.constantFrom(...GROUPS).map((name) => ({ type: "group", name })),
  tenant.map((name) => ({ type: "tenant", name })),
  fc.constant({ type: "selector", matchLabels: { env: "prod" } }),
);
const serverChange = fc.oneof(
  fc.constantFrom(...DISPLAY_NAMES).map((displayName) => ({ displayName })),
  fc.constantFrom(...Object.keys(RUNTIMES)).map((r) => ({ runtime: RUNTIMES[r] })),
  fc.record({ scope, ownerTenant: owner }).map((c) => (c.scope === "personal" ? c : { scope: c.scope })),
  fc.constantFrom("https://mcp.example.com/v2", "https://other.example.com/mcp").map((endpoint) => ({ endpoint })),
  fc.constantFrom("One line.", "Another line.").map((shortDescription) => ({ shortDescription })),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("createServer" as const),
      name: server,
      displayName: fc.constantFrom(...DISPLAY_NAMES),
      runtime: fc.constantFrom(...Object.keys(RUNTIMES)),
      scope,
      owner,
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("editServer" as const), name: server, change: serverChange, confirmRename: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("publish" as const), name: server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("disable" as const), name: server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteServer" as const), name: server }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("import" as const), entries: fc.uniqueArray(fc.nat(OBOT_ENTRIES.length - 1), { minLength: 1, maxLength: 2 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("sync" as const), upstream: fc.nat(UPSTREAM.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("approve" as const), pick: fc.nat(3) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom("createTenant" as const, "editTenant" as const),
      name: tenant,
      allow: patterns,
      deny: patterns,
      env: fc.constantFrom("prod", "dev"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteTenant" as const), name: tenant }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("setGroup" as const), name: fc.constantFrom(...GROUPS), members: fc.subarray([...TENANTS]) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteGroup" as const), name: fc.constantFrom(...GROUPS) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("grant" as const),
      subject,
      servers: fc.constantFrom(...PATTERNS),
      access: fc.constantFrom("allow" as const, "allow" as const, "deny" as const),
      expiry: fc.constantFrom("none" as const, "none" as const, "soon" as const, "later" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteGrant" as const), pick: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.constant({ op: "wait" as const }) },
);

/** Where every sequence starts: a few tenants, published servers and a synced source, so random steps meet. */
const BASELINE: Op[] = [
  { op: "createTenant", name: "t1", allow: [], deny: [], env: "prod" },
  { op: "createTenant", name: "t2", allow: [], deny: [], env: "dev" },
  { op: "createServer", name: "gh", displayName: "GitHub", runtime: "fixed", scope: "org", owner: null },
  { op: "createServer", name: "notes", displayName: "Notes", runtime: "npx", scope: "personal", owner: "t1" },
  { op: "createServer", name: "wiki", displayName: "Wiki", runtime: "hostname", scope: "department", owner: null },
  { op: "publish", name: "gh" },
  { op: "publish", name: "notes" },
  { op: "publish", name: "wiki" },
  { op: "sync", upstream: 0 },
  { op: "publish", name: "tickets" },
  { op: "grant", subject: { type: "everyone" }, servers: "*", access: "allow", expiry: "none" },
  { op: "grant", subject: { type: "tenant", name: "t1" }, servers: "notes", access: "allow", expiry: "none" },
];

/** Sequences that always run first: the paths where consumers have come apart before. */
const EXAMPLES: [Op[]][] = [
  // An active server's runtime removed (issue 9, item 1): it must stay in the feed or be refused.
  [[{ op: "editServer", name: "gh", change: { runtime: null }, confirmRename: false }]],
  // Upstream changes staged for a published server, approved; a rename upstream; gone upstream.
  [
    [
      { op: "sync", upstream: 1 },
      { op: "approve", pick: 0 },
      { op: "sync", upstream: 2 },
      { op: "approve", pick: 0 },
      { op: "sync", upstream: 4 },
    ],
  ],
  // A tenant's own '*' next to another tenant's personal server; the owner changes.
  [
    [
      { op: "editTenant", name: "t2", allow: ["*"], deny: [], env: "dev" },
      { op: "editServer", name: "notes", change: { scope: "personal", ownerTenant: "t2" }, confirmRename: false },
      { op: "editServer", name: "notes", change: { scope: "org" }, confirmRename: false },
    ],
  ],
  // A rule that expires, an active server renamed, imports over existing servers.
  [
    [
      { op: "grant", subject: { type: "tenant", name: "t2" }, servers: "gh", access: "deny", expiry: "soon" },
      { op: "wait" },
      { op: "editServer", name: "wiki", change: { displayName: "Wiki Two" }, confirmRename: true },
      { op: "import", entries: [5, 0] },
      { op: "publish", name: "acme-files" },
      { op: "import", entries: [2] },
      { op: "approve", pick: 0 },
    ],
  ],
  // A server the registry view cannot express (issue 9, item 4) published: the view leaves it out.
  [
    [
      { op: "import", entries: [7] },
      { op: "publish", name: "helper" },
      { op: "grant", subject: { type: "tenant", name: "t2" }, servers: "helper", access: "allow", expiry: "none" },
    ],
  ],
];

/** A rule that expires while the sequence runs: `wait` outlasts it. */
const SOON_MS = 150;

type Call = ReturnType<typeof restClient>;

/**
 * The one place this test approves a staged update. Approving is becoming a server change that
 * names the server's version (and confirms a rename): adapt here.
 */
async function approveStagedUpdate(call: Call, item: { id: string; server: { name: string } | null }) {
  // An approval is a server change: it names the version it saw, and confirms a rename as a PATCH would.
  const current = item.server ? await call("GET", `/api/v1/mcp-servers/${item.server.name}`) : null;
  const version = (current?.body as { version?: number } | undefined)?.version ?? 0;
  return call("POST", `/api/v1/review/items/${item.id}/approve-update`, { version, confirmRename: true });
}

/** Runs one operation as an admin would; answers the HTTP status (a 4xx refusal is a valid outcome). */
async function perform(services: Services, call: Call, upstream: FakeRegistry, step: Op): Promise<number> {
  switch (step.op) {
    case "createServer": {
      const runtime = RUNTIMES[step.runtime];
      return (
        await call("POST", "/api/v1/mcp-servers", {
          name: step.name,
          displayName: step.displayName,
          runtime,
          scope: step.scope,
          ...(step.scope === "personal" && step.owner !== null ? { ownerTenant: step.owner } : {}),
        })
      ).status;
    }
    case "editServer": {
      const current = await call("GET", `/api/v1/mcp-servers/${step.name}`);
      if (current.status !== 200) return current.status;
      return (
        await call("PATCH", `/api/v1/mcp-servers/${step.name}`, {
          version: current.body.version,
          ...step.change,
          ...(step.confirmRename ? { confirmRename: true } : {}),
        })
      ).status;
    }
    case "publish":
      return (await call("POST", `/api/v1/mcp-servers/${step.name}/publish`)).status;
    case "disable":
      return (await call("POST", `/api/v1/mcp-servers/${step.name}/disable`)).status;
    case "deleteServer":
      return (await call("DELETE", `/api/v1/mcp-servers/${step.name}`)).status;
    case "import":
      return (
        await call(
          "POST",
          "/api/v1/mcp-servers/import",
          step.entries.map((i) => OBOT_ENTRIES[i]),
        )
      ).status;
    case "sync": {
      upstream.set(UPSTREAM[step.upstream]!);
      const run = await queueRun(services.db, ALICE, "upstream", "manual");
      expect(await claimRunById(services.db, run.id, "property-test")).toBe(true);
      expect(await executeRun(services.db, run.id, services.ingestionDeps), "the sync run failed").not.toBeNull();
      return 200;
    }
    case "approve": {
      const pending = (await call("GET", "/api/v1/review/pending-updates")).body.items as { id: string; server: { name: string } | null }[];
      if (pending.length === 0) return 404;
      return (await approveStagedUpdate(call, pending[step.pick % pending.length]!)).status;
    }
    case "createTenant":
      return (await call("POST", "/api/v1/tenants", { name: step.name, labels: { env: step.env }, mcpPolicy: { allow: step.allow, deny: step.deny } })).status;
    case "editTenant":
      return (await call("PATCH", `/api/v1/tenants/${step.name}`, { labels: { env: step.env }, mcpPolicy: { allow: step.allow, deny: step.deny } })).status;
    case "deleteTenant":
      return (await call("DELETE", `/api/v1/tenants/${step.name}`)).status;
    case "setGroup": {
      const exists = (await call("GET", `/api/v1/groups/${step.name}`)).status === 200;
      return exists
        ? (await call("PATCH", `/api/v1/groups/${step.name}`, { members: step.members })).status
        : (await call("POST", "/api/v1/groups", { name: step.name, members: step.members })).status;
    }
    case "deleteGroup":
      return (await call("DELETE", `/api/v1/groups/${step.name}`)).status;
    case "grant": {
      const expiresAt = step.expiry === "none" ? null : new Date(Date.now() + (step.expiry === "soon" ? SOON_MS : 3_600_000)).toISOString();
      return (await call("POST", "/api/v1/grants", { subject: step.subject, servers: step.servers, access: step.access, expiresAt })).status;
    }
    case "deleteGrant": {
      const rules = (await call("GET", "/api/v1/grants")).body.items as { id: string }[];
      if (rules.length === 0) return 404;
      return (await call("DELETE", `/api/v1/grants/${rules[step.pick % rules.length]!.id}`)).status;
    }
    case "wait":
      await new Promise((resolve) => setTimeout(resolve, SOON_MS + 20));
      return 200;
  }
}

// ---------------------------------------------------------------------------------------------
// The invariants

const openapi = sharedData("reference", "mcp-registry", "openapi.yaml");

function registryValidators() {
  if (!openapi.available) return null;
  const doc = YAML.parse(fs.readFileSync(openapi.path, "utf8")) as { components: Record<string, unknown> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "registry", components: doc.components });
  return { list: ajv.compile({ $ref: "registry#/components/schemas/ServerList" }), one: ajv.compile({ $ref: "registry#/components/schemas/ServerResponse" }) };
}

const REGISTRY = "http://cp.test/api/internal/obot-registry/v0.1";

async function registryGet(services: Services, rest: string) {
  const response = registryResponse(services, new Request(`${REGISTRY}${rest}`));
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const toolsMdServers = (markdown: string) => [...markdown.matchAll(/^## .* \(`([a-z0-9-]+)`\)$/gm)].map((m) => m[1]);

/** Per tenant, the contract last served in a sequence: its content's version and its revision. */
type LastServed = Map<string, { contractVersion: string; revision: number; etag: string }>;

async function expectConsumersAgree(
  services: Services,
  validators: ReturnType<typeof registryValidators>,
  shell: string | undefined,
  history: string,
  lastServed: LastServed = new Map(),
) {
  const snapshot: CatalogSnapshot = await services.snapshots.refresh();
  const active = (await listActiveServers(services.db)).map((s) => s.name);
  const feed = JSON.parse(Buffer.from(snapshot.obotFeed.identity).toString("utf8")) as { entryKey: string }[];
  const inFeed = new Set(feed.map((e) => e.entryKey));

  // Every active server has an Obot entry (Obot deletes what the feed drops), and nothing else does.
  for (const name of active) expect(inFeed.has(name), `active server '${name}' is missing from the Obot feed\n${history}`).toBe(true);
  expect([...inFeed].sort(), history).toEqual([...active].sort());
  expect([...snapshot.policy.servers], history).toEqual(active);
  for (const tenant of lastServed.keys()) if (!snapshot.policy.tenants.has(tenant)) lastServed.delete(tenant);

  for (const [tenantName, access] of snapshot.policy.tenants) {
    const { contract, etag } = contractAsServed(snapshot, services.contractBodies, tenantName);
    // A contract's revision and ETag stay while what it says does; when it changes, its ETag
    // moves and its revision does not go back (a rule that expires changes contracts without a new
    // catalog revision, so the revision may stay).
    const last = lastServed.get(tenantName);
    if (last?.contractVersion === contract.contractVersion) {
      expect(contract.revision, `revision of ${tenantName}, unchanged\n${history}`).toBe(last.revision);
      expect(etag, `ETag of ${tenantName}, unchanged\n${history}`).toBe(last.etag);
    } else if (last) {
      expect(etag, `ETag of ${tenantName}, changed\n${history}`).not.toBe(last.etag);
      expect(contract.revision, `revision of ${tenantName}, changed\n${history}`).toBeGreaterThanOrEqual(last.revision);
    }
    expect(contract.revision, history).toBeLessThanOrEqual(snapshot.revision);
    lastServed.set(tenantName, { contractVersion: contract.contractVersion, revision: contract.revision, etag });
    const allow = contract.policy.mcpServers.allow;
    for (const name of allow) expect(inFeed.has(name), `${tenantName} is allowed '${name}', which the Obot feed lacks\n${history}`).toBe(true);
    const decided = active.map((name) => [name, decide(snapshot.policy, tenantName, name)!] as const);
    expect(allow, history).toEqual(decided.filter(([, d]) => d.decision === "allow").map(([name]) => name));
    expect(contract.policy.mcpServers.deny, history).toEqual(decided.filter(([, d]) => d.tier === 2 || d.tier === 4).map(([name]) => name));
    expect(toolsMdServers(contract.workspace["TOOLS.md"]), `TOOLS.md of ${tenantName}\n${history}`).toEqual(allow);
    expect(
      contract.mcp.servers.map((s) => s.name),
      history,
    ).toEqual(allow);
    if (shell && active.length > 0) {
      const answers = shellDecisions(shell, JSON.stringify(contract), access.mcpPolicy, active);
      for (const [name, d] of decided) expect(answers[name], `pod library under ${shell}: ${tenantName} × ${name}\n${history}`).toBe(`${d.decision} ${d.tier}`);
    }
  }

  await expectSameAsFreshBuild(services, snapshot, history);

  const page = await registryGet(services, "/servers?limit=100");
  expect(page.status, history).toBe(200);
  const listed = (page.body.servers as { server: { name: string } }[]).map((s) => s.server.name.split("/").pop()!);
  for (const name of listed) expect(inFeed.has(name), `the registry view lists '${name}', which is not published\n${history}`).toBe(true);
  if (validators) {
    expect(validators.list(page.body), `registry page: ${JSON.stringify(validators.list.errors)}\n${history}`).toBe(true);
    for (const entry of page.body.servers as { server: { name: string } }[]) {
      const latest = await registryGet(services, `/servers/${encodeURIComponent(entry.server.name)}/versions/latest`);
      expect(latest.status, history).toBe(200);
      expect(validators.one(latest.body), `${entry.server.name}: ${JSON.stringify(validators.one.errors)}\n${history}`).toBe(true);
    }
  }
}

/** The incremental snapshot, byte for byte, against a full load and a fresh compile of the same database state. */
async function expectSameAsFreshBuild(services: Services, snapshot: CatalogSnapshot, history: string) {
  const fresh = buildCatalogSnapshot(await new CatalogMirror().load(services.db), snapshot.builtAt);
  expect(fresh.revision, history).toBe(snapshot.revision);
  expect(Buffer.from(snapshot.obotFeed.identity).toString("utf8"), `Obot feed\n${history}`).toBe(Buffer.from(fresh.obotFeed.identity).toString("utf8"));
  const view = (s: CatalogSnapshot) => ({
    servers: s.policy.servers,
    tenants: [...s.policy.tenants.values()].map((t) => [t.name, t.allow, t.deny, t.reserved]),
    report: s.policy.report,
    fingerprints: [...s.contractStates].map(([tenant, state]) => [tenant, state.fingerprint]),
  });
  expect(view(snapshot), history).toEqual(view(fresh));
  // Each contract's revision, however the build worked it out, is the latest of its own part's and
  // its unrestricted allowed servers' shared parts'.
  for (const [tenant, state] of snapshot.contractStates) {
    const access = snapshot.policy.tenants.get(tenant)!;
    let latest = state.ownRevision;
    for (const server of access.allow) if (!access.tools.has(server)) latest = Math.max(latest, snapshot.serverParts.get(server)!.revision);
    expect(state.revision, `revision of ${tenant}\n${history}`).toBe(latest);
  }
  for (const [tenant, state] of snapshot.contractStates) {
    fresh.contractStates.get(tenant)!.revision = state.revision;
    const served = Buffer.from(contractBody(snapshot, services.contractBodies, tenant)!.identity).toString("utf8");
    const rendered = Buffer.from(contractBody(fresh, new ContractBodyCache(0), tenant)!.identity).toString("utf8");
    expect(served, `contract of ${tenant}\n${history}`).toBe(rendered);
  }
}

/** Forgets everything an earlier sequence made (the audit log is append-only and stays). */
async function resetCatalog(services: Services, call: Call) {
  await services.db.execute(
    sql.raw(
      "truncate grants, group_members, groups, tenant_tokens, ingestion_run_items, ingestion_run_undo, ingestion_runs, source_items, server_tools, server_probe_headers, mcp_servers, third_party_sources, tenants, contract_revisions, contract_server_revisions",
    ),
  );
  await call("POST", "/api/v1/sources", { name: "upstream", kind: "mcp-registry", url: upstreamUrl });
  await call("POST", "/api/v1/sources/upstream/approve");
}
let upstreamUrl = "";

describeEachDatabase("admin sequences: every consumer keeps the contract's promises", (database) => {
  let services: Services;
  let call: Call;
  let upstream: FakeRegistry;
  const validators = registryValidators();

  beforeAll(async () => {
    services = await testServices(database(), config);
    call = restClient(services);
    upstream = await startFakeRegistry([]);
    upstreamUrl = upstream.url;
  });
  afterAll(() => upstream?.close());

  it("after every step of a random sequence of admin operations", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 8 }), async (steps) => {
        await resetCatalog(services, call);
        const history: string[] = [];
        const lastServed: LastServed = new Map();
        for (const step of BASELINE) expect(await perform(services, call, upstream, step), JSON.stringify(step)).toBeLessThan(300);
        for (const step of steps) {
          const status = await perform(services, call, upstream, step);
          history.push(`${JSON.stringify(step)} → ${status}`);
          expect(status, `no 500 for an admin's operation\n${history.join("\n")}`).toBeLessThan(500);
          await expectConsumersAgree(services, validators, SHELLS[0], `after:\n${history.join("\n")}`, lastServed);
        }
      }),
      { numRuns: 4, interruptAfterTimeLimit: 180_000, examples: EXAMPLES },
    );
  });
});
