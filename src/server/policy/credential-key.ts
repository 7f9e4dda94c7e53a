/**
 * How a remembered tenant credential is found from a request's Authorization header: by the
 * SHA-256 of its bearer token, never the token itself. Apart from tenant-auth.ts so that the
 * machine port's thread (feeds/machine-port) finds credentials exactly as the authenticator
 * remembers them, without loading the authenticator's database and JWKS code.
 */
import { hash, timingSafeEqual } from "node:crypto";

export function bearerToken(authorization: string | null): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? null;
}

export function credentialKey(token: string): string {
  return hash("sha256", token, "base64url");
}

/** Whether Authorization carries exactly `token` (a configured shared secret), compared in constant time. */
export function bearerMatches(header: string | null, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
