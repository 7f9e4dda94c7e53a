/** Third-party sources: what they are, who approved them, and their schedule. */
import type { z } from "zod";
import { and, asc, eq } from "drizzle-orm";
import { bumpCatalogRevision, recordAudit, recordChange, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { thirdPartySources } from "../db/schema";
import { DomainError, notFound, parseInput, sqlState } from "../errors";
import { sourceCreateInput, sourceUpdateInput, storedSourceSettings, UPLOADS_SOURCE, type Source, type SourceKind } from "./source-model";

export { SOURCE_KINDS, sourceCreateInput, sourceUpdateInput, UPLOADS_SOURCE, type Source, type SourceCreateInput, type SourceKind } from "./source-model";

type Row = typeof thirdPartySources.$inferSelect;

export function toSource(row: Row): Source {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as SourceKind,
    url: row.url,
    ref: row.ref,
    path: row.path,
    include: row.include,
    exclude: row.exclude,
    syncMode: row.syncMode as Source["syncMode"],
    intervalMinutes: row.intervalMinutes,
    defaultEntitlements: row.defaultEntitlements,
    status: row.status as Source["status"],
    lastError: row.lastError,
    lastSyncedAt: iso(row.lastSyncedAt),
    nextRunAt: iso(row.nextRunAt),
    approvedBy: row.approvedBy,
    approvedAt: iso(row.approvedAt),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

export async function sourceRow(db: Db, name: string, lock = false): Promise<Row> {
  const query = db.select().from(thirdPartySources).where(eq(thirdPartySources.name, name)).limit(1);
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw notFound("source", name);
  return row;
}

export async function getSource(db: Db, name: string): Promise<Source> {
  return toSource(await sourceRow(db, name));
}

export async function listSources(db: Db): Promise<Source[]> {
  return (await db.select().from(thirdPartySources).orderBy(asc(thirdPartySources.name))).map(toSource);
}

export async function createSource(
  db: Db,
  ctx: ChangeContext,
  input: z.output<typeof sourceCreateInput>,
  options: { approved?: boolean } = {},
): Promise<Source> {
  return db.transaction(async (tx) => {
    const [clash] = await tx.select({ id: thirdPartySources.id }).from(thirdPartySources).where(eq(thirdPartySources.name, input.name)).limit(1);
    if (clash) throw new DomainError("CONFLICT", `a source named '${input.name}' already exists`, { fieldErrors: { name: ["already exists"] } });
    const now = new Date();
    const [row] = await tx
      .insert(thirdPartySources)
      .values({
        name: input.name,
        kind: input.kind,
        ...storedSourceSettings(input),
        status: options.approved ? "healthy" : "pending-approval",
        approvedBy: options.approved ? ctx.actor.id : null,
        approvedAt: options.approved ? now : null,
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning();
    const source = toSource(row!);
    await recordAudit(tx, ctx, { action: "source.create", entityType: "source", entityId: source.name, after: source });
    // Sources are part of the state document, whose revision is the catalog's.
    await bumpCatalogRevision(tx);
    return source;
  });
}

export async function updateSource(db: Db, ctx: ChangeContext, name: string, input: z.output<typeof sourceUpdateInput>): Promise<Source> {
  return db.transaction(async (tx) => {
    const row = await sourceRow(tx, name, true);
    if (input.version !== undefined && input.version !== row.version) {
      throw new DomainError("CONFLICT", `source '${name}' was changed by ${row.updatedBy} (now version ${row.version}, you sent ${input.version}); reload it`, {
        currentVersion: row.version,
      });
    }
    const before = toSource(row);
    const next = {
      url: input.url ?? before.url,
      ref: input.ref === undefined ? before.ref : input.ref,
      path: input.path === undefined ? before.path : input.path,
      include: input.include ?? before.include,
      exclude: input.exclude ?? before.exclude,
      syncMode: input.syncMode ?? before.syncMode,
      intervalMinutes: input.intervalMinutes === undefined ? before.intervalMinutes : input.intervalMinutes,
      defaultEntitlements: input.defaultEntitlements ?? before.defaultEntitlements,
    };
    parseInput(
      sourceCreateInput,
      { ...next, ref: next.ref ?? undefined, path: next.path ?? undefined, intervalMinutes: next.intervalMinutes ?? undefined, name, kind: before.kind },
      `cannot update source '${name}'`,
    );
    // A changed location is a different upstream: it needs approval again.
    const moved = next.url !== before.url || next.ref !== before.ref || next.path !== before.path;
    const [updated] = await tx
      .update(thirdPartySources)
      .set({
        ...next,
        ...(moved && before.kind !== "manual-upload" ? { status: "pending-approval", approvedBy: null, approvedAt: null } : {}),
        nextRunAt:
          next.syncMode === "scheduled" && next.intervalMinutes && before.status !== "pending-approval"
            ? new Date(Date.now() + next.intervalMinutes * 60_000)
            : null,
        version: row.version + 1,
        updatedAt: new Date(),
        updatedBy: ctx.actor.id,
      })
      .where(eq(thirdPartySources.id, row.id))
      .returning();
    const after = toSource(updated!);
    await recordChange(tx, ctx, { action: "source.update", entityType: "source", entityId: name, before, after });
    return after;
  });
}

export async function approveSource(db: Db, ctx: ChangeContext, name: string): Promise<Source> {
  return db.transaction(async (tx) => {
    const row = await sourceRow(tx, name, true);
    const before = toSource(row);
    if (row.status !== "pending-approval") return before;
    const now = new Date();
    const [updated] = await tx
      .update(thirdPartySources)
      .set({
        status: "healthy",
        approvedBy: ctx.actor.id,
        approvedAt: now,
        nextRunAt: row.syncMode === "scheduled" && row.intervalMinutes ? now : null,
        version: row.version + 1,
        updatedAt: now,
        updatedBy: ctx.actor.id,
      })
      .where(eq(thirdPartySources.id, row.id))
      .returning();
    const after = toSource(updated!);
    await recordAudit(tx, ctx, { action: "source.approve", entityType: "source", entityId: name, before, after });
    return after;
  });
}

/** Deletes a source; the servers it registered stay, no longer linked to it. */
export async function deleteSource(db: Db, ctx: ChangeContext, name: string): Promise<Source> {
  return db.transaction(async (tx) => {
    const before = toSource(await sourceRow(tx, name, true));
    await tx.delete(thirdPartySources).where(eq(thirdPartySources.id, before.id));
    await recordChange(tx, ctx, { action: "source.delete", entityType: "source", entityId: name, before });
    return before;
  });
}

/** The built-in upload source, made (approved) on first use: an upload is an editor's own action. */
export async function uploadsSource(db: Db, ctx: ChangeContext): Promise<Source> {
  const [row] = await db
    .select()
    .from(thirdPartySources)
    .where(and(eq(thirdPartySources.name, UPLOADS_SOURCE), eq(thirdPartySources.kind, "manual-upload")))
    .limit(1);
  if (row) return toSource(row);
  try {
    return await createSource(db, ctx, sourceCreateInput.parse({ name: UPLOADS_SOURCE, kind: "manual-upload" }), { approved: true });
  } catch (error) {
    // Another first import created it at the same moment: its check or the unique name caught the race.
    if ((error instanceof DomainError && error.code === "CONFLICT") || sqlState(error) === "23505") return getSource(db, UPLOADS_SOURCE);
    throw error;
  }
}
