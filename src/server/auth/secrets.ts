import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A random secret for cookies, tokens and links (256 bits, URL-safe). */
export function newSecret(prefix = ""): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** Secrets are stored as their SHA-256: a database leak does not leak usable credentials. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
