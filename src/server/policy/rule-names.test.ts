import { readFileSync } from "node:fs";
import { asc, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { restClient, testServices } from "../../../test/support/services";
import { grants } from "../db/schema";
import type { Services } from "../services";
import { generatedRuleName } from "./model";

it("generates a rule's name from its subject and servers", () => {
  expect(generatedRuleName({ type: "group", name: "platform" }, "github")).toBe("group-platform-github");
  expect(generatedRuleName({ type: "everyone" }, "github-*")).toBe("everyone-github-all");
  expect(generatedRuleName({ type: "tenant", name: "alpha" }, "*")).toBe("tenant-alpha-all");
  expect(generatedRuleName({ type: "selector", matchLabels: { tier: "Gold_1", env: "prod" } }, "s?ack")).toBe("selector-env-prod-tier-gold-1-sxack");
  expect(generatedRuleName({ type: "group", name: "a".repeat(63) }, "b").length).toBeLessThanOrEqual(56);
});

describeEachDatabase("named rules", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    for (const name of ["github", "slack"]) {
      expect((await call("POST", "/api/v1/mcp-servers", { name, displayName: name, endpoint: `https://${name}.example/mcp` })).status).toBe(201);
      expect((await call("POST", `/api/v1/mcp-servers/${name}/publish`)).status).toBe(200);
    }
    expect((await call("POST", "/api/v1/tenants", { name: "alpha" })).status).toBe(201);
    expect((await call("POST", "/api/v1/groups", { name: "platform", members: ["alpha"] })).status).toBe(201);
  });

  it("names a rule saved without a name after its subject and servers, with a suffix when taken", async () => {
    const rule = { subject: { type: "group", name: "platform" }, servers: "github", access: "allow" };
    const first = await call("POST", "/api/v1/grants", rule);
    const second = await call("POST", "/api/v1/grants", { ...rule, access: "deny" });
    const third = await call("POST", "/api/v1/grants", rule);
    expect([first.body.name, second.body.name, third.body.name]).toEqual(["group-platform-github", "group-platform-github-2", "group-platform-github-3"]);
    expect(first.headers.get("location")).toBe(`/api/v1/grants/${first.body.id}`);
    for (const res of [second, third]) expect((await call("DELETE", `/api/v1/grants/${res.body.name}`)).status).toBe(204);
  });

  it("a generated name steps past given names that hold its base and suffixes, and only those", async () => {
    const rule = { subject: { type: "group", name: "platform" }, servers: "slack", access: "deny" };
    const given = ["group-platform-slack", "group-platform-slack-2", "group-platform-slack-4", "group-platform-slack2", "group-platform-slack-x"];
    for (const name of given) expect((await call("POST", "/api/v1/grants", { ...rule, name })).status).toBe(201);
    const generated = [(await call("POST", "/api/v1/grants", rule)).body.name, (await call("POST", "/api/v1/grants", rule)).body.name];
    expect(generated).toEqual(["group-platform-slack-3", "group-platform-slack-5"]);
    for (const name of [...given, ...generated]) expect((await call("DELETE", `/api/v1/grants/${name}`)).status).toBe(204);
  });

  it("takes a given name, refuses a taken, malformed or id-shaped one naming the field", async () => {
    const rule = { name: "platform-slack", subject: { type: "group", name: "platform" }, servers: "slack", access: "allow" };
    expect((await call("POST", "/api/v1/grants", rule)).body.name).toBe("platform-slack");
    const taken = await call("POST", "/api/v1/grants", rule);
    expect(taken.status).toBe(409);
    expect(taken.body.error.details.fieldErrors).toEqual({ name: ["already exists"] });
    for (const name of ["Platform_Slack", "0b6c1f9e-4a0e-4c1e-9d7b-0d2f3c4b5a69", "x".repeat(64)]) {
      const bad = await call("POST", "/api/v1/grants", { ...rule, name });
      expect(bad.status).toBe(422);
      expect(Object.keys(bad.body.error.details.fieldErrors)).toEqual(["name"]);
    }
  });

  it("reads, changes, renames and deletes a rule by name or id", async () => {
    const byName = await call("GET", "/api/v1/grants/platform-slack");
    expect(byName.status).toBe(200);
    expect((await call("GET", `/api/v1/grants/${byName.body.id}`)).body.name).toBe("platform-slack");
    const renamed = await call("PATCH", "/api/v1/grants/platform-slack", { name: "slack-for-platform", note: "chat" });
    expect(renamed.body).toMatchObject({ id: byName.body.id, name: "slack-for-platform", note: "chat", version: 2 });
    expect((await call("GET", "/api/v1/grants/platform-slack")).status).toBe(404);
    expect((await call("PATCH", "/api/v1/grants/slack-for-platform", { name: "group-platform-github" })).status).toBe(409);
    const list = await call("GET", "/api/v1/grants");
    expect(list.body.items.map((g: { name: string }) => g.name)).toEqual(["group-platform-github", "slack-for-platform"]);
  });

  it("explanations and compiler warnings name the rule", async () => {
    const explained = await call("GET", "/api/v1/tenants/alpha/explain/slack");
    expect(explained.body.decidedBy).toMatchObject({ kind: "rule", ruleName: "slack-for-platform" });
    expect(explained.body.summary).toContain("rule slack-for-platform (allow group platform on 'slack')");
    await call("POST", "/api/v1/grants", { name: "nothing-yet", subject: { type: "everyone" }, servers: "jira", access: "allow" });
    const report = await call("GET", "/api/v1/policy");
    expect(report.body.report.deadRules).toContainEqual(expect.objectContaining({ ruleName: "nothing-yet", reason: "'jira' matches no server" }));
    const audit = await call("GET", "/api/v1/audit?action=grant.create&limit=1");
    expect(audit.body.events[0].after.name).toBe("nothing-yet");
  });

  it("the migration names existing rules exactly as the store names new ones", async () => {
    const migration = readFileSync(new URL("../../../drizzle/0010_rule_names.sql", import.meta.url), "utf8");
    const backfill = migration.split("--> statement-breakpoint").find((statement) => statement.includes("DO $$"))!;
    const db = services.db;
    await db
      .transaction(async (tx) => {
        await tx.execute(sql`alter table grants alter column name drop not null`);
        // A copy of every rule, so that generated names collide.
        await tx.execute(
          sql`insert into grants (name, subject, subject_type, subject_name, servers, access, created_by, updated_by) select name || '-copy', subject, subject_type, subject_name, servers, access, created_by, updated_by from grants`,
        );
        await tx.execute(sql`update grants set name = null`);
        await tx.execute(sql.raw(backfill));
        const rows = await tx
          .select({ name: grants.name, subject: grants.subject, servers: grants.servers })
          .from(grants)
          .orderBy(asc(grants.createdAt), asc(grants.id));
        expect(rows.length).toBe(6);
        const seen = new Map<string, number>();
        const expected = rows.map((row) => {
          const base = generatedRuleName(row.subject, row.servers);
          const n = (seen.get(base) ?? 0) + 1;
          seen.set(base, n);
          return n === 1 ? base : `${base}-${n}`;
        });
        expect(rows.map((row) => row.name)).toEqual(expected);
        throw new Error("rollback");
      })
      .catch((error: Error) => expect(error.message).toBe("rollback"));
  });
});
