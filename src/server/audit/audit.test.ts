import { and, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, principalFor, restClient, testServices } from "../../../test/support/services";
import { signInInput, signInWithPassword, signOut } from "../auth/local";
import { dispatchAuth } from "../rest/auth-routes";
import { apiTokenCreateInput, createApiToken, revokeApiToken } from "../auth/tokens";
import { createUser, passwordResetInput, resetPassword, updateUser, userCreateInput, userUpdateInput } from "../auth/users";
import { importDocuments } from "../ingest/upload";
import { createServer, deleteServer, disableServer, publishServer, updateServer } from "../catalog/servers";
import { serverCreateInput, serverUpdateInput } from "../catalog/model";
import { auditEvents } from "../db/schema";
import type { Services } from "../services";
import { csvField } from "./query";

/** RFC 4180 cells, as a spreadsheet reads them. */
function csvCells(text: string): string[][] {
  const rows: string[][] = [[]];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      rows.at(-1)!.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      rows.at(-1)!.push(cell);
      cell = "";
      rows.push([]);
      i++;
    } else cell += c;
  }
  if (cell || rows.at(-1)!.length > 0) rows.at(-1)!.push(cell);
  return rows.filter((r) => r.length > 0);
}

describeEachDatabase("audit log", (database) => {
  let services: Services;
  beforeAll(async () => {
    services = await testServices(database());
  });

  async function eventsFor(action: string, entityId: string) {
    return services.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.entityId, entityId)));
  }

  async function exactlyOne(action: string, entityId: string) {
    const events = await eventsFor(action, entityId);
    expect(events, `${action} ${entityId}`).toHaveLength(1);
    return events[0]!;
  }

  it("records exactly one event with before/after for each kind of change", async () => {
    const db = services.db;
    const policy = { idleMs: 3_600_000, maxMs: 43_200_000 };

    await createServer(db, ALICE, serverCreateInput.parse({ name: "audited", displayName: "Audited", endpoint: "https://a.example/mcp" }));
    expect((await exactlyOne("mcp_server.create", "audited")).after).toMatchObject({ name: "audited", status: "draft", version: 1 });

    await updateServer(db, ALICE, "audited", serverUpdateInput.parse({ version: 1, shortDescription: "described" }));
    const update = await exactlyOne("mcp_server.update", "audited");
    expect(update.before).toMatchObject({ shortDescription: "", version: 1 });
    expect(update.after).toMatchObject({ shortDescription: "described", version: 2 });

    await publishServer(db, ALICE, "audited");
    const publish = await exactlyOne("mcp_server.publish", "audited");
    expect([(publish.before as { status: string }).status, (publish.after as { status: string }).status]).toEqual(["draft", "active"]);

    await updateServer(db, ALICE, "audited", serverUpdateInput.parse({ version: 3, displayName: "Audited Renamed", confirmRename: true }));
    expect((await exactlyOne("mcp_server.rename", "audited")).after).toMatchObject({ displayName: "Audited Renamed" });

    await disableServer(db, ALICE, "audited", { reason: "test" });
    expect((await exactlyOne("mcp_server.disable", "audited")).after).toMatchObject({ status: "disabled", statusReason: "test" });

    await deleteServer(db, ALICE, "audited");
    const deletion = await exactlyOne("mcp_server.delete", "audited");
    expect(deletion.before).toMatchObject({ name: "audited" });
    expect(deletion.after).toBeNull();

    await importDocuments(
      db,
      ALICE,
      [{ name: "Imported", runtime: "remote", remoteConfig: { fixedURL: "https://i.example/mcp" } }],
      services.ingestionDeps,
      "test",
    );
    expect((await exactlyOne("mcp_server.import", "imported")).after).toMatchObject({ name: "imported", provenance: { format: "obot-entry" } });

    const user = await createUser(db, ALICE, userCreateInput.parse({ email: "carol@example.com", role: "viewer", password: "a long enough password" }));
    const created = await exactlyOne("user.create", "carol@example.com");
    expect(created.after).toMatchObject({ email: "carol@example.com", role: "viewer" });
    expect(JSON.stringify(created.after)).not.toContain("argon2");

    await updateUser(db, ALICE, user.id, userUpdateInput.parse({ role: "editor" }));
    const roleChange = await exactlyOne("user.role_change", "carol@example.com");
    expect([(roleChange.before as { role: string }).role, (roleChange.after as { role: string }).role]).toEqual(["viewer", "editor"]);

    await resetPassword(db, ALICE, user.id, passwordResetInput.parse({ password: "another long password" }));
    const reset = await exactlyOne("user.password_reset", "carol@example.com");
    expect(reset.before).toBeNull();
    expect(reset.after).toBeNull();

    const { secret } = await signInWithPassword(
      db,
      policy,
      services.signInThrottle,
      signInInput.parse({ email: "carol@example.com", password: "another long password" }),
      { requestId: "r1" },
    );
    expect((await exactlyOne("auth.sign_in", "carol@example.com")).actor).toBe("carol@example.com");
    await signOut(db, { actor: { kind: "user", id: "carol@example.com" } }, secret);
    await exactlyOne("auth.sign_out", "carol@example.com");
    await expect(
      signInWithPassword(db, policy, services.signInThrottle, signInInput.parse({ email: "carol@example.com", password: "wrong password!!" }), {}),
    ).rejects.toThrow();
    expect((await exactlyOne("auth.sign_in_failed", "carol@example.com")).after).toEqual({ email: "carol@example.com", reason: "wrong password" });

    const owner = principalFor("editor", "carol@example.com", user.id);
    const { apiToken } = await createApiToken(db, ALICE, owner, apiTokenCreateInput.parse({ name: "audit-test", role: "viewer" }));
    const tokenCreate = await exactlyOne("api_token.create", apiToken.id);
    expect(tokenCreate.after).toMatchObject({ name: "audit-test", role: "viewer", owner: "carol@example.com" });
    expect(JSON.stringify(tokenCreate.after)).not.toMatch(/tokenHash|oct_[\w-]{20}/);
    await revokeApiToken(db, ALICE, owner, apiToken.id);
    expect((await exactlyOne("api_token.revoke", apiToken.id)).after).toMatchObject({ revokedAt: expect.any(String) });

    await updateUser(db, ALICE, user.id, userUpdateInput.parse({ active: false }));
    await exactlyOne("user.deactivate", "carol@example.com");
    await updateUser(db, ALICE, user.id, userUpdateInput.parse({ active: true }));
    await exactlyOne("user.reactivate", "carol@example.com");
  });

  it("answers GET /api/v1/audit with filters and a cursor, newest first", async () => {
    const call = restClient(services);
    const all = await call("GET", "/api/v1/audit?limit=3");
    expect(all.status).toBe(200);
    expect(all.body.events).toHaveLength(3);
    expect(all.body.events[0].id).toBeGreaterThan(all.body.events[2].id);
    expect(Object.keys(all.body.events[0])).toEqual(
      expect.arrayContaining(["id", "at", "actor", "action", "entityType", "entityId", "before", "after", "requestId"]),
    );
    const next = await call("GET", `/api/v1/audit?limit=3&cursor=${all.body.nextCursor}`);
    expect(next.body.events[0].id).toBeLessThan(all.body.events[2].id);

    const byEntity = await call("GET", "/api/v1/audit?entityType=mcp_server&entityId=audited");
    expect(byEntity.body.events.map((e: { action: string }) => e.action)).toEqual([
      "mcp_server.delete",
      "mcp_server.disable",
      "mcp_server.rename",
      "mcp_server.publish",
      "mcp_server.update",
      "mcp_server.create",
    ]);
    const byAction = await call("GET", "/api/v1/audit?action=user.create&actor=alice@example.com");
    expect(byAction.body.events.map((e: { entityId: string }) => e.entityId)).toEqual(["carol@example.com"]);
    const future = await call("GET", `/api/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body).toEqual({ events: [], nextCursor: null });
    const bad = await call("GET", "/api/v1/audit?since=yesterday");
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.fieldErrors.since[0]).toContain("must be a date-time");
  });

  it("exports every matching event as JSON Lines and as CSV", async () => {
    const call = restClient(services);
    const jsonl = await call("GET", "/api/v1/audit/export?format=jsonl&entityId=audited");
    expect(jsonl.headers.get("content-disposition")).toMatch(/attachment; filename="opencrane-audit-.*\.jsonl"/);
    const lines = (jsonl.body as string)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatchObject({ action: "mcp_server.delete", entityId: "audited" });

    const csv = await call("GET", "/api/v1/audit/export?format=csv&entityId=audited");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = (csv.body as string).trim().split("\r\n");
    expect(rows[0]).toBe("id,at,actor,actorKind,actorVia,action,entityType,entityId,requestId,sourceIp,before,after");
    expect(rows).toHaveLength(7);
    expect(rows[1]).toContain(",mcp_server.delete,mcp_server,audited,");
    expect((await call("GET", "/api/v1/audit/export?format=xml")).status).toBe(422);
  });

  it("exports no cell a spreadsheet would run as a formula, whatever an anonymous caller sent", async () => {
    const attacker = (email: string, headers: Record<string, string>) =>
      dispatchAuth(
        services,
        new Request("http://control-plane.test/api/auth/login", {
          method: "POST",
          headers: { origin: "http://control-plane.test", "content-type": "application/json", ...headers },
          body: JSON.stringify({ email, password: "guess" }),
        }),
      );
    expect((await attacker("=1+1", { "x-forwarded-for": "=2+3", "x-request-id": "-2-3" })).status).toBe(401);
    expect((await attacker("@sum(a1:a9)", { "x-forwarded-for": "+4+5" })).status).toBe(401);
    expect((await attacker("\t=cmd|' /c calc'!a0", {})).status).toBe(401);

    const csv = await restClient(services)("GET", "/api/v1/audit/export?format=csv&action=auth.sign_in_failed");
    const rows = csvCells(csv.body as string);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const cells = rows.flat();
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    // The value survives, readable: a leading quote marks it as text.
    expect(cells).toEqual(expect.arrayContaining(["'=1+1", "'@sum(a1:a9)", "'=cmd|' /c calc'!a0"]));
  });

  it("neutralizes every formula-leading character in a CSV cell, and quotes what needs it", () => {
    expect(["=1", "+1", "-1", "@a", "\t=1", "\r=1", "\uff1d1"].map(csvField)).toEqual(["'=1", "'+1", "'-1", "'@a", "'\t=1", `"'\r=1"`, "'\uff1d1"]);
    expect(csvField('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect([null, 42, "plain", "a,b", { a: -1 }].map(csvField)).toEqual(["", "42", "plain", '"a,b"', '"{""a"":-1}"']);
  });
});
