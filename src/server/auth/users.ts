/** Users of the console: local accounts with argon2id passwords, or accounts created by OIDC sign-in. */
import { hash, verify } from "@node-rs/argon2";
import { and, asc, count, eq, ne, sql } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { sessions, users } from "../db/schema";
import { DomainError } from "../errors";
import { passwordResetInput, userCreateInput, userUpdateInput, type User } from "./model";
import type { Role } from "./roles";

export { emailSchema, passwordResetInput, passwordSchema, roleSchema, userCreateInput, userUpdateInput, type User } from "./model";

type Row = typeof users.$inferSelect;

export function toUser(row: Row): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role as Role,
    active: row.active,
    kind: row.oidcSubject ? "oidc" : "local",
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
    createdBy: row.createdBy,
  };
}

// OWASP's recommended argon2id parameters (19 MiB, 2 iterations, 1 lane).
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, ARGON2);

/** A hash of nothing anyone knows, verified when the account does not exist so timing tells nothing. */
let decoyHash: Promise<string> | null = null;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    decoyHash ??= hashPassword("decoy password that is never set");
    await verify(await decoyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

export async function findUserByEmail(db: Db, email: string): Promise<Row | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).limit(1);
  return row;
}

async function userRow(db: Db, id: string, lock = false): Promise<Row> {
  const query = db.select().from(users).where(eq(users.id, id)).limit(1);
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw new DomainError("NOT_FOUND", `user ${id} does not exist`);
  return row;
}

export async function listUsers(db: Db): Promise<User[]> {
  return (await db.select().from(users).orderBy(asc(users.email))).map(toUser);
}

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0);
}

function emailTaken(email: string) {
  return new DomainError("CONFLICT", `a user with e-mail '${email}' already exists`, {
    fieldErrors: { email: ["already used by another user"] },
  });
}

/** Inserts a local user; the caller's transaction also records the audit event. */
export async function insertLocalUser(tx: Db, ctx: ChangeContext, input: z.output<typeof userCreateInput>): Promise<User> {
  if (await findUserByEmail(tx, input.email)) throw emailTaken(input.email);
  const [row] = await tx
    .insert(users)
    .values({
      email: input.email,
      displayName: input.displayName,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdBy: ctx.actor.id,
    })
    .returning();
  const user = toUser(row!);
  await recordAudit(tx, ctx, { action: "user.create", entityType: "user", entityId: user.email, after: user });
  return user;
}

export async function createUser(db: Db, ctx: ChangeContext, input: z.output<typeof userCreateInput>): Promise<User> {
  return db.transaction((tx) => insertLocalUser(tx, ctx, input));
}

/** Serializes changes that take an admin away, so two admins demoting each other cannot both succeed. */
export const ADMIN_REMOVAL_LOCK = 7_342_001;

async function activeAdminsOtherThan(tx: Db, id: string): Promise<number> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_REMOVAL_LOCK})`);
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.active, true), ne(users.id, id)));
  return Number(row?.n ?? 0);
}

export async function updateUser(db: Db, ctx: ChangeContext, id: string, input: z.output<typeof userUpdateInput>): Promise<User> {
  return db.transaction(async (tx) => {
    const before = toUser(await userRow(tx, id, true));
    const losesAdmin = before.role === "admin" && before.active && (input.active === false || (input.role && input.role !== "admin"));
    if (losesAdmin && (await activeAdminsOtherThan(tx, id)) === 0) {
      throw new DomainError("CONFLICT", `${before.email} is the last active admin: make someone else an admin first`);
    }
    const [row] = await tx
      .update(users)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    const after = toUser(row!);
    if (input.active === false || (input.role && input.role !== before.role)) {
      // A deactivated or demoted user's sessions end now, not at their next expiry.
      await tx.delete(sessions).where(eq(sessions.userId, id));
    }
    const action =
      input.active === false && before.active
        ? "user.deactivate"
        : input.active === true && !before.active
          ? "user.reactivate"
          : input.role && input.role !== before.role
            ? "user.role_change"
            : "user.update";
    await recordAudit(tx, ctx, { action, entityType: "user", entityId: after.email, before, after });
    return after;
  });
}

export async function resetPassword(db: Db, ctx: ChangeContext, id: string, { password }: z.output<typeof passwordResetInput>): Promise<User> {
  return db.transaction(async (tx) => {
    const row = await userRow(tx, id, true);
    if (row.oidcSubject) {
      throw new DomainError("CONFLICT", `${row.email} signs in through the identity provider and has no password here`);
    }
    const [updated] = await tx
      .update(users)
      .set({ passwordHash: await hashPassword(password), updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    await tx.delete(sessions).where(eq(sessions.userId, id));
    await recordAudit(tx, ctx, { action: "user.password_reset", entityType: "user", entityId: row.email });
    return toUser(updated!);
  });
}
