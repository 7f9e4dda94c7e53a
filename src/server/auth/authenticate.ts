import type { AuthConfig } from "../config";
import type { Db } from "../db/client";
import { DomainError } from "../errors";
import type { Principal } from "./principal";
import { lowerOf, type Role } from "./roles";
import { sameSecret } from "./secrets";
import { resolveSession, sessionSecretFrom } from "./sessions";
import { resolveApiToken } from "./tokens";

/**
 * Who sent this request: a bearer token (the bootstrap token or an API token) or a session
 * cookie. No credentials → null; credentials that do not hold → UNAUTHORIZED with why.
 */
export async function authenticate(db: Db, config: AuthConfig, headers: Headers, now = new Date()): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new DomainError("UNAUTHORIZED", 'the Authorization header must be "Bearer <token>"');
    const secret = match[1]!;
    if (config.bootstrapToken && sameSecret(secret, config.bootstrapToken)) {
      return { kind: "bootstrap-token", id: "bootstrap-token", role: "admin", userId: null, displayName: "Bootstrap token", viaSession: false };
    }
    const resolved = await resolveApiToken(db, secret, now);
    if (!resolved) throw new DomainError("UNAUTHORIZED", "the API token is not valid: it is unknown, expired or revoked");
    return {
      kind: "token",
      id: resolved.user.email,
      role: lowerOf(resolved.token.role as Role, resolved.user.role as Role),
      userId: resolved.user.id,
      displayName: resolved.user.displayName || resolved.user.email,
      viaSession: false,
      tokenId: resolved.token.id,
      tokenName: resolved.token.name,
    };
  }
  const secret = sessionSecretFrom(headers.get("cookie"));
  if (!secret) return null;
  const session = await resolveSession(db, secret, { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs }, now);
  if (!session) return null;
  return {
    kind: "user",
    id: session.user.email,
    role: session.user.role as Role,
    userId: session.user.id,
    displayName: session.user.displayName || session.user.email,
    viaSession: true,
    sessionId: session.session.id,
  };
}
