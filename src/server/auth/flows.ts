/** Short-lived sign-in state in the database (so any replica can finish a flow), keyed by a secret's hash. */
import { and, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { authFlows } from "../db/schema";
import { hashSecret } from "./secrets";

export type FlowKind = "oidc" | "setup";

export async function putFlow(db: Db, kind: FlowKind, secret: string, data: Record<string, string>, ttlMs: number, now = new Date()) {
  await db.delete(authFlows).where(lt(authFlows.expiresAt, now));
  await db.insert(authFlows).values({ id: hashSecret(secret), kind, data, expiresAt: new Date(now.getTime() + ttlMs), createdAt: now });
}

/** Reads a live flow, locking it for the caller's transaction. */
export async function peekFlow(db: Db, kind: FlowKind, secret: string, now = new Date()) {
  const [row] = await db
    .select()
    .from(authFlows)
    .where(and(eq(authFlows.id, hashSecret(secret)), eq(authFlows.kind, kind), gt(authFlows.expiresAt, now)))
    .limit(1)
    .for("update");
  return row?.data ?? null;
}

/** Consumes a flow: it can be used once. */
export async function takeFlow(db: Db, kind: FlowKind, secret: string, now = new Date()) {
  const [row] = await db
    .delete(authFlows)
    .where(and(eq(authFlows.id, hashSecret(secret)), eq(authFlows.kind, kind)))
    .returning();
  if (!row || row.expiresAt <= now) return null;
  return row.data;
}

export async function dropFlows(db: Db, kind: FlowKind) {
  await db.delete(authFlows).where(eq(authFlows.kind, kind));
}
