/**
 * Production sign-in: the OpenID Connect authorization code flow with PKCE, state and nonce
 * (openid-client). Roles come from the groups claim on every sign-in, so the IdP stays the source
 * of truth; a user in no mapped group is refused and told why.
 */
import * as client from "openid-client";
import { eq } from "drizzle-orm";
import { recordAudit } from "../audit/audit";
import type { OidcConfig } from "../config";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { DomainError } from "../errors";
import { putFlow, takeFlow } from "./flows";
import { safeReturnTo } from "./return-to";
import type { Role } from "./roles";
import { createSession, type SessionPolicy } from "./sessions";
import { toUser, type User } from "./users";

export { safeReturnTo } from "./return-to";

const FLOW_TTL_MS = 10 * 60_000;

let discovered: { key: string; config: Promise<client.Configuration> } | null = null;

/** The provider's configuration, discovered once per process (and again after a failure). */
export function oidcClient(oidc: OidcConfig): Promise<client.Configuration> {
  const key = `${oidc.issuerUrl} ${oidc.clientId}`;
  if (!discovered || discovered.key !== key) {
    const config = client.discovery(
      new URL(oidc.issuerUrl),
      oidc.clientId,
      undefined,
      oidc.clientSecret ? client.ClientSecretPost(oidc.clientSecret) : client.None(),
      oidc.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
    );
    config.catch(() => {
      if (discovered?.config === config) discovered = null;
    });
    discovered = { key, config };
  }
  return discovered.config;
}

export async function beginOidcSignIn(db: Db, oidc: OidcConfig, returnTo: string | null): Promise<URL> {
  const config = await oidcClient(oidc);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  await putFlow(db, "oidc", state, { verifier, nonce, returnTo: safeReturnTo(returnTo) }, FLOW_TTL_MS);
  return client.buildAuthorizationUrl(config, {
    redirect_uri: oidc.redirectUrl,
    scope: oidc.scopes,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
}

/** The highest role any of the user's groups maps to. */
export function roleForGroups(oidc: OidcConfig, groups: readonly string[]): Role | null {
  const has = (mapped: string[]) => mapped.some((g) => groups.includes(g));
  if (has(oidc.adminGroups)) return "admin";
  if (has(oidc.editorGroups)) return "editor";
  if (has(oidc.viewerGroups)) return "viewer";
  return null;
}

function groupsOf(claims: Record<string, unknown>, claim: string): string[] | null {
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  if (typeof value === "string") return value.split(/[,\s]+/).filter(Boolean);
  return null;
}

export type OidcOutcome =
  { ok: true; user: User; secret: string; expiresAt: Date; returnTo: string } | { ok: false; code: "no_role" | "inactive"; message: string };

export async function finishOidcSignIn(
  db: Db,
  oidc: OidcConfig,
  policy: SessionPolicy,
  callbackUrl: URL,
  meta: { userAgent?: string | null; sourceIp?: string; requestId?: string },
): Promise<OidcOutcome> {
  const state = callbackUrl.searchParams.get("state");
  const providerError = callbackUrl.searchParams.get("error");
  if (providerError) {
    throw new DomainError("UNAUTHORIZED", `the identity provider refused the sign-in: ${callbackUrl.searchParams.get("error_description") ?? providerError}`);
  }
  const flow = state ? await takeFlow(db, "oidc", state) : null;
  if (!state || !flow) {
    throw new DomainError("UNAUTHORIZED", "this sign-in is unknown or expired (or its state was tampered with): start again");
  }
  const config = await oidcClient(oidc);
  // The provider redirected to the public redirect URL; rebuild it from that, not from the
  // address this process was reached at behind a proxy.
  const currentUrl = new URL(oidc.redirectUrl);
  currentUrl.search = callbackUrl.search;
  let claims: Record<string, unknown>;
  let accessToken: string;
  try {
    const tokens = await client.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    accessToken = tokens.access_token;
  } catch (error) {
    throw new DomainError("UNAUTHORIZED", `the sign-in response did not check out: ${(error as Error).message}`);
  }
  let groups = groupsOf(claims, oidc.groupsClaim);
  if (groups === null) {
    // Some providers put groups only in the userinfo response.
    const info = (await client.fetchUserInfo(config, accessToken, String(claims.sub)).catch(() => null)) as Record<string, unknown> | null;
    groups = (info && groupsOf(info, oidc.groupsClaim)) ?? [];
    claims = { ...info, ...claims };
  }
  const subject = `${String(claims.iss)} ${String(claims.sub)}`;
  const email = String(claims.email ?? claims.preferred_username ?? claims.sub).toLowerCase();
  const displayName = typeof claims.name === "string" ? claims.name : "";
  const role = roleForGroups(oidc, groups);
  const ctx = { actor: { kind: "user" as const, id: email }, requestId: meta.requestId, sourceIp: meta.sourceIp };

  if (!role) {
    await recordAudit(
      db,
      { ...ctx, actor: { kind: "anonymous", id: "anonymous" } },
      {
        action: "auth.sign_in_failed",
        entityType: "user",
        entityId: email,
        after: { email, reason: "no mapped group", groups },
      },
    );
    const mapped = [...oidc.adminGroups, ...oidc.editorGroups, ...oidc.viewerGroups];
    return {
      ok: false,
      code: "no_role",
      message: `${email} is not in any group that gives access to this console (your groups: ${groups.join(", ") || "none"}). Ask an administrator to add you to one of: ${mapped.join(", ")}.`,
    };
  }

  return db.transaction(async (tx) => {
    const now = new Date();
    const [existing] = await tx.select().from(users).where(eq(users.oidcSubject, subject)).limit(1).for("update");
    if (existing && !existing.active) {
      return { ok: false, code: "inactive", message: `${existing.email} has been deactivated in this console: ask an administrator` } as const;
    }
    let row = existing;
    if (existing) {
      [row] = await tx
        .update(users)
        .set({ role, email, displayName: displayName || existing.displayName, lastSignInAt: now, updatedAt: now })
        .where(eq(users.id, existing.id))
        .returning();
      if (existing.role !== role) {
        await recordAudit(tx, ctx, {
          action: "user.role_change",
          entityType: "user",
          entityId: email,
          before: toUser(existing),
          after: toUser(row!),
        });
      }
    } else {
      const [byEmail] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
      if (byEmail) {
        throw new DomainError(
          "CONFLICT",
          `a local account ${email} already exists; an admin must remove or rename it before ${email} can sign in through the identity provider`,
        );
      }
      [row] = await tx.insert(users).values({ email, displayName, role, oidcSubject: subject, createdBy: "oidc", lastSignInAt: now }).returning();
      await recordAudit(tx, ctx, { action: "user.create", entityType: "user", entityId: email, after: toUser(row!) });
    }
    const session = await createSession(tx, row!.id, policy, meta, now);
    await recordAudit(tx, ctx, { action: "auth.sign_in", entityType: "user", entityId: email, after: { method: "oidc", groups, role } });
    return { ok: true, user: toUser(row!), returnTo: flow.returnTo ?? "/", ...session } as const;
  });
}
