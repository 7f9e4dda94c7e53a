/** /api/auth/*: sign-in and sign-out for browsers. Public by nature; each checks what it needs. */
import { assertSameOrigin, isSecureRequest } from "../auth/guard";
import { signInWithPassword, signOut } from "../auth/local";
import { beginOidcSignIn, finishOidcSignIn, safeReturnTo } from "../auth/oidc";
import { clearedSessionCookie, sessionCookie, sessionSecretFrom } from "../auth/sessions";
import { completeSetup, signInOptions } from "../auth/setup";
import { DomainError, parseInput } from "../errors";
import type { Services } from "../services";
import { z } from "zod";
import { setupInput, signInInput } from "../auth/model";
import { json, readJsonBody, sourceIpOf } from "./http";
import { sessionUserResource, signInOptionsResource } from "./resources";
import { createRestRouter, type RestRequest, type RestRoute } from "./router";

function policyOf(services: Services) {
  return { idleMs: services.config.auth.sessionIdleMs, maxMs: services.config.auth.sessionMaxMs };
}

function metaOf({ request, requestId, services }: RestRequest) {
  return { userAgent: request.headers.get("user-agent"), sourceIp: sourceIpOf(request, services.config), requestId };
}

function secure({ request, services }: RestRequest) {
  return isSecureRequest(request.headers, request.url, services.config.auth);
}

function sameOrigin({ request, services }: RestRequest) {
  assertSameOrigin(request.method, request.headers, request.url, services.config.auth);
}

function redirect(location: string, setCookie?: string): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  if (setCookie) headers.append("Set-Cookie", setCookie);
  return new Response(null, { status: 303, headers });
}

function loginPageWithError(code: string, message: string): string {
  return `/login?${new URLSearchParams({ error: code, message }).toString()}`;
}

const routes: RestRoute[] = [
  {
    method: "GET",
    path: "/api/auth/config",
    summary: "How to sign in here: OIDC, local accounts, or first-start setup",
    role: "public",
    mutates: false,
    response: { status: 200, description: "The sign-in methods", schema: signInOptionsResource },
    handle: async ({ services }) => json(await signInOptions(services.db, services.config)),
  },
  {
    method: "GET",
    path: "/api/auth/session",
    summary: "The signed-in user, or 401",
    role: "public",
    mutates: false,
    response: { status: 200, description: "Who the session cookie or bearer token belongs to", schema: sessionUserResource },
    errors: { 401: "No session, or the token is not valid" },
    handle: async ({ principal }) => {
      if (!principal) throw new DomainError("UNAUTHORIZED", "not signed in");
      return json({ user: { email: principal.id, displayName: principal.displayName, role: principal.role, kind: principal.kind } });
    },
  },
  {
    method: "POST",
    path: "/api/auth/login",
    summary: "Sign in with a local account ({email, password}); sets the session cookie",
    role: "public",
    mutates: false,
    body: { schema: signInInput },
    errors: {
      401: "Wrong email or password",
      403: "Not a same-origin request",
      404: "Local accounts are off (OIDC is configured)",
      429: "Too many attempts: wait and retry",
    },
    response: {
      status: 200,
      description: "Signed in; the session cookie is set",
      schema: sessionUserResource,
      headers: { "Set-Cookie": "The session cookie" },
    },
    handle: async (req) => {
      sameOrigin(req);
      if (req.services.config.auth.oidc) throw new DomainError("NOT_FOUND", "local accounts are off: sign in through the identity provider");
      const input = parseInput(signInInput, await readJsonBody(req.request), "cannot sign in");
      const { user, secret, expiresAt } = await signInWithPassword(req.services.db, policyOf(req.services), req.services.signInThrottle, input, metaOf(req));
      return json({ user: { email: user.email, displayName: user.displayName, role: user.role } }, 200, {
        "Set-Cookie": sessionCookie(secret, expiresAt, secure(req)),
      });
    },
  },
  {
    method: "POST",
    path: "/api/auth/logout",
    summary: "Sign out: ends the session at once",
    role: "public",
    mutates: false,
    response: { status: 204, description: "Signed out; the session cookie is cleared" },
    handle: async (req) => {
      sameOrigin(req);
      await signOut(req.services.db, req.change, sessionSecretFrom(req.request.headers.get("cookie")));
      return new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie(secure(req)) } });
    },
  },
  {
    method: "POST",
    path: "/api/auth/setup",
    summary: "First start: create the first admin with the printed setup link's token",
    role: "public",
    mutates: false,
    body: { schema: setupInput },
    errors: { 401: "The setup token is not valid", 403: "Not a same-origin request", 409: "Setup is already done" },
    response: { status: 201, description: "The first admin, signed in", schema: sessionUserResource, headers: { "Set-Cookie": "The session cookie" } },
    handle: async (req) => {
      sameOrigin(req);
      const input = parseInput(setupInput, await readJsonBody(req.request), "cannot finish setup");
      const { user, secret, expiresAt } = await completeSetup(req.services.db, policyOf(req.services), input, metaOf(req));
      return json({ user: { email: user.email, displayName: user.displayName, role: user.role } }, 201, {
        "Set-Cookie": sessionCookie(secret, expiresAt, secure(req)),
      });
    },
  },
  {
    method: "GET",
    path: "/api/auth/oidc/start",
    summary: "Start OIDC sign-in (authorization code + PKCE); ?returnTo=/path",
    role: "public",
    mutates: false,
    query: z.object({ returnTo: z.string().max(2000).optional().meta({ description: "A console path to return to after sign-in" }) }),
    response: { status: 303, description: "Redirect to the identity provider", headers: { Location: "The provider's authorization URL" } },
    handle: async ({ services, url }) => {
      const oidc = services.config.auth.oidc;
      if (!oidc) throw new DomainError("NOT_FOUND", "OIDC sign-in is not configured");
      const location = await beginOidcSignIn(services.db, oidc, url.searchParams.get("returnTo"));
      return redirect(location.toString());
    },
  },
  {
    method: "GET",
    path: "/api/auth/oidc/callback",
    summary: "Where the identity provider sends the browser back",
    role: "public",
    mutates: false,
    response: {
      status: 303,
      description: "Redirect to the console (signed in) or to /login with an error",
      headers: { Location: "Where the browser goes next" },
    },
    handle: async (req) => {
      const oidc = req.services.config.auth.oidc;
      if (!oidc) throw new DomainError("NOT_FOUND", "OIDC sign-in is not configured");
      try {
        const outcome = await finishOidcSignIn(req.services.db, oidc, policyOf(req.services), req.url, metaOf(req));
        if (!outcome.ok) return redirect(loginPageWithError(outcome.code, outcome.message));
        return redirect(safeReturnTo(outcome.returnTo), sessionCookie(outcome.secret, outcome.expiresAt, secure(req)));
      } catch (error) {
        if (error instanceof DomainError) return redirect(loginPageWithError("oidc", error.message));
        throw error;
      }
    },
  },
];

export const authRoutes: readonly RestRoute[] = routes;
export const dispatchAuth = createRestRouter(authRoutes);
