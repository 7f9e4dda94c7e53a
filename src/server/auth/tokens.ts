/** API tokens for the CLI and scripts: created by a user for themselves, shown once, stored hashed. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { apiTokens, users } from "../db/schema";
import { DomainError } from "../errors";
import type { Principal } from "./principal";
import { apiTokenCreateInput, TOKEN_PREFIX, type ApiToken } from "./model";
import { atLeast, type Role } from "./roles";
import { hashSecret, newSecret } from "./secrets";

export { apiTokenCreateInput, TOKEN_PREFIX, type ApiToken } from "./model";

const LAST_USED_EVERY_MS = 60_000;

type Row = typeof apiTokens.$inferSelect;

function toApiToken(row: Row, owner: string): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    owner,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export async function createApiToken(
  db: Db,
  ctx: ChangeContext,
  principal: Principal,
  input: z.output<typeof apiTokenCreateInput>,
  now = new Date(),
): Promise<{ token: string; apiToken: ApiToken }> {
  if (!principal.userId) {
    throw new DomainError("FORBIDDEN", "API tokens are created by a user, for themselves: the bootstrap token owns none (sign in, or use a user's API token)");
  }
  if (!atLeast(principal.role, input.role)) {
    throw new DomainError("FORBIDDEN", `a token cannot have more rights than its owner: you are ${principal.role}`, {
      fieldErrors: { role: [`at most ${principal.role}`] },
    });
  }
  const secret = newSecret(TOKEN_PREFIX);
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null;
  return db.transaction(async (tx) => {
    if (principal.tokenId) await refuseOutliving(tx, principal.tokenId, expiresAt, now);
    const [clash] = await tx
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, principal.userId!), eq(apiTokens.name, input.name)))
      .limit(1);
    if (clash) {
      throw new DomainError("CONFLICT", `you already have a token named '${input.name}'`, {
        fieldErrors: { name: ["already used by another of your tokens"] },
      });
    }
    const [row] = await tx
      .insert(apiTokens)
      .values({
        userId: principal.userId!,
        name: input.name,
        role: input.role,
        tokenHash: hashSecret(secret),
        prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
        createdAt: now,
        expiresAt,
      })
      .returning();
    const apiToken = toApiToken(row!, principal.id);
    await recordAudit(tx, ctx, { action: "api_token.create", entityType: "api_token", entityId: apiToken.id, after: apiToken });
    return { token: secret, apiToken };
  });
}

/**
 * A token made with an API token expires no later than that one: otherwise a leaked token that
 * expires next week could mint itself a successor that never does.
 */
async function refuseOutliving(tx: Db, callerTokenId: string, expiresAt: Date | null, now: Date): Promise<void> {
  const [caller] = await tx.select({ expiresAt: apiTokens.expiresAt }).from(apiTokens).where(eq(apiTokens.id, callerTokenId)).limit(1);
  const limit = caller?.expiresAt;
  if (!limit || (expiresAt && expiresAt <= limit)) return;
  const days = Math.max(0, Math.floor((limit.getTime() - now.getTime()) / 86_400_000));
  const message = `at most ${days} days: the token you call with expires ${limit.toISOString()}, and a token it creates cannot outlive it`;
  throw new DomainError("VALIDATION_FAILED", `cannot create token: expiresInDays: ${message}`, { fieldErrors: { expiresInDays: [message] }, formErrors: [] });
}

/** A user's own tokens, or every token for an admin who asks for all. */
export async function listApiTokens(db: Db, principal: Principal, all = false): Promise<ApiToken[]> {
  const everyone = all && principal.role === "admin";
  // The bootstrap token is no user: it owns no tokens, but as an admin it may list everyone's.
  if (!everyone && !principal.userId) return [];
  const rows = await db
    .select({ token: apiTokens, owner: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(everyone ? undefined : eq(apiTokens.userId, principal.userId!))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map((r) => toApiToken(r.token, r.owner));
}

export async function revokeApiToken(db: Db, ctx: ChangeContext, principal: Principal, id: string, now = new Date()): Promise<ApiToken> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ token: apiTokens, owner: users.email })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.id, id))
      .limit(1)
      .for("update");
    if (!row || (row.token.userId !== principal.userId && principal.role !== "admin")) {
      throw new DomainError("NOT_FOUND", `token ${id} does not exist`);
    }
    const before = toApiToken(row.token, row.owner);
    if (row.token.revokedAt) return before;
    const [updated] = await tx.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id)).returning();
    const after = toApiToken(updated!, row.owner);
    await recordAudit(tx, ctx, { action: "api_token.revoke", entityType: "api_token", entityId: id, before, after });
    return after;
  });
}

/** The token and its owner when the secret is a live token of an active user. */
export async function resolveApiToken(db: Db, secret: string, now = new Date()) {
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashSecret(secret)), isNull(apiTokens.revokedAt)))
    .limit(1);
  if (!row || !row.user.active || (row.token.expiresAt && row.token.expiresAt <= now)) return null;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return row;
}
