/** Sign-in with a local account, sign-out, and the throttle on failed attempts. */
import { eq } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { DomainError } from "../errors";
import { signInInput } from "./model";
import { createSession, deleteSession, type SessionPolicy } from "./sessions";
import { findUserByEmail, toUser, verifyPassword, type User } from "./users";

export { signInInput } from "./model";

const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 10;
/** One client can hold many addresses (or hide behind a shared one): cap each account too. */
const MAX_FAILURES_PER_EMAIL = 50;

/** Failed attempts per e-mail and address, and per e-mail, in memory: enough to stop online guessing on one replica. */
export class SignInThrottle {
  private failures = new Map<string, number[]>();

  private key(email: string, ip: string | undefined) {
    return `${email}\u0000${ip ?? ""}`;
  }

  private accountKey(email: string) {
    return `${email}\u0000*`;
  }

  check(email: string, ip: string | undefined, now = Date.now()): void {
    for (const [key, max] of [
      [this.key(email, ip), MAX_FAILURES],
      [this.accountKey(email), MAX_FAILURES_PER_EMAIL],
    ] as const) {
      const recent = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
      if (recent.length >= max) {
        const retryAfter = Math.ceil((recent[0]! + WINDOW_MS - now) / 1000);
        throw new DomainError("RATE_LIMITED", `too many failed sign-ins; try again in ${Math.ceil(retryAfter / 60)} min`, { retryAfter });
      }
    }
  }

  fail(email: string, ip: string | undefined, now = Date.now()): void {
    for (const key of [this.key(email, ip), this.accountKey(email)]) {
      const recent = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
      recent.push(now);
      this.failures.delete(key);
      this.failures.set(key, recent);
    }
    while (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(email: string, ip: string | undefined): void {
    this.failures.delete(this.key(email, ip));
  }
}

export interface SignInMeta {
  userAgent?: string | null;
  sourceIp?: string;
  requestId?: string;
}

export async function signInWithPassword(
  db: Db,
  policy: SessionPolicy,
  throttle: SignInThrottle,
  { email, password }: z.output<typeof signInInput>,
  meta: SignInMeta,
): Promise<{ user: User; secret: string; expiresAt: Date }> {
  throttle.check(email, meta.sourceIp);
  const row = await findUserByEmail(db, email);
  const passwordOk = await verifyPassword(row?.passwordHash ?? null, password);
  const reason = !row
    ? "unknown e-mail"
    : !row.passwordHash
      ? "account signs in through OIDC"
      : !passwordOk
        ? "wrong password"
        : !row.active
          ? "account deactivated"
          : null;
  if (reason || !row) {
    throttle.fail(email, meta.sourceIp);
    await recordAudit(
      db,
      { actor: { kind: "anonymous", id: "anonymous" }, requestId: meta.requestId, sourceIp: meta.sourceIp },
      { action: "auth.sign_in_failed", entityType: "user", entityId: email, after: { email, reason } },
    );
    throw new DomainError("UNAUTHORIZED", row && !row.active && passwordOk ? "this account is deactivated: ask an admin" : "e-mail or password is not right");
  }
  throttle.succeed(email, meta.sourceIp);
  return db.transaction(async (tx) => {
    const now = new Date();
    const [updated] = await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, row.id)).returning();
    const { secret, expiresAt } = await createSession(tx, row.id, policy, meta, now);
    const user = toUser(updated!);
    await recordAudit(
      tx,
      { actor: { kind: "user", id: user.email }, requestId: meta.requestId, sourceIp: meta.sourceIp },
      { action: "auth.sign_in", entityType: "user", entityId: user.email, after: { method: "password" } },
    );
    return { user, secret, expiresAt };
  });
}

export async function signOut(db: Db, ctx: ChangeContext, secret: string | null): Promise<void> {
  if (!secret) return;
  await db.transaction(async (tx) => {
    const userId = await deleteSession(tx, secret);
    if (userId) await recordAudit(tx, ctx, { action: "auth.sign_out", entityType: "user", entityId: ctx.actor.id });
  });
}
