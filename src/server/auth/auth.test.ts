import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, TEST_CONFIG, testServices } from "../../../test/support/services";
import type { Config } from "../config";
import { apiTokens, auditEvents, users } from "../db/schema";
import { dispatchRest } from "../rest";
import { dispatchAuth } from "../rest/auth-routes";
import type { Services } from "../services";
import { authenticate } from "./authenticate";
import { SignInThrottle } from "./local";
import { prepareFirstAdmin } from "./setup";
import { apiTokenCreateInput, createApiToken, listApiTokens } from "./tokens";
import { ADMIN_REMOVAL_LOCK, createUser, listUsers, updateUser, userCreateInput, userUpdateInput } from "./users";

const ORIGIN = "http://cp.test";

/** A browser: keeps the session cookie and sends Origin like a page of this app does. */
function browser(services: Services, origin: string | null = ORIGIN) {
  let cookie = "";
  return {
    get cookie() {
      return cookie;
    },
    setCookie(value: string) {
      cookie = value;
    },
    async send(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
      const headers: Record<string, string> = { ...extra };
      if (cookie) headers.cookie = cookie;
      if (origin && method !== "GET") headers.origin = origin;
      if (body !== undefined) headers["content-type"] = "application/json";
      const request = new Request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const response = await (path.startsWith("/api/auth/") ? dispatchAuth : dispatchRest)(services, request);
      const setCookie = response.headers.get("set-cookie");
      if (setCookie) cookie = setCookie.split(";")[0]!.endsWith("=") ? "" : setCookie.split(";")[0]!;
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, setCookie, headers: response.headers };
    },
  };
}

async function auditActions(services: Services, entityId: string) {
  return (await services.db.select().from(auditEvents).where(eq(auditEvents.entityId, entityId))).map((e) => e.action);
}

describeEachDatabase("first start and local sign-in", (database, kind) => {
  let services: Services;
  let setupToken: string;

  beforeAll(async () => {
    services = await testServices(database());
    const first = await prepareFirstAdmin(services.db, services.config);
    expect(first.kind).toBe("setup-link");
    setupToken = first.kind === "setup-link" ? first.token : "";
  });

  it("tells the login page that setup is needed", async () => {
    expect((await browser(services).send("GET", "/api/auth/config")).body).toEqual({ oidc: false, local: true, setupNeeded: true });
  });

  it("refuses a wrong setup token, then creates the first admin with the printed one and signs them in", async () => {
    const b = browser(services);
    const wrong = await b.send("POST", "/api/auth/setup", { token: "x".repeat(43), email: "root@example.com", password: "a long enough password" });
    expect(wrong.status).toBe(401);
    const weak = await b.send("POST", "/api/auth/setup", { token: setupToken, email: "root@example.com", password: "short" });
    expect(weak.status).toBe(422);
    expect(weak.body.error.details.fieldErrors.password).toEqual(["password must be at least 12 characters"]);
    const ok = await b.send("POST", "/api/auth/setup", {
      token: setupToken,
      email: "Root@Example.com",
      displayName: "Root",
      password: "a long enough password",
    });
    expect(ok.status).toBe(201);
    expect(ok.body.user).toEqual({ email: "root@example.com", displayName: "Root", role: "admin" });
    expect(ok.setCookie).toMatch(/^oc_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    expect((await b.send("GET", "/api/auth/session")).body.user).toMatchObject({ email: "root@example.com", role: "admin" });
    expect(await auditActions(services, "root@example.com")).toEqual(["user.create", "auth.sign_in"]);
    const again = await browser(services).send("POST", "/api/auth/setup", { token: setupToken, email: "evil@example.com", password: "a long enough password" });
    expect(again.status).toBe(401);
    expect(await prepareFirstAdmin(services.db, services.config)).toEqual({ kind: "users-exist" });
  });

  it("stores password hashes (argon2id), never passwords", async () => {
    const [row] = await services.db.select().from(users).where(eq(users.email, "root@example.com"));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    // Setup signed the first admin in: the users page shows when, not "never".
    expect(row!.lastSignInAt).toBeInstanceOf(Date);
  });

  it("signs in with the right password and audits failures", async () => {
    const b = browser(services);
    const wrong = await b.send("POST", "/api/auth/login", { email: "root@example.com", password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe("e-mail or password is not right");
    const unknown = await b.send("POST", "/api/auth/login", { email: "nobody@example.com", password: "whatever it is" });
    expect(unknown.body.error.message).toBe("e-mail or password is not right");
    const ok = await b.send("POST", "/api/auth/login", { email: "ROOT@example.com", password: "a long enough password" });
    expect(ok.status).toBe(200);
    const failed = await services.db.select().from(auditEvents).where(eq(auditEvents.action, "auth.sign_in_failed"));
    expect(failed.map((e) => (e.after as { reason: string }).reason)).toEqual(["wrong password", "unknown e-mail"]);
    expect(await auditActions(services, "root@example.com")).toContain("auth.sign_in");
  });

  it("refuses a cross-site sign-in and cookie-authenticated changes from another origin (CSRF)", async () => {
    expect(
      (await browser(services, "https://evil.example").send("POST", "/api/auth/login", { email: "root@example.com", password: "a long enough password" }))
        .status,
    ).toBe(403);
    const b = browser(services);
    await b.send("POST", "/api/auth/login", { email: "root@example.com", password: "a long enough password" });
    const forged = browser(services, "https://evil.example");
    forged.setCookie(b.cookie);
    const res = await forged.send("POST", "/api/v1/mcp-servers", { name: "csrf", displayName: "CSRF" });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain("cross-site request refused");
    const noOrigin = browser(services, null);
    noOrigin.setCookie(b.cookie);
    expect((await noOrigin.send("POST", "/api/v1/mcp-servers", { name: "csrf", displayName: "CSRF" })).status).toBe(403);
    expect((await noOrigin.send("GET", "/api/v1/mcp-servers")).status).toBe(200);
    expect((await b.send("POST", "/api/v1/mcp-servers", { name: "same-origin", displayName: "Same Origin" })).status).toBe(201);
  });

  it("signs out at once: the cookie stops working server-side", async () => {
    const b = browser(services);
    await b.send("POST", "/api/auth/login", { email: "root@example.com", password: "a long enough password" });
    const stolen = b.cookie;
    const out = await b.send("POST", "/api/auth/logout");
    expect(out.status).toBe(204);
    expect(out.setCookie).toContain("Max-Age=0");
    const replay = browser(services);
    replay.setCookie(stolen);
    expect((await replay.send("GET", "/api/v1/mcp-servers")).status).toBe(401);
    expect(await auditActions(services, "root@example.com")).toContain("auth.sign_out");
  });

  it("ends a user's sessions when an admin deactivates them", async () => {
    await createUser(services.db, ALICE, userCreateInput.parse({ email: "leaver@example.com", role: "editor", password: "a long enough password" }));
    const b = browser(services);
    await b.send("POST", "/api/auth/login", { email: "leaver@example.com", password: "a long enough password" });
    expect((await b.send("GET", "/api/v1/mcp-servers")).status).toBe(200);
    const leaver = (await listUsers(services.db)).find((u) => u.email === "leaver@example.com")!;
    await updateUser(services.db, ALICE, leaver.id, userUpdateInput.parse({ active: false }));
    expect((await b.send("GET", "/api/v1/mcp-servers")).status).toBe(401);
    const again = await b.send("POST", "/api/auth/login", { email: "leaver@example.com", password: "a long enough password" });
    expect(again.body.error.message).toContain("deactivated");
  });

  it("keeps at least one active admin", async () => {
    const root = (await listUsers(services.db)).find((u) => u.email === "root@example.com")!;
    await expect(updateUser(services.db, ALICE, root.id, userUpdateInput.parse({ role: "viewer" }))).rejects.toThrow("last active admin");
    await expect(updateUser(services.db, ALICE, root.id, userUpdateInput.parse({ active: false }))).rejects.toThrow("last active admin");
  });

  it("takes an admin away only while no other such change is under way", async () => {
    const second = await createUser(
      services.db,
      ALICE,
      userCreateInput.parse({ email: "second-admin@example.com", password: "a long enough password", role: "admin" }),
    );
    const root = (await listUsers(services.db)).find((u) => u.email === "root@example.com")!;
    if (kind === "postgres") {
      // Two admins demoting each other at once must not both succeed: each waits for the other's
      // transaction, then counts the admins it left.
      let demoted = false;
      const { waiting } = await services.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_REMOVAL_LOCK})`);
        const waiting = updateUser(services.db, ALICE, second.id, userUpdateInput.parse({ role: "editor" })).then(() => (demoted = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(demoted).toBe(false);
        // Wrapped: returning the promise itself would make the transaction wait for it.
        return { waiting };
      });
      await waiting;
      expect(demoted).toBe(true);
    } else {
      await updateUser(services.db, ALICE, second.id, userUpdateInput.parse({ role: "editor" }));
    }
    await expect(updateUser(services.db, ALICE, root.id, userUpdateInput.parse({ role: "viewer" }))).rejects.toThrow("last active admin");
    await updateUser(services.db, ALICE, second.id, userUpdateInput.parse({ active: false }));
  });

  it("expires sessions when idle and at their absolute limit", async () => {
    const b = browser(services);
    await b.send("POST", "/api/auth/login", { email: "root@example.com", password: "a long enough password" });
    const headers = new Headers({ cookie: b.cookie });
    const auth = services.config.auth;
    const soon = new Date(Date.now() + auth.sessionIdleMs / 2);
    expect(await authenticate(services.db, auth, headers, soon)).not.toBeNull();
    expect(await authenticate(services.db, auth, headers, new Date(soon.getTime() + auth.sessionIdleMs + 1000))).toBeNull();
    await b.send("POST", "/api/auth/login", { email: "root@example.com", password: "a long enough password" });
    const tight = { ...auth, sessionIdleMs: auth.sessionMaxMs * 2 };
    expect(await authenticate(services.db, tight, new Headers({ cookie: b.cookie }), new Date(Date.now() + auth.sessionMaxMs + 1000))).toBeNull();
  });

  it("marks the cookie Secure behind https", async () => {
    const secure = { ...services, config: { ...services.config, auth: { ...services.config.auth, publicUrl: "https://cp.example.com" } } };
    const res = await browser(secure, "https://cp.example.com").send("POST", "/api/auth/login", {
      email: "root@example.com",
      password: "a long enough password",
    });
    expect(res.setCookie).toMatch(/; Secure$/);
  });
});

describe("sign-in throttle", () => {
  it("refuses after ten failures for an e-mail and address, for fifteen minutes", () => {
    const throttle = new SignInThrottle();
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) throttle.fail("a@example.com", "10.0.0.1", t0 + i);
    expect(() => throttle.check("a@example.com", "10.0.0.1", t0 + 100)).toThrow("too many failed sign-ins");
    expect(() => throttle.check("a@example.com", "10.0.0.2", t0 + 100)).not.toThrow();
    expect(() => throttle.check("a@example.com", "10.0.0.1", t0 + 15 * 60_000 + 10)).not.toThrow();
  });

  it("also caps failures per e-mail across addresses: X-Forwarded-For is the client's to choose", () => {
    const throttle = new SignInThrottle();
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      throttle.check("a@example.com", `203.0.113.${i}`, t0 + i);
      throttle.fail("a@example.com", `203.0.113.${i}`, t0 + i);
    }
    expect(() => throttle.check("a@example.com", "198.51.100.7", t0 + 100)).toThrow("too many failed sign-ins");
    expect(() => throttle.check("b@example.com", "198.51.100.7", t0 + 100)).not.toThrow();
    expect(() => throttle.check("a@example.com", "198.51.100.7", t0 + 15 * 60_000 + 100)).not.toThrow();
  });
});

describeEachDatabase("admin from the environment, bootstrap token and API tokens", (database) => {
  let services: Services;
  beforeAll(async () => {
    const config: Config = { ...TEST_CONFIG, auth: { ...TEST_CONFIG.auth, adminEmail: "ops@example.com", adminPassword: "from the environment" } };
    services = await testServices(database(), config);
    expect(await prepareFirstAdmin(services.db, services.config)).toEqual({ kind: "admin-from-env", email: "ops@example.com" });
  });

  it("accepts the bootstrap token as an admin, recorded as bootstrap-token", async () => {
    const b = browser(services, null);
    const res = await b.send("POST", "/api/v1/mcp-servers", { name: "boot", displayName: "Boot" }, { authorization: "Bearer test-bootstrap-token" });
    expect(res.status).toBe(201);
    expect(res.body.createdBy).toBe("bootstrap-token");
  });

  it("has no bootstrap token when none is configured", async () => {
    const none = { ...services, config: { ...services.config, auth: { ...services.config.auth, bootstrapToken: undefined } } };
    const res = await browser(none, null).send("GET", "/api/v1/mcp-servers", undefined, { authorization: "Bearer test-bootstrap-token" });
    expect(res.status).toBe(401);
  });

  it("issues API tokens shown once, stored hashed, no stronger than their owner, revocable, expiring", async () => {
    const owner = await createUser(services.db, ALICE, userCreateInput.parse({ email: "dev@example.com", role: "editor", password: "a long enough password" }));
    const principal = { kind: "user" as const, id: owner.email, role: owner.role, userId: owner.id, displayName: owner.email, viaSession: false };
    await expect(createApiToken(services.db, ALICE, principal, apiTokenCreateInput.parse({ name: "too-strong", role: "admin" }))).rejects.toThrow(
      "more rights than its owner",
    );
    const { token, apiToken } = await createApiToken(
      services.db,
      ALICE,
      principal,
      apiTokenCreateInput.parse({ name: "ci", role: "editor", expiresInDays: 30 }),
    );
    expect(token).toMatch(/^oct_[\w-]{43}$/);
    expect(apiToken.prefix).toBe(token.slice(0, 10));
    const [row] = await services.db.select().from(apiTokens).where(eq(apiTokens.id, apiToken.id));
    expect(row!.tokenHash).not.toContain(token.slice(4));
    expect(JSON.stringify(await listApiTokens(services.db, principal))).not.toContain(token);

    const call = browser(services, null);
    const created = await call.send("POST", "/api/v1/mcp-servers", { name: "via-token", displayName: "Via Token" }, { authorization: `Bearer ${token}` });
    expect(created.body.createdBy).toBe("dev@example.com");
    const [event] = await services.db.select().from(auditEvents).where(eq(auditEvents.entityId, "via-token"));
    expect(event).toMatchObject({ actor: "dev@example.com", actorKind: "token", actorVia: "token ci" });
    expect((await listApiTokens(services.db, principal))[0]!.lastUsedAt).not.toBeNull();

    const later = new Date(Date.now() + 31 * 86_400_000);
    await expect(authenticate(services.db, services.config.auth, new Headers({ authorization: `Bearer ${token}` }), later)).rejects.toThrow(
      "the API token is not valid",
    );
    const { revokeApiToken } = await import("./tokens");
    await revokeApiToken(services.db, ALICE, principal, apiToken.id);
    expect((await call.send("GET", "/api/v1/mcp-servers", undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect(await auditActions(services, apiToken.id)).toEqual(["api_token.create", "api_token.revoke"]);
  });

  it("lets an API token create its owner's tokens, none stronger and none outliving it; the bootstrap token owns none", async () => {
    const owner = await createUser(services.db, ALICE, userCreateInput.parse({ email: "ci@example.com", role: "admin", password: "a long enough password" }));
    const principal = { kind: "user" as const, id: owner.email, role: owner.role, userId: owner.id, displayName: owner.email, viaSession: false };
    const { token } = await createApiToken(services.db, ALICE, principal, apiTokenCreateInput.parse({ name: "pipeline", role: "editor", expiresInDays: 10 }));
    const call = browser(services, null);
    const asToken = { authorization: `Bearer ${token}` };
    const stronger = await call.send("POST", "/api/v1/api-tokens", { name: "x", role: "admin", expiresInDays: 5 }, asToken);
    expect(stronger.status).toBe(403);
    const outliving = await call.send("POST", "/api/v1/api-tokens", { name: "x", role: "viewer", expiresInDays: 11 }, asToken);
    expect(outliving.status).toBe(422);
    expect(outliving.body.error.details.fieldErrors.expiresInDays[0]).toMatch(/^at most (9|10) days: the token you call with expires /);
    const forever = await call.send("POST", "/api/v1/api-tokens", { name: "x", role: "viewer", expiresInDays: null }, asToken);
    expect(forever.status).toBe(422);
    const ok = await call.send("POST", "/api/v1/api-tokens", { name: "rotated", role: "viewer", expiresInDays: 9 }, asToken);
    expect(ok.status).toBe(201);
    expect(ok.body.apiToken).toMatchObject({ name: "rotated", role: "viewer", owner: "ci@example.com" });
    const bootstrap = await call.send("POST", "/api/v1/api-tokens", { name: "x", role: "viewer" }, { authorization: "Bearer test-bootstrap-token" });
    expect(bootstrap.status).toBe(403);
    expect(bootstrap.body.error.message).toContain("the bootstrap token owns none");
  });

  it("refuses a malformed Authorization header with 401 saying the expected form", async () => {
    const res = await browser(services, null).send("GET", "/api/v1/mcp-servers", undefined, { authorization: "Basic abc" });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('"Bearer <token>"');
  });
});
