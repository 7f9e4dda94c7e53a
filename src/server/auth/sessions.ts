/** Server-side sessions, so sign-out and deactivation take effect at once. */
import { and, eq, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { sessions, users } from "../db/schema";
import { hashSecret, newSecret } from "./secrets";

export const SESSION_COOKIE = "oc_session";

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

/** Touch last-seen at most this often, so an active page does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export async function createSession(
  db: Db,
  userId: string,
  policy: SessionPolicy,
  meta: { userAgent?: string | null; sourceIp?: string | null },
  now = new Date(),
): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + policy.maxMs);
  await db.insert(sessions).values({
    id: hashSecret(secret),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    sourceIp: meta.sourceIp ?? null,
  });
  return { secret, expiresAt };
}

/** The session's user when the session is live: not expired, not idle too long, user active. */
export async function resolveSession(db: Db, secret: string, policy: SessionPolicy, now = new Date()) {
  const id = hashSecret(secret);
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id))
    .limit(1);
  if (!row) return null;
  const idleSince = now.getTime() - row.session.lastSeenAt.getTime();
  if (row.session.expiresAt <= now || idleSince > policy.idleMs || !row.user.active) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  if (idleSince > TOUCH_EVERY_MS) await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, id));
  return row;
}

export async function deleteSession(db: Db, secret: string): Promise<string | null> {
  const [row] = await db
    .delete(sessions)
    .where(eq(sessions.id, hashSecret(secret)))
    .returning({ userId: sessions.userId });
  return row?.userId ?? null;
}

export async function pruneSessions(db: Db, policy: SessionPolicy, now = new Date()): Promise<void> {
  await db.delete(sessions).where(or(lt(sessions.expiresAt, now), lt(sessions.lastSeenAt, new Date(now.getTime() - policy.idleMs))));
}

/** `Set-Cookie` for a session: HTTP-only, SameSite=Lax, Secure behind https. */
export function sessionCookie(secret: string, expiresAt: Date, secure: boolean): string {
  return [`${SESSION_COOKIE}=${secret}`, "Path=/", "HttpOnly", "SameSite=Lax", `Expires=${expiresAt.toUTCString()}`, ...(secure ? ["Secure"] : [])].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", ...(secure ? ["Secure"] : [])].join("; ");
}

export function sessionSecretFrom(cookieHeader: string | null): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=") || null;
  }
  return null;
}

export async function endSessionsOf(db: Db, userId: string): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.userId, userId)));
}
