/** Bearer tokens for tenants outside Kubernetes: issued by an admin, shown once, stored hashed. */
import type { z } from "zod";
import { and, desc, eq, isNull } from "drizzle-orm";
import { recordAudit, type ChangeContext } from "../audit/audit";
import { hashSecret, newSecret } from "../auth/secrets";
import type { Db } from "../db/client";
import { tenantTokens, tenants } from "../db/schema";
import { DomainError, isDatabaseUnavailable, notFound } from "../errors";
import { tenantTokenCreateInput } from "./model";
import { isUuid } from "../util/uuid";

export const TENANT_TOKEN_PREFIX = "octt_";

// The schema lives with the other policy inputs, where client components can import it.
export { tenantTokenCreateInput } from "./model";

type Row = typeof tenantTokens.$inferSelect;

export interface TenantToken {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toTenantToken(row: Row): TenantToken {
  return {
    id: row.id,
    tenant: row.tenantName,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export async function createTenantToken(db: Db, ctx: ChangeContext, tenant: string, input: z.output<typeof tenantTokenCreateInput>, now = new Date()) {
  const secret = newSecret(TENANT_TOKEN_PREFIX);
  return db.transaction(async (tx) => {
    const [exists] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.name, tenant)).limit(1);
    if (!exists) throw notFound("tenant", tenant);
    const [clash] = await tx
      .select({ id: tenantTokens.id })
      .from(tenantTokens)
      .where(and(eq(tenantTokens.tenantName, tenant), eq(tenantTokens.name, input.name)))
      .limit(1);
    if (clash) throw new DomainError("CONFLICT", `tenant '${tenant}' already has a token named '${input.name}'`, { fieldErrors: { name: ["already used"] } });
    const [row] = await tx
      .insert(tenantTokens)
      .values({
        tenantName: tenant,
        name: input.name,
        tokenHash: hashSecret(secret),
        prefix: secret.slice(0, TENANT_TOKEN_PREFIX.length + 6),
        createdAt: now,
        expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
        createdBy: ctx.actor.id,
      })
      .returning();
    const token = toTenantToken(row!);
    await recordAudit(tx, ctx, { action: "tenant_token.create", entityType: "tenant_token", entityId: token.id, after: token });
    return { token: secret, tenantToken: token };
  });
}

export async function listTenantTokens(db: Db, tenant: string): Promise<TenantToken[]> {
  const rows = await db.select().from(tenantTokens).where(eq(tenantTokens.tenantName, tenant)).orderBy(desc(tenantTokens.createdAt));
  return rows.map(toTenantToken);
}

export async function revokeTenantToken(db: Db, ctx: ChangeContext, tenant: string, id: string, now = new Date()): Promise<TenantToken & { hash: string }> {
  if (!isUuid(id)) throw notFound("tenant token", id);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(tenantTokens)
      .where(and(eq(tenantTokens.tenantName, tenant), eq(tenantTokens.id, id)))
      .limit(1)
      .for("update");
    if (!row) throw notFound("tenant token", id);
    const before = toTenantToken(row);
    if (row.revokedAt) return { ...before, hash: row.tokenHash };
    const [updated] = await tx.update(tenantTokens).set({ revokedAt: now }).where(eq(tenantTokens.id, id)).returning();
    const after = toTenantToken(updated!);
    await recordAudit(tx, ctx, { action: "tenant_token.revoke", entityType: "tenant_token", entityId: id, before, after });
    return { ...after, hash: row.tokenHash };
  });
}

/** The tenant a live token belongs to, or null. */
export async function resolveTenantToken(db: Db, secret: string, now = new Date()): Promise<{ tenant: string; expiresAt: Date | null } | null> {
  const [row] = await db
    .select()
    .from(tenantTokens)
    .where(and(eq(tenantTokens.tokenHash, hashSecret(secret)), isNull(tenantTokens.revokedAt)))
    .limit(1);
  if (!row || (row.expiresAt && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    // The token was found valid; losing the database just now only loses this bookkeeping.
    await db
      .update(tenantTokens)
      .set({ lastUsedAt: now })
      .where(eq(tenantTokens.id, row.id))
      .catch((error: unknown) => {
        if (!isDatabaseUnavailable(error)) throw error;
      });
  }
  return { tenant: row.tenantName, expiresAt: row.expiresAt };
}
