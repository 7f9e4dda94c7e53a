/**
 * Tenants, groups and grant rules in the database. Every write is one transaction with its audit
 * events and a catalog revision bump (contracts are feeds too), like the catalog's.
 */
import type { z } from "zod";
import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { inList } from "../db/in-list";
import { together } from "../db/together";
import { recordAudit, recordChange, type ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { grants, groupMembers, groups, mcpServers, serverTools, tenants } from "../db/schema";
import { DomainError, notFound, sqlState } from "../errors";
import { likeContaining, pageOf, sortedBy, type Page } from "../util/paging";
import { deepEqual } from "../util/stable-json";
import type { Scope, ServerStatus } from "../catalog/model";
import { governedToolsOf, type GovernedTools, type ToolGovernanceState } from "./tool-state";
import { grantRefusal, ownerRefusal, patternMatches, type PolicyInput, type PolicyServer } from "./compile";
import {
  describeSubject,
  generatedRuleName,
  grantCreateInput,
  grantUpdateInput,
  groupCreateInput,
  groupUpdateInput,
  isGlob,
  splitPattern,
  tenantCreateInput,
  tenantUpdateInput,
  type Grant,
  type Group,
  type Subject,
  type Tenant,
  type GrantPageInput,
  type GroupPageInput,
  type TenantPageInput,
} from "./model";
import { isUuid } from "../util/uuid";

type TenantRow = typeof tenants.$inferSelect;
type GroupRow = typeof groups.$inferSelect;
type GrantRow = typeof grants.$inferSelect;

const iso = (d: Date) => d.toISOString();

export function toTenant(row: TenantRow): Tenant {
  return {
    name: row.name,
    displayName: row.displayName,
    team: row.team,
    labels: row.labels,
    mcpPolicy: { allow: row.mcpPolicy.allow ?? [], deny: row.mcpPolicy.deny ?? [] },
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

function toGroup(row: GroupRow, members: string[]): Group {
  return {
    name: row.name,
    description: row.description,
    members,
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

export function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    servers: row.servers,
    access: row.access as Grant["access"],
    note: row.note,
    expiresAt: row.expiresAt ? iso(row.expiresAt) : null,
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

function stale(kind: string, name: string, current: { version: number; updatedBy: string; updatedAt: Date }, sent: number) {
  return new DomainError(
    "CONFLICT",
    `${kind} '${name}' was changed by ${current.updatedBy} at ${iso(current.updatedAt)} (now version ${current.version}, you sent ${sent}); reload it and apply your change again`,
    { currentVersion: current.version, updatedBy: current.updatedBy, updatedAt: iso(current.updatedAt) },
  );
}

const immutableName = (kind: string, name: string) =>
  new DomainError("VALIDATION_FAILED", `the name of ${kind} '${name}' cannot change: create a new one instead`, {
    fieldErrors: { name: ["name cannot be changed"] },
  });

// ---------------------------------------------------------------------------------------------
// Loading the compiler's input

/** Everything the compiler reads, in a stable order (rules by creation). */
/**
 * A server as the compiler sees it, with its governed tools (DESIGN §11): the tools it may expose
 * (null: no manifest known), and a server that tool drift suspends as not published (tier 1), so
 * that no tenant is allowed it until an admin approves the drift.
 */
export function policyServerOf(
  server: { name: string; scope: Scope; status: ServerStatus; ownerTenant: string | null },
  governed: GovernedTools,
): PolicyServer {
  return {
    name: server.name,
    scope: server.scope,
    status: governed.suspended && server.status === "active" ? "disabled" : server.status,
    ownerTenant: server.ownerTenant,
    tools: governed.tools?.map((t) => ({ name: t.name, readOnly: t.readOnly })) ?? null,
  };
}

export async function loadPolicyInput(db: Db): Promise<PolicyInput> {
  const [serverRows, tenantRows, groupRows, memberRows, ruleRows] = await Promise.all([
    db
      .select({
        name: mcpServers.name,
        scope: mcpServers.scope,
        status: mcpServers.status,
        ownerTenant: mcpServers.ownerTenant,
        pinned: serverTools.pinned,
        latest: serverTools.latest,
        onToolDrift: serverTools.onToolDrift,
      })
      .from(mcpServers)
      .leftJoin(serverTools, eq(serverTools.serverId, mcpServers.id)),
    db.select().from(tenants),
    db.select({ name: groups.name }).from(groups),
    db.select().from(groupMembers),
    db.select().from(grants).orderBy(asc(grants.createdAt), asc(grants.id)),
  ]);
  const members = new Map<string, string[]>(groupRows.map((g) => [g.name, []]));
  for (const m of memberRows) members.get(m.groupName)?.push(m.tenantName);
  return {
    servers: serverRows.map((s) =>
      policyServerOf(
        { name: s.name, scope: s.scope as Scope, status: s.status as ServerStatus, ownerTenant: s.ownerTenant },
        governedToolsOf(
          s.onToolDrift === null
            ? undefined
            : { pinned: s.pinned ?? null, latest: s.latest ?? null, onToolDrift: s.onToolDrift as ToolGovernanceState["onToolDrift"] },
        ),
      ),
    ),
    tenants: tenantRows.map((t) => ({ name: t.name, labels: t.labels, mcpPolicy: toTenant(t).mcpPolicy })),
    groups: [...members].map(([name, list]) => ({ name, members: list })),
    rules: ruleRows.map((r) => ({
      id: r.id,
      name: r.name,
      subject: r.subject,
      servers: r.servers,
      access: r.access as "allow" | "deny",
      expiresAt: r.expiresAt,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Tenants

async function tenantRow(db: Db, name: string, lock = false): Promise<TenantRow> {
  const query = db.select().from(tenants).where(eq(tenants.name, name)).limit(1);
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw notFound("tenant", name);
  return row;
}

export async function getTenant(db: Db, name: string): Promise<Tenant & { groups: string[] }> {
  const tenant = toTenant(await tenantRow(db, name));
  const memberOf = await db.select({ group: groupMembers.groupName }).from(groupMembers).where(eq(groupMembers.tenantName, name));
  return { ...tenant, groups: memberOf.map((m) => m.group).sort() };
}

export async function findTenant(db: Db, name: string): Promise<Tenant | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.name, name)).limit(1);
  return row ? toTenant(row) : null;
}

export async function listTenants(db: Db, filter: { q?: string; group?: string; label?: string } = {}): Promise<(Tenant & { groups: string[] })[]> {
  const where: SQL[] = [];
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(tenants.name, pattern), ilike(tenants.displayName, pattern), ilike(tenants.team, pattern))!);
  }
  if (filter.group) {
    where.push(sql`${tenants.name} in (select ${groupMembers.tenantName} from ${groupMembers} where ${groupMembers.groupName} = ${filter.group})`);
  }
  if (filter.label) {
    const [key, ...rest] = filter.label.split("=");
    if (!key || rest.length === 0) {
      throw new DomainError("VALIDATION_FAILED", "label filter must be key=value", { fieldErrors: { label: ["must be key=value"] } });
    }
    where.push(sql`${tenants.labels} @> ${JSON.stringify({ [key]: rest.join("=") })}::jsonb`);
  }
  const rows = await db
    .select()
    .from(tenants)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(asc(tenants.name));
  const memberRows = await db.select().from(groupMembers);
  const byTenant = new Map<string, string[]>();
  for (const m of memberRows) byTenant.set(m.tenantName, [...(byTenant.get(m.tenantName) ?? []), m.groupName]);
  return rows.map((row) => ({ ...toTenant(row), groups: (byTenant.get(row.name) ?? []).sort() }));
}

/** The existence pre-check cannot see a create committing at the same moment; its unique key can. */
function alreadyExistsOnRace(kind: "tenant" | "group" | "rule", name: string) {
  return (error: unknown): never => {
    if (sqlState(error) === "23505") {
      throw new DomainError("CONFLICT", `a ${kind} named '${name}' already exists`, { fieldErrors: { name: ["already exists"] } });
    }
    throw error;
  };
}

/**
 * A tenant's own allow list may not name another tenant's personal server (or one without an
 * owner): refused like a rule naming it. A glob is kept; the compiler never lets it pick up such
 * a server and reports it.
 */
async function checkOverrideAllow(db: Db, tenant: string, allow: readonly string[]) {
  const named = [...new Set(allow.filter((p) => !isGlob(p)).map((p) => splitPattern(p).server))];
  if (named.length === 0) return;
  const rows = await db
    .select({ name: mcpServers.name, ownerTenant: mcpServers.ownerTenant })
    .from(mcpServers)
    .where(and(inList(mcpServers.name, named), eq(mcpServers.scope, "personal")));
  for (const row of rows.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const refusal = ownerRefusal(tenant, row.ownerTenant);
    if (refusal) {
      throw new DomainError("VALIDATION_FAILED", `tenant '${tenant}' cannot allow '${row.name}': ${refusal}`, {
        fieldErrors: { "mcpPolicy.allow": [`'${row.name}' ${refusal.replace(/^it /, "")}`] },
      });
    }
  }
}

export async function createTenant(db: Db, ctx: ChangeContext, input: z.output<typeof tenantCreateInput>): Promise<Tenant> {
  return db
    .transaction(async (tx) => {
      const [existing] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.name, input.name)).limit(1);
      if (existing) {
        throw new DomainError("CONFLICT", `a tenant named '${input.name}' already exists`, { fieldErrors: { name: ["already exists"] } });
      }
      await checkOverrideAllow(tx, input.name, input.mcpPolicy.allow);
      const [row] = await tx
        .insert(tenants)
        .values({ ...input, createdBy: ctx.actor.id, updatedBy: ctx.actor.id })
        .returning();
      const tenant = toTenant(row!);
      await recordChange(tx, ctx, { action: "tenant.create", entityType: "tenant", entityId: tenant.name, after: tenant });
      return tenant;
    })
    .catch(alreadyExistsOnRace("tenant", input.name));
}

export async function updateTenant(db: Db, ctx: ChangeContext, name: string, input: z.output<typeof tenantUpdateInput>): Promise<Tenant> {
  return db.transaction(async (tx) => {
    const row = await tenantRow(tx, name, true);
    if (input.name !== undefined && input.name !== name) throw immutableName("tenant", name);
    if (input.version !== undefined && input.version !== row.version) throw stale("tenant", name, row, input.version);
    const before = toTenant(row);
    const next = {
      displayName: input.displayName ?? before.displayName,
      team: input.team ?? before.team,
      labels: input.labels ?? before.labels,
      mcpPolicy: input.mcpPolicy ?? before.mcpPolicy,
    };
    if (deepEqual(next, { displayName: before.displayName, team: before.team, labels: before.labels, mcpPolicy: before.mcpPolicy })) {
      return before;
    }
    if (input.mcpPolicy) await checkOverrideAllow(tx, name, next.mcpPolicy.allow);
    const [updated] = await tx
      .update(tenants)
      .set({ ...next, version: row.version + 1, updatedAt: new Date(), updatedBy: ctx.actor.id })
      .where(eq(tenants.name, name))
      .returning();
    const after = toTenant(updated!);
    await recordChange(tx, ctx, { action: "tenant.update", entityType: "tenant", entityId: name, before, after });
    return after;
  });
}

/**
 * Deletes a tenant with its memberships and the rules that name it (each audited). A tenant that
 * owns personal servers is not deleted: those servers would be left for nobody (or, worse, for a
 * later tenant of the same name), so the admin gives them another owner or deletes them first.
 */
export async function deleteTenant(db: Db, ctx: ChangeContext, name: string): Promise<Tenant> {
  return db
    .transaction(async (tx) => {
      const before = toTenant(await tenantRow(tx, name, true));
      const owned = await tx.select({ name: mcpServers.name }).from(mcpServers).where(eq(mcpServers.ownerTenant, name)).orderBy(asc(mcpServers.name));
      if (owned.length > 0) {
        const list = owned.map((s) => s.name).join(", ");
        throw new DomainError(
          "CONFLICT",
          `tenant '${name}' owns the personal server${owned.length === 1 ? "" : "s"} ${list}: give ${owned.length === 1 ? "it" : "them"} another owner tenant or delete ${owned.length === 1 ? "it" : "them"} before deleting the tenant`,
          { ownedServers: owned.map((s) => s.name) },
        );
      }
      const rules = await tx
        .delete(grants)
        .where(and(eq(grants.subjectType, "tenant"), eq(grants.subjectName, name)))
        .returning();
      for (const rule of rules) {
        await recordAudit(tx, ctx, { action: "grant.delete", entityType: "grant", entityId: rule.id, before: toGrant(rule) });
      }
      const leftGroups = await leaveGroups(tx, ctx, name);
      await tx.delete(tenants).where(eq(tenants.name, name));
      await recordChange(tx, ctx, {
        action: "tenant.delete",
        entityType: "tenant",
        entityId: name,
        before,
        after: { deletedRules: rules.map((r) => r.id), leftGroups },
      });
      return before;
    })
    .catch((error: unknown) => {
      // A server was given this tenant as its owner while it was being deleted.
      if (sqlState(error) === "23503") {
        throw new DomainError(
          "CONFLICT",
          `tenant '${name}' became the owner of a personal server while it was being deleted: look at its servers and try again`,
        );
      }
      throw error;
    });
}

// ---------------------------------------------------------------------------------------------
// Groups

/**
 * Takes a tenant out of every group it is in, as a change of each group (new version, audited),
 * so an editor holding an older copy of a group gets a conflict, and each group's history shows it.
 */
async function leaveGroups(tx: Db, ctx: ChangeContext, tenant: string): Promise<string[]> {
  const memberships = await tx.select({ group: groupMembers.groupName }).from(groupMembers).where(eq(groupMembers.tenantName, tenant));
  const names = memberships.map((m) => m.group).sort();
  for (const name of names) {
    const row = await groupRow(tx, name, true);
    const before = toGroup(row, await membersOf(tx, name));
    await tx.delete(groupMembers).where(and(eq(groupMembers.groupName, name), eq(groupMembers.tenantName, tenant)));
    const [updated] = await tx
      .update(groups)
      .set({ version: row.version + 1, updatedAt: new Date(), updatedBy: ctx.actor.id })
      .where(eq(groups.name, name))
      .returning();
    const after = toGroup(
      updated!,
      before.members.filter((member) => member !== tenant),
    );
    await recordAudit(tx, ctx, { action: "group.update", entityType: "group", entityId: name, before, after });
  }
  return names;
}

async function groupRow(db: Db, name: string, lock = false): Promise<GroupRow> {
  const query = db.select().from(groups).where(eq(groups.name, name)).limit(1);
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw notFound("group", name);
  return row;
}

async function membersOf(db: Db, name: string): Promise<string[]> {
  const rows = await db.select({ tenant: groupMembers.tenantName }).from(groupMembers).where(eq(groupMembers.groupName, name));
  return rows.map((r) => r.tenant).sort();
}

async function assertTenantsExist(db: Db, names: readonly string[]) {
  const unique = [...new Set(names)];
  if (unique.length === 0) return;
  // Key-share locks keep the tenants until this change commits: a delete waits, or went first and they are missing.
  const found = new Set((await db.select({ name: tenants.name }).from(tenants).where(inList(tenants.name, unique)).for("key share")).map((r) => r.name));
  const missing = unique.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new DomainError("VALIDATION_FAILED", `members must be existing tenants: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist`, {
      fieldErrors: { members: [`unknown tenant${missing.length === 1 ? "" : "s"}: ${missing.join(", ")}`] },
    });
  }
}

/**
 * Moves the group's members from `before` to `after` by deleting the removed and inserting the
 * added: every member row written is a foreign-key check and a recorded catalog change, so an edit
 * of one member in a group of hundreds writes one row, not all of them twice.
 */
async function changeMembers(tx: Db, group: string, before: readonly string[], after: readonly string[]) {
  const previous = new Set(before);
  const next = new Set(after);
  const removed = [...previous].filter((tenant) => !next.has(tenant));
  const added = [...next].filter((tenant) => !previous.has(tenant));
  if (removed.length > 0) await tx.delete(groupMembers).where(and(eq(groupMembers.groupName, group), inList(groupMembers.tenantName, removed)));
  for (let i = 0; i < added.length; i += 1000) {
    await tx.insert(groupMembers).values(added.slice(i, i + 1000).map((tenantName) => ({ groupName: group, tenantName })));
  }
}

export async function getGroup(db: Db, name: string): Promise<Group> {
  return toGroup(await groupRow(db, name), await membersOf(db, name));
}

export async function listGroups(db: Db): Promise<Group[]> {
  const rows = await db.select().from(groups).orderBy(asc(groups.name));
  const memberRows = await db.select().from(groupMembers);
  const byGroup = new Map<string, string[]>();
  for (const m of memberRows) byGroup.set(m.groupName, [...(byGroup.get(m.groupName) ?? []), m.tenantName]);
  return rows.map((row) => toGroup(row, (byGroup.get(row.name) ?? []).sort()));
}

export async function createGroup(db: Db, ctx: ChangeContext, input: z.output<typeof groupCreateInput>): Promise<Group> {
  return db
    .transaction(async (tx) => {
      const [existing] = await tx.select({ name: groups.name }).from(groups).where(eq(groups.name, input.name)).limit(1);
      if (existing) throw new DomainError("CONFLICT", `a group named '${input.name}' already exists`, { fieldErrors: { name: ["already exists"] } });
      await assertTenantsExist(tx, input.members);
      const [row] = await tx
        .insert(groups)
        .values({ name: input.name, description: input.description, createdBy: ctx.actor.id, updatedBy: ctx.actor.id })
        .returning();
      await changeMembers(tx, input.name, [], input.members);
      const group = toGroup(row!, [...new Set(input.members)].sort());
      await recordChange(tx, ctx, { action: "group.create", entityType: "group", entityId: group.name, after: group });
      return group;
    })
    .catch(alreadyExistsOnRace("group", input.name));
}

export async function updateGroup(db: Db, ctx: ChangeContext, name: string, input: z.output<typeof groupUpdateInput>): Promise<Group> {
  return db.transaction(async (tx) => {
    // The members are read after the row's lock is taken: the database runs the two in the order sent.
    const [row, currentMembers] = await together([groupRow(tx, name, true), membersOf(tx, name)]);
    if (input.name !== undefined && input.name !== name) throw immutableName("group", name);
    if (input.version !== undefined && input.version !== row.version) throw stale("group", name, row, input.version);
    const before = toGroup(row, currentMembers);
    const members = input.members ? [...new Set(input.members)].sort() : before.members;
    const description = input.description ?? before.description;
    if (description === before.description && deepEqual(members, before.members)) return before;
    if (input.members) {
      // Every member, kept ones too: the key-share locks keep a concurrent delete from leaving
      // this group's answer naming a tenant that is gone.
      await assertTenantsExist(tx, members);
    }
    const [, [updated]] = await together([
      input.members ? changeMembers(tx, name, before.members, members) : Promise.resolve(),
      tx
        .update(groups)
        .set({ description, version: row.version + 1, updatedAt: new Date(), updatedBy: ctx.actor.id })
        .where(eq(groups.name, name))
        .returning(),
    ]);
    const after = toGroup(updated!, members);
    await recordChange(tx, ctx, { action: "group.update", entityType: "group", entityId: name, before, after });
    return after;
  });
}

/** Deletes a group with the rules that name it (each audited). */
export async function deleteGroup(db: Db, ctx: ChangeContext, name: string): Promise<Group> {
  return db.transaction(async (tx) => {
    const before = toGroup(await groupRow(tx, name, true), await membersOf(tx, name));
    const rules = await tx
      .delete(grants)
      .where(and(eq(grants.subjectType, "group"), eq(grants.subjectName, name)))
      .returning();
    for (const rule of rules) {
      await recordAudit(tx, ctx, { action: "grant.delete", entityType: "grant", entityId: rule.id, before: toGrant(rule) });
    }
    await tx.delete(groups).where(eq(groups.name, name));
    await recordChange(tx, ctx, { action: "group.delete", entityType: "group", entityId: name, before, after: { deletedRules: rules.map((r) => r.id) } });
    return before;
  });
}

// ---------------------------------------------------------------------------------------------
// Grant rules

export interface SavedGrant extends Grant {
  /** Servers the pattern matches that this subject may not be granted (scope), and why. */
  scopeExcluded: { server: string; scope: string; reason: string }[];
}

async function assertSubjectExists(db: Db, subject: Subject) {
  if (subject.type === "group") {
    const [row] = await db.select({ name: groups.name }).from(groups).where(eq(groups.name, subject.name)).limit(1).for("key share");
    if (!row) throw new DomainError("VALIDATION_FAILED", `group '${subject.name}' does not exist`, { fieldErrors: { "subject.name": ["no such group"] } });
  }
  if (subject.type === "tenant") {
    const [row] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.name, subject.name)).limit(1).for("key share");
    if (!row) throw new DomainError("VALIDATION_FAILED", `tenant '${subject.name}' does not exist`, { fieldErrors: { "subject.name": ["no such tenant"] } });
  }
}

/**
 * DESIGN §4 scope constraints, checked when a rule is saved: an allow rule naming one server its
 * subject may not be granted is refused with the constraint; a glob is saved, and the servers it
 * cannot grant are returned (the compiler never grants them either).
 */
async function checkScope(db: Db, subject: Subject, pattern: string, access: "allow" | "deny") {
  if (access === "deny") return [];
  const servers = db.select({ name: mcpServers.name, scope: mcpServers.scope, ownerTenant: mcpServers.ownerTenant }).from(mcpServers);
  // A rule naming one server needs only that one (ingestion saves a rule per new server).
  const matched = (await (isGlob(pattern) ? servers : servers.where(eq(mcpServers.name, splitPattern(pattern).server)))).filter((s) =>
    patternMatches(pattern, s.name),
  );
  const excluded = matched
    .map((s) => ({ server: s.name, scope: s.scope, reason: grantRefusal(subject, { scope: s.scope as never, ownerTenant: s.ownerTenant }) }))
    .filter((s): s is { server: string; scope: string; reason: string } => s.reason !== null)
    .sort((a, b) => (a.server < b.server ? -1 : 1));
  if (!isGlob(pattern) && excluded.length > 0) {
    const { server, scope, reason } = excluded[0]!;
    const why = reason.startsWith("it ") ? reason : `it has scope ${scope}, and ${reason}`;
    throw new DomainError("VALIDATION_FAILED", `cannot grant '${server}' to ${describeSubject(subject)}: ${why}`, {
      fieldErrors: { subject: [reason], servers: [`'${server}' has scope ${scope}`] },
    });
  }
  return excluded;
}

function futureOrNull(expiresAt: string | null | undefined, now: Date): Date | null {
  if (!expiresAt) return null;
  const date = new Date(expiresAt);
  if (date <= now) {
    throw new DomainError("VALIDATION_FAILED", "expiresAt is in the past: a rule that has already expired would never apply", {
      fieldErrors: { expiresAt: ["must be in the future"] },
    });
  }
  return date;
}

const subjectColumns = (subject: Subject) => ({
  subject,
  subjectType: subject.type,
  subjectName: subject.type === "group" || subject.type === "tenant" ? subject.name : null,
});

/** A rule by its id or its name: URLs take either (a name is never shaped like an id). */
async function grantRow(db: Db, idOrName: string, lock = false): Promise<GrantRow> {
  const query = db
    .select()
    .from(grants)
    .where(isUuid(idOrName) ? eq(grants.id, idOrName.toLowerCase()) : eq(grants.name, idOrName))
    .limit(1);
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw notFound("grant", idOrName);
  return row;
}

export async function getGrant(db: Db, idOrName: string): Promise<Grant> {
  return toGrant(await grantRow(db, idOrName));
}

const ruleNameTaken = (name: string) =>
  new DomainError("CONFLICT", `a rule named '${name}' already exists: choose another name`, { fieldErrors: { name: ["already exists"] } });

/** The given name, refused when another rule has it; or one generated from subject and servers, with a suffix when taken. */
async function freeRuleName(tx: Db, rule: { name?: string; subject: Subject; servers: string }, except?: string): Promise<string> {
  if (rule.name !== undefined) {
    const [holder] = await tx.select({ id: grants.id }).from(grants).where(eq(grants.name, rule.name)).limit(1);
    if (holder && holder.id !== except) throw ruleNameTaken(rule.name);
    return rule.name;
  }
  const base = generatedRuleName(rule.subject, rule.servers);
  const taken = new Set(
    (
      await tx
        .select({ name: grants.name })
        .from(grants)
        // `<base>-…` in byte order is the range [`<base>-`, `<base>.`): an index range
        // (grants_name_bytes_idx), where LIKE under the database's collation reads every rule.
        .where(or(eq(grants.name, base), and(sql`${grants.name} collate "C" >= ${`${base}-`}`, sql`${grants.name} collate "C" < ${`${base}.`}`)))
    ).map((r) => r.name),
  );
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

export async function listGrants(db: Db, filter: { subjectType?: string; subjectName?: string; access?: string; server?: string } = {}): Promise<Grant[]> {
  const where: SQL[] = [];
  if (filter.subjectType) where.push(eq(grants.subjectType, filter.subjectType));
  if (filter.subjectName) where.push(eq(grants.subjectName, filter.subjectName));
  if (filter.access) where.push(eq(grants.access, filter.access));
  const rows = await db
    .select()
    .from(grants)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(asc(grants.createdAt), asc(grants.id));
  const list = rows.map(toGrant);
  return filter.server ? list.filter((g) => patternMatches(g.servers, filter.server!)) : list;
}

/** A rule as it is saved: parsed, its expiry already checked to be in the future. */
export interface GrantRule {
  /** Generated from subject and servers when absent. */
  name?: string;
  subject: Subject;
  servers: string;
  access: "allow" | "deny";
  note: string;
  expiresAt: Date | null;
}

/**
 * The one insert of a rule, whoever saves it (an admin, a source's default entitlements), in the
 * caller's transaction: its subject exists, the scope constraints hold, the audit event. The
 * caller bumps the catalog revision, once for its transaction (`bump`: with the audit event, in
 * its round trip, for a transaction that saves this one rule).
 */
export async function insertGrant(tx: Db, ctx: ChangeContext, rule: GrantRule, { bump = false } = {}): Promise<SavedGrant> {
  const [, scopeExcluded, name] = await together([
    assertSubjectExists(tx, rule.subject),
    checkScope(tx, rule.subject, rule.servers, rule.access),
    freeRuleName(tx, rule),
  ]);
  const [row] = await tx
    .insert(grants)
    .values({
      name,
      ...subjectColumns(rule.subject),
      servers: rule.servers,
      access: rule.access,
      note: rule.note,
      expiresAt: rule.expiresAt,
      createdBy: ctx.actor.id,
      updatedBy: ctx.actor.id,
    })
    .returning();
  const grant = toGrant(row!);
  const entry = { action: "grant.create", entityType: "grant", entityId: grant.id, after: grant };
  await (bump ? recordChange(tx, ctx, entry) : recordAudit(tx, ctx, entry));
  return { ...grant, scopeExcluded };
}

export async function createGrant(db: Db, ctx: ChangeContext, input: z.output<typeof grantCreateInput>, now = new Date()): Promise<SavedGrant> {
  const expiresAt = futureOrNull(input.expiresAt, now);
  return db
    .transaction(async (tx) => {
      const saved = await insertGrant(
        tx,
        ctx,
        {
          name: input.name,
          subject: input.subject,
          servers: input.servers,
          access: input.access,
          note: input.note,
          expiresAt,
        },
        { bump: true },
      );
      return saved;
    })
    .catch(alreadyExistsOnRace("rule", input.name ?? generatedRuleName(input.subject, input.servers)));
}

export async function updateGrant(
  db: Db,
  ctx: ChangeContext,
  idOrName: string,
  input: z.output<typeof grantUpdateInput>,
  now = new Date(),
): Promise<SavedGrant> {
  return db
    .transaction(async (tx) => {
      const row = await grantRow(tx, idOrName, true);
      const id = row.id;
      if (input.version !== undefined && input.version !== row.version) throw stale("rule", row.name, row, input.version);
      const before = toGrant(row);
      const subject = input.subject ?? before.subject;
      const servers = input.servers ?? before.servers;
      const access = input.access ?? before.access;
      const expiresAt = input.expiresAt === undefined ? row.expiresAt : futureOrNull(input.expiresAt, now);
      await assertSubjectExists(tx, subject);
      const scopeExcluded = await checkScope(tx, subject, servers, access);
      const name = input.name === undefined || input.name === row.name ? row.name : await freeRuleName(tx, { name: input.name, subject, servers }, id);
      const [updated] = await tx
        .update(grants)
        .set({
          name,
          ...subjectColumns(subject),
          servers,
          access,
          note: input.note ?? before.note,
          expiresAt,
          version: row.version + 1,
          updatedAt: new Date(),
          updatedBy: ctx.actor.id,
        })
        .where(eq(grants.id, id))
        .returning();
      const after = toGrant(updated!);
      await recordChange(tx, ctx, { action: "grant.update", entityType: "grant", entityId: id, before, after });
      return { ...after, scopeExcluded };
    })
    .catch(alreadyExistsOnRace("rule", input.name ?? idOrName));
}

export async function deleteGrant(db: Db, ctx: ChangeContext, idOrName: string): Promise<Grant> {
  return db.transaction(async (tx) => {
    const before = toGrant(await grantRow(tx, idOrName, true));
    await tx.delete(grants).where(eq(grants.id, before.id));
    await recordChange(tx, ctx, { action: "grant.delete", entityType: "grant", entityId: before.id, before });
    return before;
  });
}

export async function policyCounts(db: Db) {
  const [[t], [g], [r]] = await Promise.all([
    db.select({ n: count() }).from(tenants),
    db.select({ n: count() }).from(groups),
    db.select({ n: count() }).from(grants),
  ]);
  return { tenants: Number(t?.n ?? 0), groups: Number(g?.n ?? 0), rules: Number(r?.n ?? 0) };
}

// ---------------------------------------------------------------------------------------------
// The console's paged lists: filtered, sorted and cut into pages here, so a browser never holds them whole

const orderBy = (order: "asc" | "desc") => (order === "desc" ? desc : asc);

/** Tenants a page at a time; `q` matches the name, display name, team, a label as key=value or a group's name. */
export async function pageTenants(db: Db, query: TenantPageInput): Promise<Page<Tenant & { groups: string[] }>> {
  const where: SQL[] = [];
  if (query.q) {
    const pattern = likeContaining(query.q);
    where.push(
      or(
        ilike(tenants.name, pattern),
        ilike(tenants.displayName, pattern),
        ilike(tenants.team, pattern),
        sql`exists (select 1 from jsonb_each_text(${tenants.labels}) as label where (label.key || '=' || label.value) ilike ${pattern})`,
        sql`exists (select 1 from ${groupMembers} where ${groupMembers.tenantName} = ${tenants.name} and ${groupMembers.groupName} ilike ${pattern})`,
      )!,
    );
  }
  if (query.group) {
    where.push(sql`${tenants.name} in (select ${groupMembers.tenantName} from ${groupMembers} where ${groupMembers.groupName} = ${query.group})`);
  }
  if (query.label) {
    const [key, ...rest] = query.label.split("=");
    where.push(sql`${tenants.labels} @> ${JSON.stringify({ [key!]: rest.join("=") })}::jsonb`);
  }
  const filter = where.length > 0 ? and(...where) : undefined;
  const direction = orderBy(query.order);
  const sortColumns = { name: [], team: [direction(tenants.team)], updated: [direction(tenants.updatedAt)] }[query.sort];
  const rows = await db
    .select()
    .from(tenants)
    .where(filter)
    .orderBy(...sortColumns, query.sort === "name" ? direction(tenants.name) : asc(tenants.name))
    .limit(query.limit)
    .offset(query.offset);
  const [total] = await db.select({ n: count() }).from(tenants).where(filter);
  const names = rows.map((row) => row.name);
  const memberRows = names.length > 0 ? await db.select().from(groupMembers).where(inList(groupMembers.tenantName, names)) : [];
  const byTenant = new Map<string, string[]>();
  for (const m of memberRows) byTenant.set(m.tenantName, [...(byTenant.get(m.tenantName) ?? []), m.groupName]);
  return {
    items: rows.map((row) => ({ ...toTenant(row), groups: (byTenant.get(row.name) ?? []).sort() })),
    total: Number(total?.n ?? 0),
    offset: query.offset,
    limit: query.limit,
  };
}

/** Groups a page at a time, each with all its members and their count; `q` matches the name or description. */
export async function pageGroups(db: Db, query: GroupPageInput): Promise<Page<Group>> {
  const filter = query.q ? or(ilike(groups.name, likeContaining(query.q)), ilike(groups.description, likeContaining(query.q))) : undefined;
  const memberCount = sql<number>`(select count(*) from ${groupMembers} where ${groupMembers.groupName} = ${groups.name})`;
  const direction = orderBy(query.order);
  const sortColumns = { name: [], members: [direction(memberCount)], updated: [direction(groups.updatedAt)] }[query.sort];
  const rows = await db
    .select()
    .from(groups)
    .where(filter)
    .orderBy(...sortColumns, query.sort === "name" ? direction(groups.name) : asc(groups.name))
    .limit(query.limit)
    .offset(query.offset);
  const [total] = await db.select({ n: count() }).from(groups).where(filter);
  const names = rows.map((row) => row.name);
  const memberRows = names.length > 0 ? await db.select().from(groupMembers).where(inList(groupMembers.groupName, names)) : [];
  const byGroup = new Map<string, string[]>();
  for (const m of memberRows) byGroup.set(m.groupName, [...(byGroup.get(m.groupName) ?? []), m.tenantName]);
  return {
    items: rows.map((row) => toGroup(row, (byGroup.get(row.name) ?? []).sort())),
    total: Number(total?.n ?? 0),
    offset: query.offset,
    limit: query.limit,
  };
}

const GRANT_SORT_KEYS: Record<GrantPageInput["sort"], (grant: Grant) => string> = {
  created: (grant) => grant.createdAt,
  access: (grant) => grant.access,
  subject: (grant) => describeSubject(grant.subject),
  servers: (grant) => grant.servers,
  // Rules that never expire sort after every date.
  expires: (grant) => grant.expiresAt ?? "~",
};

/**
 * Rules a page at a time: the list filters (a server name is matched against each rule's
 * pattern, which SQL cannot do, or found in it), whether they have expired at `now`, then sorted and cut.
 */
export async function pageGrants(db: Db, query: GrantPageInput, now = Date.now()): Promise<Page<Grant>> {
  const expired = (grant: Grant) => grant.expiresAt !== null && Date.parse(grant.expiresAt) <= now;
  const server = query.server?.toLowerCase();
  const matching = (await listGrants(db, { ...query, server: undefined })).filter(
    (grant) =>
      (!query.id || grant.id === query.id || grant.name === query.id) &&
      // A server name the pattern matches, or part of the pattern as written.
      (!server || patternMatches(grant.servers, server) || grant.servers.includes(server)) &&
      (query.expiry === "expired" ? expired(grant) : query.expiry === "active" ? !expired(grant) : true),
  );
  const sorted = sortedBy(matching, GRANT_SORT_KEYS[query.sort], query.order, (grant) => `${grant.createdAt}:${grant.id}`);
  return pageOf(sorted, query.offset, query.limit);
}

const containing = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Tenants, groups and rules whose names (a rule's subject, server pattern or note) contain the text: the command palette's policy half. */
export async function findPolicyObjects(
  db: Db,
  q: string,
  limit: number,
): Promise<{ tenants: Tenant[]; groups: Pick<Group, "name" | "description">[]; grants: Grant[] }> {
  const pattern = containing(q);
  const [tenantRows, groupRows, grantRows] = await Promise.all([
    db
      .select()
      .from(tenants)
      .where(or(ilike(tenants.name, pattern), ilike(tenants.displayName, pattern), ilike(tenants.team, pattern)))
      .orderBy(asc(tenants.name))
      .limit(limit),
    db
      .select()
      .from(groups)
      .where(or(ilike(groups.name, pattern), ilike(groups.description, pattern)))
      .orderBy(asc(groups.name))
      .limit(limit),
    db
      .select()
      .from(grants)
      .where(or(ilike(grants.name, pattern), ilike(grants.subjectName, pattern), ilike(grants.servers, pattern), ilike(grants.note, pattern)))
      .orderBy(asc(grants.createdAt), asc(grants.id))
      .limit(limit),
  ]);
  return { tenants: tenantRows.map(toTenant), groups: groupRows.map(({ name, description }) => ({ name, description })), grants: grantRows.map(toGrant) };
}
