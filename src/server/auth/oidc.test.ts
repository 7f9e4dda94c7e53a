/**
 * OIDC sign-in against a real OpenID provider (panva's oidc-provider) listening on loopback. The
 * provider's login and consent steps are answered by the test, as a user at the keyboard would.
 */
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { TEST_CONFIG, testServices } from "../../../test/support/services";
import type { Config, OidcConfig } from "../config";
import { auditEvents, users } from "../db/schema";
import { dispatchAuth } from "../rest/auth-routes";
import type { Services } from "../services";

const CONSOLE = "http://cp.test";
const accounts: Record<string, { groups: string[] }> = {
  ada: { groups: ["platform-admins", "everyone"] },
  bob: { groups: ["platform-editors"] },
  eve: { groups: ["marketing"] },
};
let signingInAs = "ada";

let server: http.Server;
let issuer: string;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "opencrane",
        client_secret: "opencrane-secret",
        redirect_uris: [`${CONSOLE}/api/auth/oidc/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: { openid: ["sub"], email: ["email"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["oidc-test-cookie-key"] },
    jwks: { keys: [{ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "test", use: "sig" }] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@corp.example`, name: id.toUpperCase(), groups: accounts[id]?.groups ?? [] }),
    }),
  });
  const callback = provider.callback();
  server.on("request", async (req, res) => {
    if (!req.url?.startsWith("/interaction/")) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === "login") {
      await provider.interactionFinished(req, res, { login: { accountId: signingInAs } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function oidcConfig(): OidcConfig {
  return {
    issuerUrl: issuer,
    clientId: "opencrane",
    clientSecret: "opencrane-secret",
    redirectUrl: `${CONSOLE}/api/auth/oidc/callback`,
    scopes: "openid email profile groups",
    groupsClaim: "groups",
    adminGroups: ["platform-admins"],
    editorGroups: ["platform-editors"],
    viewerGroups: ["platform-viewers"],
    allowHttp: true,
  };
}

/** Follows the browser through the provider (keeping its cookies) until it is sent back to the console. */
async function throughProvider(start: string): Promise<URL> {
  const jar = new Map<string, string>();
  let location = start;
  for (let hop = 0; hop < 10; hop++) {
    if (location.startsWith(CONSOLE)) return new URL(location);
    const response = await fetch(location, {
      redirect: "manual",
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const [name, ...value] = pair!.split("=");
      jar.set(name!, value.join("="));
    }
    const next = response.headers.get("location");
    if (!next) throw new Error(`provider answered ${response.status} without a redirect: ${await response.text()}`);
    location = new URL(next, location).toString();
  }
  throw new Error("too many redirects");
}

async function auth(services: Services, url: string, cookie?: string) {
  const response = await dispatchAuth(services, new Request(url, { headers: cookie ? { cookie } : {} }));
  return { status: response.status, location: response.headers.get("location"), setCookie: response.headers.get("set-cookie") };
}

async function signIn(services: Services, who: string, returnTo = "/servers") {
  signingInAs = who;
  const start = await auth(services, `${CONSOLE}/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(303);
  const authorize = new URL(start.location!);
  expect(authorize.origin).toBe(issuer);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("state")).toBeTruthy();
  expect(authorize.searchParams.get("nonce")).toBeTruthy();
  const callback = await throughProvider(start.location!);
  return { callback, result: await auth(services, callback.toString()) };
}

describeEachDatabase("OIDC sign-in", (database) => {
  let services: Services;
  beforeAll(async () => {
    const config: Config = { ...TEST_CONFIG, auth: { ...TEST_CONFIG.auth, oidc: oidcConfig() } };
    services = await testServices(database(), config);
  });

  it("creates the user on first sign-in with the role their groups give, and starts a session", async () => {
    const { result } = await signIn(services, "ada");
    expect(result.status).toBe(303);
    expect(result.location).toBe("/servers");
    expect(result.setCookie).toMatch(/^oc_session=/);
    const session = await dispatchAuth(services, new Request(`${CONSOLE}/api/auth/session`, { headers: { cookie: result.setCookie!.split(";")[0]! } }));
    expect((await session.json()).user).toEqual({ email: "ada@corp.example", displayName: "ADA", role: "admin", kind: "user" });
    const [row] = await services.db.select().from(users).where(eq(users.email, "ada@corp.example"));
    expect(row).toMatchObject({ role: "admin", passwordHash: null, oidcSubject: `${issuer} ada`, createdBy: "oidc" });
  });

  it("maps groups to roles and follows the provider when they change", async () => {
    accounts.bob = { groups: ["platform-editors"] };
    await signIn(services, "bob");
    const [first] = await services.db.select().from(users).where(eq(users.email, "bob@corp.example"));
    expect(first!.role).toBe("editor");
    accounts.bob = { groups: ["platform-viewers"] };
    await signIn(services, "bob");
    const [second] = await services.db.select().from(users).where(eq(users.email, "bob@corp.example"));
    expect(second!.role).toBe("viewer");
    const changes = await services.db.select().from(auditEvents).where(eq(auditEvents.action, "user.role_change"));
    expect(changes.map((e) => e.entityId)).toContain("bob@corp.example");
  });

  it("refuses a user in no mapped group with a page that says why, and creates no account", async () => {
    const { result } = await signIn(services, "eve");
    expect(result.status).toBe(303);
    const login = new URL(result.location!, CONSOLE);
    expect(login.pathname).toBe("/login");
    expect(login.searchParams.get("error")).toBe("no_role");
    expect(login.searchParams.get("message")).toContain("eve@corp.example is not in any group");
    expect(login.searchParams.get("message")).toContain("platform-admins");
    expect(result.setCookie).toBeNull();
    expect(await services.db.select().from(users).where(eq(users.email, "eve@corp.example"))).toEqual([]);
  });

  it("refuses a tampered state and a replayed callback", async () => {
    const { callback, result } = await signIn(services, "ada");
    expect(result.setCookie).toMatch(/^oc_session=/);
    const replay = await auth(services, callback.toString());
    expect(new URL(replay.location!, CONSOLE).searchParams.get("message")).toContain("unknown or expired");
    expect(replay.setCookie).toBeNull();

    signingInAs = "ada";
    const start = await auth(services, `${CONSOLE}/api/auth/oidc/start`);
    const fresh = await throughProvider(start.location!);
    fresh.searchParams.set("state", "tampered-state-value");
    const tampered = await auth(services, fresh.toString());
    expect(new URL(tampered.location!, CONSOLE).searchParams.get("error")).toBe("oidc");
    expect(tampered.setCookie).toBeNull();
  });

  it("keeps returnTo inside the console", async () => {
    const { result } = await signIn(services, "ada", "https://evil.example/phish");
    expect(result.location).toBe("/");
  });

  it("turns off local passwords when OIDC is configured", async () => {
    const response = await dispatchAuth(
      services,
      new Request(`${CONSOLE}/api/auth/login`, {
        method: "POST",
        headers: { origin: CONSOLE, "content-type": "application/json" },
        body: JSON.stringify({ email: "ada@corp.example", password: "anything at all" }),
      }),
    );
    expect(response.status).toBe(404);
  });
});
