/**
 * The state document (DESIGN §12, issue 15): round trips, atomicity and concurrency, on every
 * database. The control plane is driven over REST, as `oc` and CI drive it.
 */
import fc from "fast-check";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, describeEachDatabase } from "./support/database";
import { restClient, testServices } from "./support/services";
import { auditEvents } from "@/server/db/schema";
import type { Services } from "@/server/services";

type Call = ReturnType<typeof restClient>;
type Doc = Record<string, any>;

const YAML_HEADERS = { accept: "application/yaml", "content-type": "application/yaml" };

async function seed(call: Call) {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };
  for (const name of ["alpha", "beta", "gamma"]) await ok("POST", "/api/v1/tenants", { name, team: "payments", labels: { env: "prod" } });
  await ok("POST", "/api/v1/groups", { name: "platform", description: "Platform", members: ["alpha", "beta"] });
  for (const name of ["github", "slack", "linear"]) {
    await ok("POST", "/api/v1/mcp-servers", { name, displayName: name.toUpperCase(), endpoint: `https://${name}.example/mcp`, categories: ["dev"] });
  }
  await ok("POST", "/api/v1/mcp-servers/github/publish");
  await ok("POST", "/api/v1/mcp-servers/slack/publish");
  await ok("POST", "/api/v1/mcp-servers", {
    name: "notes",
    displayName: "Notes",
    endpoint: "https://notes.example/mcp",
    scope: "personal",
    ownerTenant: "gamma",
  });
  await ok("POST", "/api/v1/grants", { subject: { type: "group", name: "platform" }, servers: "github", access: "allow", note: "platform needs GitHub" });
  await ok("POST", "/api/v1/grants", { name: "everyone-slack", subject: { type: "everyone" }, servers: "slack", access: "allow" });
  await ok("POST", "/api/v1/sources", { name: "official", kind: "mcp-registry", url: "https://registry.example/v0", include: ["io.github.*"] });
}

const exportJson = async (call: Call): Promise<Doc> => {
  const res = await call("GET", "/api/v1/state");
  expect(res.status).toBe(200);
  return res.body;
};
const exportYaml = async (call: Call): Promise<string> => {
  const res = await call("GET", "/api/v1/state", undefined, { accept: "application/yaml" });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/yaml");
  return res.body as string;
};
const apply = (call: Call, doc: Doc | string, query = "") =>
  typeof doc === "string" ? call("POST", `/api/v1/state${query}`, doc, YAML_HEADERS) : call("POST", `/api/v1/state${query}`, doc);

describeEachDatabase("the state document", (database) => {
  let services: Services;
  let call: Call;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    await seed(call);
  });

  it("exports every kind of object, without server-owned fields, rules by name", async () => {
    const doc = await exportJson(call);
    expect(doc).toMatchObject({ apiVersion: "opencrane.io/v1alpha1", kind: "ControlPlaneState", revision: expect.any(Number) });
    expect(doc.servers.map((s: Doc) => s.name)).toEqual(["github", "linear", "notes", "slack"]);
    expect(doc.servers[0]).not.toHaveProperty("id");
    expect(doc.servers[0]).not.toHaveProperty("version");
    expect(doc.servers[0]).not.toHaveProperty("updatedAt");
    expect(doc.servers[0]).toMatchObject({ status: "active", runtime: { type: "remote", fixedURL: "https://github.example/mcp" } });
    expect(doc.rules.map((r: Doc) => r.name)).toEqual(["everyone-slack", "group-platform-github"]);
    expect(doc.groups).toEqual([{ name: "platform", description: "Platform", members: ["alpha", "beta"] }]);
    expect(doc.sources[0]).toMatchObject({ name: "official", kind: "mcp-registry", ref: null });
    expect(Object.keys(doc.sources[0])).not.toContain("status");
  });

  it("export → dry run: no changes (JSON, YAML and the per-object stream)", async () => {
    const before = (await exportJson(call)).revision;
    for (const body of [await exportJson(call), await exportYaml(call)]) {
      const res = await apply(call, body, "?dryRun=true&prune=true");
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ changes: [], warnings: [], impact: { changes: [] } });
    }
    const stream = await call("GET", "/api/v1/state?stream=true", undefined, { accept: "application/yaml" });
    expect(stream.body).toContain("kind: Rule\nmetadata:\n  name: everyone-slack\nspec:\n");
    const streamed = await apply(call, stream.body, "?dryRun=true&prune=true");
    expect(streamed.body, JSON.stringify(streamed.body)).toMatchObject({ changes: [] });
    expect((await exportJson(call)).revision).toBe(before);
  });

  it("export → apply → export is byte-equal, and changes nothing", async () => {
    const yaml = await exportYaml(call);
    const res = await apply(call, yaml, "?prune=true");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changes: [], changeSet: null });
    expect(await exportYaml(call)).toBe(yaml);
  });

  it("applies a change set in one transaction: one revision, audit events sharing one change-set id, impact in the dry run", async () => {
    const doc = await exportJson(call);
    doc.tenants.push({ name: "delta", displayName: "", team: "", labels: { env: "prod" }, mcpPolicy: { allow: [], deny: [] } });
    doc.tenants.sort((a: Doc, b: Doc) => (a.name < b.name ? -1 : 1));
    doc.groups[0].members.push("delta");
    doc.rules.find((r: Doc) => r.name === "everyone-slack").note = "chat for all";
    doc.servers.find((s: Doc) => s.name === "linear").status = "active";
    doc.rules.push({ name: "platform-linear", subject: { type: "group", name: "platform" }, servers: "linear", access: "allow", note: "", expiresAt: null });

    const dry = await apply(call, doc, "?dryRun=true");
    expect(dry.status).toBe(200);
    expect(dry.body.changes).toEqual([
      { kind: "server", name: "linear", action: "update", fields: [{ path: "status", before: "draft", after: "active" }] },
      { kind: "tenant", name: "delta", action: "create" },
      { kind: "group", name: "platform", action: "update", fields: [{ path: "members", before: ["alpha", "beta"], after: ["alpha", "beta", "delta"] }] },
      { kind: "rule", name: "everyone-slack", action: "update", fields: [{ path: "note", before: "", after: "chat for all" }] },
      { kind: "rule", name: "platform-linear", action: "create" },
    ]);
    expect(dry.body.impact.summary).toBe("adds github to 1 tenant, adds linear to 3 tenants, adds slack to 1 tenant");

    const res = await apply(call, doc);
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(doc.revision + 1);
    const events = await services.db.select().from(auditEvents).where(eq(auditEvents.changeSet, res.body.changeSet));
    expect(events.map((e) => e.action).sort()).toEqual(["grant.create", "grant.update", "group.update", "mcp_server.publish", "tenant.create"]);
    const listed = await call("GET", `/api/v1/audit?changeSet=${res.body.changeSet}`);
    expect(listed.body.events).toHaveLength(5);

    const after = await exportJson(call);
    expect({ ...after, revision: 0 }).toEqual({ ...doc, revision: 0 });
  });

  it("deletes objects the document leaves out only with prune", async () => {
    const doc = await exportJson(call);
    doc.rules = doc.rules.filter((r: Doc) => r.name !== "platform-linear");
    doc.servers = doc.servers.filter((s: Doc) => s.name !== "linear");
    expect((await apply(call, doc, "?dryRun=true")).body.changes).toEqual([]);
    const pruned = await apply(call, doc, "?prune=true");
    expect(pruned.status).toBe(200);
    expect(pruned.body.changes).toEqual([
      { kind: "server", name: "linear", action: "delete" },
      { kind: "rule", name: "platform-linear", action: "delete" },
    ]);
    expect((await call("GET", "/api/v1/mcp-servers/linear")).status).toBe(404);
  });

  it("an invalid object is refused naming the object and field, and nothing is written", async () => {
    const doc = await exportJson(call);
    doc.tenants.push({ name: "epsilon" });
    doc.rules.push({ name: "broken", subject: { type: "group", name: "nobody" }, servers: "github", access: "allow" });
    doc.servers[0].runtime = { type: "remote", fixedURL: "not a url" };
    doc.groups[0].colour = "blue";
    const res = await apply(call, doc);
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details.fieldErrors).sort()).toEqual(["groups.platform.colour", "servers.github.runtime.fixedURL"]);
    // Valid objects, but a rule whose group is not in the result.
    const second = await exportJson(call);
    second.tenants.push({ name: "epsilon" });
    second.rules.push({ name: "broken", subject: { type: "group", name: "nobody" }, servers: "github", access: "allow" });
    const refused = await apply(call, second);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.fieldErrors).toEqual({ "rules.broken.subject.name": ["group 'nobody' is not in the resulting state"] });
    // Refused by a writer (scope) after earlier objects were written: all rolled back.
    const third = await exportJson(call);
    third.tenants.push({ name: "epsilon" });
    third.rules.push({ name: "notes-for-all", subject: { type: "everyone" }, servers: "notes", access: "allow" });
    const scope = await apply(call, third);
    expect(scope.status).toBe(422);
    expect(Object.keys(scope.body.error.details.fieldErrors)).toContain("rules.notes-for-all.subject");
    expect(scope.body.error.message).toContain("rule 'notes-for-all'");
    expect((await call("GET", "/api/v1/tenants/epsilon")).status).toBe(404);
    expect((await exportJson(call)).revision).toBe(third.revision);
  });

  it("a misspelt field is refused at any depth, never dropped: a list, a policy, a subject, metadata", async () => {
    const before = await exportJson(call);
    // `tenant:` for `tenants:` would read as no tenants at all, which prune takes as "delete them all".
    const { tenants, ...withoutTenants } = before;
    const header = await apply(call, { ...withoutTenants, tenant: tenants }, "?prune=true");
    expect(header.status).toBe(422);
    expect(header.body.error.details.fieldErrors.tenant[0]).toContain(
      "unknown field (a typo?): this object takes apiVersion, kind, revision, servers, tenants",
    );
    const nested = await exportJson(call);
    nested.tenants[0].mcpPolicy = { alow: ["github"], deny: [] };
    nested.rules[0].subject = { ...nested.rules[0].subject, nme: "x" };
    const res = await apply(call, nested);
    expect(res.status).toBe(422);
    const fields = res.body.error.details.fieldErrors;
    expect(fields[`tenants.${nested.tenants[0].name}.mcpPolicy.alow`][0]).toContain("this object takes allow and deny");
    expect(Object.keys(fields)).toContain(`rules.${nested.rules[0].name}.subject.nme`);
    const stream = [{ apiVersion: "opencrane.io/v1alpha1", kind: "Tenant", metadata: { name: "zeta", labels: { team: "a" } }, spec: {} }];
    const metadata = await call("POST", "/api/v1/state", stream);
    expect(metadata.status).toBe(422);
    expect(metadata.body.error.details.fieldErrors["metadata.labels"][0]).toContain("metadata holds only the name");
    expect(await exportJson(call)).toEqual(before);
  });

  it("a failure mid-apply (injected) leaves the previous state and revision", async () => {
    const before = await exportYaml(call);
    const doc = await exportJson(call);
    doc.tenants.push({ name: "zeta" });
    doc.rules.find((r: Doc) => r.name === "everyone-slack").note = "changed";
    // The database fails the last write (rules are written after tenants): the tenant already written must go too.
    await services.db.execute(
      sql.raw(`create function fail_rule_update() returns trigger language plpgsql as $$ begin raise exception 'injected: the disk is full'; end $$`),
    );
    await services.db.execute(sql.raw(`create trigger fail_rule_update before update on grants for each row execute function fail_rule_update()`));
    const res = await apply(call, doc);
    await services.db.execute(sql.raw(`drop trigger fail_rule_update on grants`));
    await services.db.execute(sql.raw(`drop function fail_rule_update()`));
    expect(res.status).toBe(500);
    expect(await exportYaml(call)).toBe(before);
  });

  it("a stale document is refused with 409 naming the objects changed since, unless forced", async () => {
    const doc = await exportJson(call);
    expect((await call("PATCH", "/api/v1/tenants/alpha", { team: "web" })).status).toBe(200);
    doc.tenants.find((t: Doc) => t.name === "alpha").displayName = "Alpha";
    doc.tenants.find((t: Doc) => t.name === "beta").displayName = "Beta";
    const stale = await apply(call, doc);
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.fieldErrors).toEqual({ "tenants.alpha": [`changed after revision ${doc.revision}`] });
    expect(stale.body.error.message).toContain("tenant alpha was changed here");
    const dry = await apply(call, doc, "?dryRun=true");
    expect(dry.status).toBe(200);
    expect(dry.body.warnings[0]).toContain("tenant alpha was changed here");
    // Only the objects the document changes count: beta alone goes through.
    const onlyBeta = await exportJson(call);
    onlyBeta.revision = doc.revision;
    onlyBeta.tenants.find((t: Doc) => t.name === "beta").displayName = "Beta";
    expect((await apply(call, onlyBeta)).status).toBe(200);
    const forced = await apply(call, doc, "?force=true");
    expect(forced.status).toBe(200);
    expect((await call("GET", "/api/v1/tenants/alpha")).body.team).toBe("payments");
  });

  it("two applies of documents from the same export at once: one wins, the other is refused", async () => {
    const base = await exportJson(call);
    const one = structuredClone(base);
    const two = structuredClone(base);
    one.groups[0].description = "one";
    two.groups[0].description = "two";
    const results = await Promise.all([apply(call, one), apply(call, two)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.findIndex((r) => r.status === 200);
    expect((await exportJson(call)).groups[0].description).toBe(winner === 0 ? "one" : "two");
  });
});

/** Random edits of an exported document: the dry run names exactly the edits, and after applying, the export is the edited document. */
describe.each(DATABASE_KINDS)("random edits of the state document [%s]", (kind) => {
  it("the change set is exactly the edits, and the export after applying equals the edited document", { timeout: 240_000 }, async () => {
    const database = await createTestDatabase(kind);
    try {
      const services = await testServices(database);
      const call = restClient(services);
      await seed(call);
      const edit = fc.record({
        tenantTeams: fc.array(fc.tuple(fc.constantFrom("alpha", "beta", "gamma"), fc.constantFrom("web", "data", "ops")), { maxLength: 3 }),
        members: fc.subarray(["alpha", "beta", "gamma"]),
        ruleNotes: fc.array(fc.tuple(fc.constantFrom("everyone-slack", "group-platform-github"), fc.string({ maxLength: 20 })), { maxLength: 2 }),
        newTenants: fc.subarray(["t-one", "t-two"]),
        deny: fc.boolean(),
        shortDescription: fc.option(fc.constantFrom("Code hosting", "Chat"), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(edit, async (e) => {
          const doc = await exportJson(call);
          const edited = structuredClone(doc);
          const expected = new Set<string>();
          for (const [name, team] of e.tenantTeams) {
            const tenant = edited.tenants.find((t: Doc) => t.name === name);
            tenant.team = team;
          }
          for (const name of ["alpha", "beta", "gamma"]) {
            if (edited.tenants.find((t: Doc) => t.name === name).team !== doc.tenants.find((t: Doc) => t.name === name).team) expected.add(`tenant/${name}`);
          }
          edited.groups[0].members = [...e.members].sort();
          if (JSON.stringify(edited.groups[0].members) !== JSON.stringify(doc.groups[0].members)) expected.add("group/platform");
          for (const [name, note] of e.ruleNotes) edited.rules.find((r: Doc) => r.name === name).note = note.trim();
          for (const rule of edited.rules) if (rule.note !== doc.rules.find((r: Doc) => r.name === rule.name).note) expected.add(`rule/${rule.name}`);
          for (const name of e.newTenants) {
            if (!edited.tenants.some((t: Doc) => t.name === name)) {
              edited.tenants.push({ name, displayName: "", team: "", labels: {}, mcpPolicy: { allow: [], deny: [] } });
              edited.tenants.sort((a: Doc, b: Doc) => (a.name < b.name ? -1 : 1));
              expected.add(`tenant/${name}`);
            }
          }
          const denyRule = {
            name: "deny-github-beta",
            subject: { type: "tenant", name: "beta" },
            servers: "github",
            access: "deny",
            note: "",
            expiresAt: null,
          };
          const hasDeny = edited.rules.some((r: Doc) => r.name === denyRule.name);
          if (e.deny && !hasDeny) {
            edited.rules.push(denyRule);
            edited.rules.sort((a: Doc, b: Doc) => (a.name < b.name ? -1 : 1));
            expected.add(`rule/${denyRule.name}`);
          } else if (!e.deny && hasDeny) {
            edited.rules = edited.rules.filter((r: Doc) => r.name !== denyRule.name);
            expected.add(`rule/${denyRule.name}`);
          }
          if (e.shortDescription !== undefined && edited.servers[0].shortDescription !== e.shortDescription) {
            edited.servers[0].shortDescription = e.shortDescription;
            expected.add(`server/${edited.servers[0].name}`);
          }

          const dry = await apply(call, edited, "?dryRun=true&prune=true");
          expect(dry.status, JSON.stringify(dry.body)).toBe(200);
          expect(new Set(dry.body.changes.map((c: Doc) => `${c.kind}/${c.name}`))).toEqual(expected);
          const applied = await apply(call, edited, "?prune=true");
          expect(applied.status, JSON.stringify(applied.body)).toBe(200);
          const after = await exportJson(call);
          expect({ ...after, revision: 0 }).toEqual({ ...edited, revision: 0 });
          expect(after.revision).toBe(expected.size > 0 ? doc.revision + 1 : doc.revision);
        }),
        { numRuns: 12 },
      );
      await database.close();
    } catch (error) {
      await database.close();
      throw error;
    }
  });
});
