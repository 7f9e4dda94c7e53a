/**
 * Catalog domain: small functions over the database passed in. Every write is one transaction
 * holding the change, its audit event and the catalog revision bump.
 */
import type { z } from "zod";
import { and, asc, count, desc, eq, gt, ilike, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { inList } from "../db/in-list";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { allOrNothing } from "../db/all-or-nothing";
import type { Db } from "../db/client";
import { mcpServers, tenants } from "../db/schema";
import { bumpCatalogRevision, recordAudit, recordChange, type ChangeContext } from "../audit/audit";
import { DomainError, constraintOf, notFound, sqlState, validationError } from "../errors";
import { deepEqual } from "../util/stable-json";
import {
  DISABLEABLE_FROM,
  PUBLISHABLE_FROM,
  PUBLISHED_STATUSES,
  RUNTIME_TYPES,
  sanitizeObotName,
  serverBatchInput,
  serverCreateInput,
  serverListQuery,
  serverSpecSchema,
  serverUpdateInput,
  statusChangeInput,
  toServerSpec,
  type McpServer,
  type Provenance,
  type Runtime,
  type ServerListFilter,
  type ServerSpec,
  type ServerStatus,
  type SortField,
} from "./model";
import { isUuid } from "../util/uuid";
import { overriddenBy } from "./ownership";
import { rowsOf } from "../db/rows";

type Row = typeof mcpServers.$inferSelect;

export const ENTITY = "mcp_server";

const RUNTIME_KEYS = [
  "type",
  "fixedURL",
  "hostname",
  "urlTemplate",
  "package",
  "image",
  "port",
  "path",
  "command",
  "args",
  "headers",
  "staticOAuthRequired",
  "egressDomains",
  "denyAllEgress",
];
const DECLARATION_KEYS = ["key", "name", "description", "required", "sensitive", "prefix", "value", "file", "dynamicFile"];
const TOOL_KEYS = ["id", "name", "description", "params"];

/** jsonb stores object keys in its own order; the API answers in the order people read them. */
function ordered<T extends object>(value: T, keys: readonly string[]): T {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in source) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out)) out[key] = source[key];
  return out as T;
}

function orderedRuntime(runtime: Runtime | null): Runtime | null {
  if (!runtime) return null;
  const out = ordered(runtime, RUNTIME_KEYS);
  if (out.type === "remote") out.headers = out.headers.map((h) => ordered(h, DECLARATION_KEYS));
  return out;
}

export function toServer(row: Row): McpServer {
  return {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    shortDescription: row.shortDescription,
    description: row.description,
    transport: row.transport as McpServer["transport"],
    endpoint: row.endpoint,
    runtime: orderedRuntime(row.runtime ?? null),
    package: row.package ?? null,
    env: row.env.map((e) => ordered(e, DECLARATION_KEYS)),
    serverUserType: row.serverUserType as McpServer["serverUserType"],
    scope: row.scope as McpServer["scope"],
    ownerTenant: row.ownerTenant ?? null,
    status: row.status as ServerStatus,
    statusReason: row.statusReason,
    capabilities: row.capabilities,
    categories: row.categories,
    icon: row.icon,
    repoUrl: row.repoUrl,
    toolPreview: row.toolPreview.map((t) => ordered(t, TOOL_KEYS)),
    metadata: row.metadata,
    sourceId: row.sourceId,
    provenance: row.provenance ?? null,
    overrides: row.overrides ?? [],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

export function specOf(server: McpServer): ServerSpec {
  return {
    displayName: server.displayName,
    shortDescription: server.shortDescription,
    description: server.description,
    transport: server.transport,
    endpoint: server.endpoint,
    runtime: server.runtime,
    package: server.package,
    env: server.env,
    serverUserType: server.serverUserType,
    scope: server.scope,
    ownerTenant: server.ownerTenant,
    capabilities: server.capabilities,
    categories: server.categories,
    icon: server.icon,
    repoUrl: server.repoUrl,
    toolPreview: server.toolPreview,
    metadata: server.metadata,
  };
}

export function specColumns(spec: ServerSpec) {
  return { ...spec, displayNameKey: sanitizeObotName(spec.displayName) };
}

async function findRow(db: Db, name: string, lock = false): Promise<Row | undefined> {
  const query = db.select().from(mcpServers).where(eq(mcpServers.name, name)).limit(1);
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

async function lockedRow(tx: Db, name: string): Promise<Row> {
  const row = await findRow(tx, name, true);
  if (!row) throw notFound("server", name);
  return row;
}

export async function getServer(db: Db, name: string): Promise<McpServer> {
  const row = await findRow(db, name);
  if (!row) throw notFound("server", name);
  return toServer(row);
}

export async function findServer(db: Db, name: string): Promise<McpServer | null> {
  const row = await findRow(db, name);
  return row ? toServer(row) : null;
}

export async function assertDisplayNameFree(db: Db, displayName: string, exceptId: string | null): Promise<void> {
  const key = sanitizeObotName(displayName);
  const [clash] = await db
    .select({ name: mcpServers.name, displayName: mcpServers.displayName, id: mcpServers.id })
    .from(mcpServers)
    .where(eq(mcpServers.displayNameKey, key))
    .limit(1);
  if (clash && clash.id !== exceptId) throw displayNameTaken(displayName, clash.displayName, clash.name);
}

function displayNameTaken(displayName: string, otherDisplayName: string, otherName: string) {
  return new DomainError(
    "CONFLICT",
    `display name '${displayName}' is taken: server '${otherName}' is called '${otherDisplayName}', and Obot would key both as '${sanitizeObotName(displayName)}'`,
    { fieldErrors: { displayName: [`already used by server '${otherName}' ('${otherDisplayName}')`] } },
  );
}

/** A personal server's owner must be a tenant that exists (the foreign key also says so). */
async function assertOwnerExists(db: Db, owner: string | null): Promise<void> {
  if (owner === null) return;
  const [row] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.name, owner)).limit(1);
  if (!row) throw ownerMissing(owner);
}

const ownerMissing = (owner: string) =>
  new DomainError("VALIDATION_FAILED", `owner tenant '${owner}' does not exist: create the tenant first, or name an existing one`, {
    fieldErrors: { ownerTenant: [`no tenant named '${owner}'`] },
  });

function nameTaken(name: string) {
  return new DomainError("CONFLICT", `a server named '${name}' already exists`, {
    fieldErrors: { name: [`a server named '${name}' already exists`] },
  });
}

/** A unique index caught a race the pre-checks could not see; say which one in the user's terms. */
export function mapUniqueViolation(error: unknown): never {
  if (sqlState(error) === "23503" && (constraintOf(error) ?? "").includes("owner_tenant")) {
    throw new DomainError("VALIDATION_FAILED", "the owner tenant was deleted at the same moment: name an existing tenant", {
      fieldErrors: { ownerTenant: ["no such tenant"] },
    });
  }
  if (sqlState(error) === "23505") {
    const constraint = constraintOf(error) ?? "";
    if (constraint.includes("display_name")) {
      throw new DomainError("CONFLICT", "another server with the same display name was saved at the same moment", {
        fieldErrors: { displayName: ["already used by another server"] },
      });
    }
    throw new DomainError("CONFLICT", "another server with the same name was saved at the same moment", {
      fieldErrors: { name: ["already exists"] },
    });
  }
  throw error;
}

/**
 * The same for a write an ingestion run or a review makes of server `name`: the error names the
 * server, since the request (a sync, a release) did not.
 */
export function mapUniqueViolationOf(name: string) {
  return (error: unknown): never => {
    if (sqlState(error) === "23503" && (constraintOf(error) ?? "").includes("owner_tenant")) {
      throw new DomainError("VALIDATION_FAILED", `server '${name}' was not saved: its owner tenant was deleted at the same moment; name an existing tenant`, {
        fieldErrors: { ownerTenant: ["no such tenant"] },
      });
    }
    if (sqlState(error) === "23505") {
      const byDisplayName = (constraintOf(error) ?? "").includes("display_name");
      const message = byDisplayName
        ? `server '${name}' was not saved: another server with the same display name was saved at the same moment; try again`
        : `server '${name}' was not saved: another server named '${name}' was saved at the same moment; try again`;
      throw new DomainError("CONFLICT", message, {
        fieldErrors: byDisplayName ? { displayName: ["already used by another server"] } : { name: ["already exists"] },
      });
    }
    throw error;
  };
}

export function staleVersion(server: McpServer, sent: number) {
  return new DomainError(
    "CONFLICT",
    `server '${server.name}' was changed by ${server.updatedBy} at ${server.updatedAt} (now version ${server.version}, you sent ${sent}); reload it and apply your change again`,
    { currentVersion: server.version, updatedBy: server.updatedBy, updatedAt: server.updatedAt },
  );
}

export interface CreateOptions {
  provenance?: Provenance | null;
  sourceId?: string | null;
}

export interface InsertOptions extends CreateOptions {
  /** The audit action: mcp_server.create by default, mcp_server.import for an ingested server. */
  action?: string;
}

/**
 * The one insert of a server, whoever creates it (an admin, an ingestion run, a released item), in
 * the caller's transaction: a new draft whose name and Obot key (sanitized display name) are free
 * and whose owner tenant exists, with its audit event. The caller bumps the catalog revision, once
 * for its transaction.
 */
export async function insertServer(tx: Db, ctx: ChangeContext, name: string, spec: ServerSpec, options: InsertOptions = {}): Promise<McpServer> {
  // One look-up for both keys; the name's clash is reported first.
  const clashes = await tx
    .select({ id: mcpServers.id, name: mcpServers.name, displayName: mcpServers.displayName })
    .from(mcpServers)
    .where(or(eq(mcpServers.name, name), eq(mcpServers.displayNameKey, sanitizeObotName(spec.displayName))))
    .limit(2);
  if (clashes.some((c) => c.name === name)) throw nameTaken(name);
  const [keyHolder] = clashes;
  if (keyHolder) throw displayNameTaken(spec.displayName, keyHolder.displayName, keyHolder.name);
  await assertOwnerExists(tx, spec.ownerTenant);
  const [row] = await tx
    .insert(mcpServers)
    .values({
      ...specColumns(spec),
      name,
      status: "draft",
      createdBy: ctx.actor.id,
      updatedBy: ctx.actor.id,
      provenance: options.provenance ?? null,
      sourceId: options.sourceId ?? null,
    })
    .returning();
  const server = toServer(row!);
  await recordAudit(tx, ctx, { action: options.action ?? "mcp_server.create", entityType: ENTITY, entityId: server.name, after: server });
  return server;
}

export async function createServer(db: Db, ctx: ChangeContext, input: z.output<typeof serverCreateInput>, options: CreateOptions = {}): Promise<McpServer> {
  const spec = toServerSpec(input);
  try {
    return await db.transaction(async (tx) => {
      const server = await insertServer(tx, ctx, input.name, spec, { provenance: options.provenance, sourceId: options.sourceId });
      await bumpCatalogRevision(tx);
      return server;
    });
  } catch (error) {
    mapUniqueViolation(error);
  }
}

type UpdatePatch = ReturnType<typeof serverUpdateInput.parse>;

/** The spec input that results from applying a partial change to a server. */
export function mergeSpec(current: McpServer, patch: UpdatePatch): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...specOf(current) };
  delete merged.endpoint;
  const simple = [
    "displayName",
    "shortDescription",
    "description",
    "package",
    "env",
    "serverUserType",
    "scope",
    "ownerTenant",
    "capabilities",
    "categories",
    "icon",
    "repoUrl",
    "toolPreview",
    "metadata",
  ] as const;
  for (const key of simple) {
    if (patch[key] !== undefined) merged[key] = patch[key];
  }
  if (patch.scope !== undefined && patch.scope !== "personal" && patch.ownerTenant === undefined) merged.ownerTenant = null;
  if (patch.runtime !== undefined) {
    merged.runtime = patch.runtime;
    if (patch.endpoint != null) merged.endpoint = patch.endpoint;
  } else if (patch.endpoint != null) {
    const runtime = current.runtime;
    if (!runtime) merged.runtime = null;
    if (runtime?.type === "remote" && runtime.fixedURL !== undefined) {
      merged.runtime = { ...runtime, fixedURL: patch.endpoint };
    } else {
      merged.endpoint = patch.endpoint;
    }
  }
  const runtimeTypeChanged = ((merged.runtime as { type?: string } | null)?.type ?? (merged.endpoint ? "remote" : null)) !== (current.runtime?.type ?? null);
  if (patch.transport !== undefined) merged.transport = patch.transport;
  else if (runtimeTypeChanged) delete merged.transport;
  return merged;
}

export async function updateServer(db: Db, ctx: ChangeContext, name: string, patch: z.output<typeof serverUpdateInput>): Promise<McpServer> {
  try {
    return await db.transaction(async (tx) => {
      const current = toServer(await lockedRow(tx, name));
      if (patch.name !== undefined && patch.name !== name) {
        throw new DomainError("VALIDATION_FAILED", `name is immutable: create a new server instead of renaming '${name}'`, {
          fieldErrors: { name: ["name cannot be changed"] },
        });
      }
      if (patch.version !== current.version) throw staleVersion(current, patch.version);
      const parsed = serverSpecSchema.safeParse(mergeSpec(current, patch));
      if (!parsed.success) throw validationError(parsed.error, `cannot update server '${name}'`);
      const spec = toServerSpec(parsed.data);
      if (deepEqual(spec, specOf(current))) return current;
      // An admin's edit of what upstream owns is theirs from now on: later syncs leave it alone.
      const overrides = current.sourceId ? [...new Set([...current.overrides, ...overriddenBy(specOf(current), spec)])].sort() : current.overrides;
      return await writeServerChange(tx, ctx, current, { spec, overrides, confirmRename: patch.confirmRename });
    });
  } catch (error) {
    mapUniqueViolation(error);
  }
}

export interface ServerWrite {
  spec: ServerSpec;
  /** Required to change the Obot name (the sanitized display name) of an active server. */
  confirmRename?: boolean | undefined;
  provenance?: Provenance | null;
  overrides?: string[];
  /** The audit action; by default mcp_server.update, or mcp_server.rename for a rename Obot sees. */
  action?: string;
}

export const isPublished = (status: ServerStatus) => PUBLISHED_STATUSES.includes(status);

/**
 * Why a published server cannot take this spec, or null. Every published server has an Obot
 * entry: a change that would leave it without one would drop it from Obot's catalog (which then
 * shuts down what was deployed from it) while contracts and TOOLS.md still list it.
 */
export function unpublishableChange(current: McpServer, spec: ServerSpec): DomainError | null {
  if (!isPublished(current.status)) return null;
  const blocker = publishBlocker({ ...current, ...spec });
  if (!blocker) return null;
  const reason = spec.runtime ? blocker : `it would have no runtime, so Obot could not represent it`;
  const message = `server '${current.name}' is ${current.status} and every ${current.status} server must have an Obot entry, but ${reason}. Disable it first (it then leaves Obot's catalog and every tenant's contract), then make this change`;
  return new DomainError("VALIDATION_FAILED", message, {
    formErrors: [message],
    ...(spec.runtime ? {} : { fieldErrors: { runtime: [`an ${current.status} server needs a runtime: disable it first`] } }),
  });
}

/**
 * The one write path of a server's spec, whoever changes it (an admin's edit, an ingestion run, an
 * approved upstream update): the published-server invariant, the display name's uniqueness, the
 * rename confirmation, the version bump, the audit event and the catalog revision, in the caller's
 * transaction.
 */
export async function writeServerChange(tx: Db, ctx: ChangeContext, current: McpServer, write: ServerWrite): Promise<McpServer> {
  const { spec } = write;
  const refusal = unpublishableChange(current, spec);
  if (refusal) throw refusal;
  const renamed = sanitizeObotName(spec.displayName) !== sanitizeObotName(current.displayName);
  if (spec.displayName !== current.displayName) await assertDisplayNameFree(tx, spec.displayName, current.id);
  if (spec.ownerTenant !== current.ownerTenant) await assertOwnerExists(tx, spec.ownerTenant);
  if (renamed && isPublished(current.status) && !write.confirmRename) {
    throw new DomainError(
      "CONFIRMATION_REQUIRED",
      `renaming ${current.status} server '${current.name}' from '${current.displayName}' to '${spec.displayName}' is a rename for Obot: it deletes the entry '${sanitizeObotName(current.displayName)}' and shuts down servers deployed from it. Send confirmRename: true to proceed.`,
      { fieldErrors: { displayName: [`renaming an ${current.status} server needs confirmation`] }, confirm: "confirmRename" },
    );
  }
  const [row] = await tx
    .update(mcpServers)
    .set({
      ...specColumns(spec),
      ...(write.provenance !== undefined ? { provenance: write.provenance } : {}),
      ...(write.overrides !== undefined ? { overrides: write.overrides } : {}),
      version: current.version + 1,
      updatedAt: new Date(),
      updatedBy: ctx.actor.id,
    })
    // Callers that did not lock the row (an ingestion run) must not overwrite a change made since they read it.
    .where(and(eq(mcpServers.id, current.id), eq(mcpServers.version, current.version)))
    .returning();
  if (!row) {
    throw new DomainError("CONFLICT", `server '${current.name}' was changed while this change was being made; reload it and apply the change again`);
  }
  const updated = toServer(row);
  await recordChange(tx, ctx, {
    action: write.action ?? (renamed && isPublished(current.status) ? "mcp_server.rename" : "mcp_server.update"),
    entityType: ENTITY,
    entityId: current.name,
    before: current,
    after: updated,
  });
  return updated;
}

/** Why a server cannot be published, or null when it can. */
export function publishBlocker(server: McpServer): string | null {
  if (!server.runtime) {
    return `server '${server.name}' has no runtime: set a remote URL, an npx/uvx package or a container image before publishing`;
  }
  const check = serverSpecSchema.safeParse({ ...specOf(server), endpoint: undefined });
  if (!check.success) {
    return `server '${server.name}' is not valid: ${check.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  }
  return null;
}

async function changeStatus(
  db: Db,
  ctx: ChangeContext,
  name: string,
  input: StatusChange,
  target: ServerStatus,
  allowedFrom: readonly ServerStatus[],
  action: string,
  /** Runs in the same transaction after the change (publishing pins the server's tools). */
  alsoInTransaction?: (tx: Db, updated: McpServer) => Promise<unknown>,
): Promise<McpServer> {
  return db.transaction(async (tx) => {
    const current = toServer(await lockedRow(tx, name));
    if (input.version !== undefined && input.version !== current.version) throw staleVersion(current, input.version);
    if (current.status === target) return current;
    if (!allowedFrom.includes(current.status)) {
      throw new DomainError("CONFLICT", `server '${name}' is ${current.status} and cannot become ${target}`);
    }
    if (target === "active") {
      const blocker = publishBlocker(current);
      if (blocker) throw new DomainError("VALIDATION_FAILED", `cannot publish: ${blocker}`, { formErrors: [blocker] });
    }
    const [row] = await tx
      .update(mcpServers)
      .set({
        status: target,
        statusReason: input.reason ?? null,
        version: current.version + 1,
        updatedAt: new Date(),
        updatedBy: ctx.actor.id,
      })
      .where(eq(mcpServers.id, current.id))
      .returning();
    const updated = toServer(row!);
    await recordChange(tx, ctx, { action, entityType: ENTITY, entityId: name, before: current, after: updated });
    await alsoInTransaction?.(tx, updated);
    return updated;
  });
}

type StatusChange = z.output<typeof statusChangeInput>;

export const publishServer = (
  db: Db,
  ctx: ChangeContext,
  name: string,
  input: StatusChange = {},
  alsoInTransaction?: (tx: Db, published: McpServer) => Promise<unknown>,
) => changeStatus(db, ctx, name, input, "active", PUBLISHABLE_FROM, "mcp_server.publish", alsoInTransaction);

export const disableServer = (db: Db, ctx: ChangeContext, name: string, input: StatusChange = {}) =>
  changeStatus(db, ctx, name, input, "disabled", DISABLEABLE_FROM, "mcp_server.disable");

/** Health checks mark an active server degraded; it leaves the feeds until published again. */
export const markServerDegraded = (db: Db, ctx: ChangeContext, name: string, reason: string) =>
  changeStatus(db, ctx, name, { reason }, "degraded", ["active"], "mcp_server.degrade");

export async function deleteServer(db: Db, ctx: ChangeContext, name: string, input: { version?: number } = {}): Promise<McpServer> {
  return db.transaction(async (tx) => {
    const current = toServer(await lockedRow(tx, name));
    if (input.version !== undefined && input.version !== current.version) throw staleVersion(current, input.version);
    if (current.status === "active") {
      throw new DomainError("CONFLICT", `server '${name}' is active: disable it before deleting it (Obot removes it from the catalog on its next sync)`);
    }
    await tx.delete(mcpServers).where(eq(mcpServers.id, current.id));
    await recordChange(tx, ctx, { action: "mcp_server.delete", entityType: ENTITY, entityId: name, before: current });
    return current;
  });
}

/**
 * One action on several servers in one transaction, each through its one-server path (the same
 * checks, audit events and revision bumps): if one server refuses, none changes.
 */
export async function changeServers(
  db: Db,
  ctx: ChangeContext,
  batch: z.output<typeof serverBatchInput>,
  /** What publishing one server also does in the transaction, as alone (pinning its tools). */
  onPublished?: (tx: Db, published: McpServer) => Promise<unknown>,
): Promise<McpServer[]> {
  const change = { reason: batch.reason };
  const apply = {
    publish: (tx: Db, name: string) => publishServer(tx, ctx, name, change, onPublished),
    disable: (tx: Db, name: string) => disableServer(tx, ctx, name, change),
    delete: (tx: Db, name: string) => deleteServer(tx, ctx, name),
  }[batch.action];
  const names = [...batch.names].sort();
  const lockInNameOrder = (tx: Db) =>
    tx.select({ id: mcpServers.id }).from(mcpServers).where(inList(mcpServers.name, names)).orderBy(asc(mcpServers.name)).for("update");
  return allOrNothing(db, batch.names, "names", apply, lockInNameOrder);
}

// ---------------------------------------------------------------------------------------------
// Listing

const SORT_COLUMNS = {
  name: mcpServers.name,
  displayName: mcpServers.displayName,
  updatedAt: mcpServers.updatedAt,
  status: mcpServers.status,
} as const;

interface Cursor {
  sort: SortField;
  order: "asc" | "desc";
  value: string;
  name: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(raw: string, sort: SortField, order: "asc" | "desc"): Cursor {
  const invalid = new DomainError("BAD_REQUEST", "cursor is not valid: start again without a cursor", {
    fieldErrors: { cursor: ["not a cursor returned by this list"] },
  });
  let cursor: Cursor;
  try {
    cursor = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
  } catch {
    throw invalid;
  }
  if (typeof cursor?.value !== "string" || typeof cursor.name !== "string") throw invalid;
  if (cursor.sort !== sort || cursor.order !== order) {
    throw new DomainError("BAD_REQUEST", "cursor belongs to a different sort order: start again without a cursor", {
      fieldErrors: { cursor: ["sort or order changed since this cursor was issued"] },
    });
  }
  return cursor;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filtersOf(query: ReturnType<typeof serverListQuery.parse>): SQL[] {
  const where: SQL[] = [];
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    where.push(or(ilike(mcpServers.name, pattern), ilike(mcpServers.displayName, pattern), ilike(mcpServers.shortDescription, pattern))!);
  }
  const inList = (column: AnyPgColumn, values: readonly string[] | undefined) => {
    if (values && values.length > 0)
      where.push(
        sql`${column} in (${sql.join(
          values.map((v) => sql`${v}`),
          sql`, `,
        )})`,
      );
  };
  inList(mcpServers.status, query.status);
  inList(mcpServers.transport, query.transport);
  inList(mcpServers.scope, query.scope);
  if (query.runtime && query.runtime.length > 0) {
    const types = query.runtime.filter((r): r is (typeof RUNTIME_TYPES)[number] => r !== "none");
    const clauses: SQL[] = [];
    if (types.length > 0)
      clauses.push(
        sql`${mcpServers.runtime}->>'type' in (${sql.join(
          types.map((t) => sql`${t}`),
          sql`, `,
        )})`,
      );
    if (query.runtime.includes("none")) clauses.push(sql`${mcpServers.runtime} is null or ${mcpServers.runtime} = 'null'::jsonb`);
    where.push(or(...clauses)!);
  }
  if (query.source) {
    if (query.source === "manual") where.push(isNull(mcpServers.sourceId));
    else if (isUuid(query.source)) where.push(eq(mcpServers.sourceId, query.source));
    else {
      throw new DomainError("VALIDATION_FAILED", "source must be 'manual' or a source id", {
        fieldErrors: { source: ["must be 'manual' or a source id"] },
      });
    }
  }
  if (query.category) where.push(sql`${mcpServers.categories} @> ${JSON.stringify([query.category])}::jsonb`);
  return where;
}

export interface ServerPage {
  items: McpServer[];
  nextCursor: string | null;
  total: number;
}

/** Every server, by name, a page at a time. */
export const ALL_SERVERS: ServerListFilter = serverListQuery.parse({});

export async function listServers(db: Db, query: ServerListFilter = ALL_SERVERS): Promise<ServerPage> {
  const order = query.order ?? (query.sort === "updatedAt" ? "desc" : "asc");
  const column = SORT_COLUMNS[query.sort];
  const filters = filtersOf(query);
  const page = [...filters];
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor, query.sort, order);
    const value = query.sort === "updatedAt" ? new Date(cursor.value) : cursor.value;
    const after = order === "asc" ? gt : lt;
    page.push(
      query.sort === "name" ? after(mcpServers.name, cursor.name) : or(after(column, value), and(eq(column, value), after(mcpServers.name, cursor.name)))!,
    );
  }
  const direction = order === "asc" ? asc : desc;
  const rows = await db
    .select()
    .from(mcpServers)
    .where(page.length > 0 ? and(...page) : undefined)
    .orderBy(...(query.sort === "name" ? [direction(mcpServers.name)] : [direction(column), direction(mcpServers.name)]))
    .limit(query.limit + 1);
  const [totals] = await db
    .select({ total: count() })
    .from(mcpServers)
    .where(filters.length > 0 ? and(...filters) : undefined);
  const items = rows.slice(0, query.limit).map(toServer);
  const last = items.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeCursor({
          sort: query.sort,
          order,
          name: last.name,
          value: query.sort === "updatedAt" ? last.updatedAt : String(last[query.sort]),
        })
      : null;
  return { items, nextCursor, total: Number(totals?.total ?? 0) };
}

/** The names rules and overrides may target (every server but the disabled ones) with their status, by name: the forms' suggestions. */
export async function listServerTargets(db: Db): Promise<{ name: string; status: "active" | "draft" | "degraded" }[]> {
  const rows = await db
    .select({ name: mcpServers.name, status: mcpServers.status })
    .from(mcpServers)
    .where(inArray(mcpServers.status, ["active", "draft", "degraded"]))
    .orderBy(asc(mcpServers.name));
  return rows as { name: string; status: "active" | "draft" | "degraded" }[];
}

/** Every active server, ordered by name: what the feeds publish. */
export async function listActiveServers(db: Db): Promise<McpServer[]> {
  const rows = await db.select().from(mcpServers).where(eq(mcpServers.status, "active")).orderBy(asc(mcpServers.name));
  return rows.map(toServer);
}

export interface CatalogStats {
  total: number;
  byStatus: Record<ServerStatus, number>;
  byRuntime: Record<string, number>;
  categories: string[];
}

export async function catalogStats(db: Db): Promise<CatalogStats> {
  const rows = await db
    .select({
      status: mcpServers.status,
      runtime: sql<string>`coalesce(${mcpServers.runtime}->>'type', 'none')`,
      n: count(),
    })
    .from(mcpServers)
    .groupBy(mcpServers.status, sql`coalesce(${mcpServers.runtime}->>'type', 'none')`);
  const byStatus: Record<ServerStatus, number> = { draft: 0, active: 0, degraded: 0, disabled: 0 };
  const byRuntime: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    const n = Number(row.n);
    total += n;
    byStatus[row.status as ServerStatus] += n;
    byRuntime[row.runtime] = (byRuntime[row.runtime] ?? 0) + n;
  }
  const categoryRows = await db.execute<{ category: string }>(
    sql`select distinct jsonb_array_elements_text(${mcpServers.categories}) as category from ${mcpServers} order by 1`,
  );
  const categories = rowsOf<{ category: string }>(categoryRows).map((r) => r.category);
  return { total, byStatus, byRuntime, categories };
}
