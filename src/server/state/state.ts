/**
 * Exporting and applying the state document (DESIGN §12). An apply is one transaction that runs
 * the single writers of each table (catalog servers, policy store, sources) with a change context
 * carrying one change-set id: every invariant, validation and audit event is theirs, the catalog
 * revision is bumped once (a transaction bumps once, however many writers it runs).
 */
import { randomUUID } from "node:crypto";
import { asc, eq, gt, sql } from "drizzle-orm";
import { bumpCatalogRevision, currentCatalogRevision, type ChangeContext } from "../audit/audit";
import type { McpServer } from "../catalog/model";
import { createServer, deleteServer, disableServer, publishServer, toServer, updateServer } from "../catalog/servers";
import type { Db } from "../db/client";
import { auditEvents, catalogRevisions, catalogState, mcpServers } from "../db/schema";
import { DomainError, sqlState } from "../errors";
import { createSource, deleteSource, listSources, updateSource } from "../ingest/sources";
import { compilePolicy } from "../policy/compile";
import { pinLatestOnPublish } from "../tools/store";
import { diffPolicies, type ImpactPreview } from "../policy/diff";
import { previewChange } from "../policy/preview";
import {
  createGrant,
  createGroup,
  createTenant,
  deleteGrant,
  deleteGroup,
  deleteTenant,
  listGrants,
  listGroups,
  listTenants,
  loadPolicyInput,
  updateGrant,
  updateGroup,
  updateTenant,
} from "../policy/store";
import {
  canonicalGroup,
  canonicalRule,
  canonicalServer,
  canonicalSource,
  canonicalTenant,
  danglingReferences,
  emptyState,
  invalidState,
  LIST,
  parseState,
  planChanges,
  resultingState,
  stateDocument,
  type CanonicalState,
  type ObjectKind,
  type StateChange,
  type StateDocument,
  type StateObject,
} from "./model";

/** Everything the document holds, as it is now. */
async function loadState(db: Db): Promise<CanonicalState> {
  const [servers, tenants, groups, rules, sources] = await Promise.all([
    db.select().from(mcpServers).orderBy(asc(mcpServers.name)),
    listTenants(db),
    listGroups(db),
    listGrants(db),
    listSources(db),
  ]);
  const state = emptyState();
  for (const row of servers) state.server.set(row.name, canonicalServer(toServer(row)));
  for (const tenant of tenants) state.tenant.set(tenant.name, canonicalTenant(tenant));
  for (const group of groups) state.group.set(group.name, canonicalGroup(group));
  for (const rule of rules) state.rule.set(rule.name, canonicalRule(rule));
  for (const source of sources) state.source.set(source.name, canonicalSource(source));
  return state;
}

export async function exportState(db: Db): Promise<StateDocument> {
  // One snapshot of the database: the revision and the objects belong together.
  return db.transaction(async (tx) => stateDocument(await loadState(tx), await currentCatalogRevision(tx)), { isolationLevel: "repeatable read" });
}

export interface ApplyOptions {
  prune: boolean;
  force: boolean;
}

export interface AppliedState {
  changeSet: string | null;
  revision: number;
  changes: StateChange[];
  /** Who gained and lost which server by this apply. */
  impact: ImpactPreview;
  warnings: string[];
}

export interface PlannedState {
  changes: StateChange[];
  impact: ImpactPreview;
  warnings: string[];
}

const ENTITY_KIND: Record<string, ObjectKind> = { mcp_server: "server", tenant: "tenant", group: "group", grant: "rule", source: "source" };

/** The objects (`kind/name`) changed by a transaction that committed after the given revision. */
async function modifiedSince(tx: Db, revision: number): Promise<Set<string>> {
  const rows = await tx
    .select({
      entityType: auditEvents.entityType,
      name: sql<string>`case when ${auditEvents.entityType} = 'grant' then coalesce(${auditEvents.after}->>'name', ${auditEvents.before}->>'name') else ${auditEvents.entityId} end`,
    })
    .from(auditEvents)
    .innerJoin(catalogRevisions, eq(catalogRevisions.tx, auditEvents.tx))
    .where(gt(catalogRevisions.revision, revision));
  return new Set(rows.filter((r) => ENTITY_KIND[r.entityType]).map((r) => `${ENTITY_KIND[r.entityType]}/${r.name}`));
}

/** Holds the catalog revision until this transaction ends: applies run one at a time, each seeing the last one's result. */
async function lockRevision(tx: Db): Promise<number> {
  await tx.insert(catalogState).values({ id: 1, revision: 0 }).onConflictDoNothing();
  const [row] = await tx.select({ revision: catalogState.revision }).from(catalogState).where(eq(catalogState.id, 1)).for("update");
  return row?.revision ?? 0;
}

const describe = (c: StateChange) => `${c.kind} ${c.name}`;

/** Names the object a writer refused, and its fields from the document's root. */
function aboutObject(kind: ObjectKind, name: string, error: unknown): never {
  if (!(error instanceof DomainError)) throw error;
  const where = `${LIST[kind]}.${name}`;
  const fieldErrors = Object.fromEntries(Object.entries(error.details.fieldErrors ?? {}).map(([path, messages]) => [`${where}.${path}`, messages]));
  const formErrors = error.details.formErrors ?? [];
  if (Object.keys(fieldErrors).length === 0) fieldErrors[where] = formErrors.length > 0 ? formErrors : [error.message];
  throw new DomainError(error.code, `${kind} '${name}': ${error.message}`, { ...error.details, fieldErrors });
}

type Writer = (tx: Db, ctx: ChangeContext, change: StateChange, before: StateObject | undefined, after: StateObject | undefined) => Promise<string[]>;

const serverSpecPatch = (server: StateObject) => {
  const { name: _name, status: _status, ...spec } = server;
  return spec;
};

/** Status moves as the console moves it: publish (pinning the tools, as the console's publish does), disable; draft and degraded are not targets. */
async function moveStatus(tx: Db, ctx: ChangeContext, name: string, from: string, to: string) {
  if (from === to) return;
  if (to === "active") await publishServer(tx, ctx, name, {}, (tx, published) => pinLatestOnPublish(tx, ctx, published));
  else if (to === "disabled") await disableServer(tx, ctx, name);
  else {
    throw new DomainError("VALIDATION_FAILED", `status cannot change from ${from} to ${to}: a server becomes active (publish) or disabled, never ${to} again`, {
      fieldErrors: { status: [`cannot become ${to}`] },
    });
  }
}

const WRITERS: Record<ObjectKind, Writer> = {
  source: async (tx, ctx, change, _before, after) => {
    if (change.action === "create") await createSource(tx, ctx, after as never);
    else if (change.action === "update") {
      if (after!.kind !== _before!.kind) {
        throw new DomainError("VALIDATION_FAILED", "a source's kind cannot change: delete it and create another", { fieldErrors: { kind: ["cannot change"] } });
      }
      const { name: _n, kind: _k, ...settings } = after!;
      await updateSource(tx, ctx, change.name, settings as never);
    } else await deleteSource(tx, ctx, change.name);
    return [];
  },
  tenant: async (tx, ctx, change, _before, after) => {
    if (change.action === "create") await createTenant(tx, ctx, after as never);
    else if (change.action === "update") await updateTenant(tx, ctx, change.name, { ...(after as object), name: undefined } as never);
    else await deleteTenant(tx, ctx, change.name);
    return [];
  },
  group: async (tx, ctx, change, _before, after) => {
    if (change.action === "create") await createGroup(tx, ctx, after as never);
    else if (change.action === "update") await updateGroup(tx, ctx, change.name, { description: after!.description, members: after!.members } as never);
    else await deleteGroup(tx, ctx, change.name);
    return [];
  },
  server: async (tx, ctx, change, before, after) => {
    if (change.action === "create") {
      const created: McpServer = await createServer(tx, ctx, { ...serverSpecPatch(after!), name: change.name } as never);
      await moveStatus(tx, ctx, change.name, created.status, after!.status as string);
      return [];
    }
    if (change.action === "delete") {
      if (before!.status === "active") await disableServer(tx, ctx, change.name);
      await deleteServer(tx, ctx, change.name);
      return [];
    }
    const from = before!.status as string;
    const to = after!.status as string;
    // Off the feeds first when it leaves them; onto them only once its new spec is in place.
    if (from === "active" && to !== "active") await moveStatus(tx, ctx, change.name, from, to);
    if (change.fields!.some((f) => f.path.split(".")[0] !== "status")) {
      const [row] = await tx.select({ version: mcpServers.version }).from(mcpServers).where(eq(mcpServers.name, change.name));
      // The document was reviewed as a whole: a display-name change of an active server is confirmed by applying it.
      await updateServer(tx, ctx, change.name, { ...serverSpecPatch(after!), version: row!.version, confirmRename: true });
    }
    if (!(from === "active" && to !== "active")) await moveStatus(tx, ctx, change.name, from, to);
    return [];
  },
  rule: async (tx, ctx, change, _before, after) => {
    if (change.action === "delete") {
      await deleteGrant(tx, ctx, change.name);
      return [];
    }
    const rule = { ...(after as object), expiresAt: after!.expiresAt ?? null } as never;
    const saved = change.action === "create" ? await createGrant(tx, ctx, rule) : await updateGrant(tx, ctx, change.name, rule);
    return saved.scopeExcluded.map((e) => `rule ${change.name} cannot grant ${e.server} (scope ${e.scope}): ${e.reason}`);
  },
};

/** Creates and updates in dependency order (tenants before groups, servers and rules), then deletes in reverse. */
const WRITE_ORDER: ObjectKind[] = ["source", "tenant", "group", "server", "rule"];
const DELETE_ORDER: ObjectKind[] = ["rule", "group", "server", "tenant", "source"];

function inOrder(changes: StateChange[]): StateChange[] {
  const writes = WRITE_ORDER.flatMap((kind) => changes.filter((c) => c.kind === kind && c.action !== "delete"));
  const deletes = DELETE_ORDER.flatMap((kind) => changes.filter((c) => c.kind === kind && c.action === "delete"));
  return [...writes, ...deletes];
}

interface Outcome {
  changes: StateChange[];
  warnings: string[];
  revision: number;
}

/** The apply itself, in the caller's transaction; `conflicts` decides what a stale document does (refuse, or warn in a dry run). */
async function applyIn(
  tx: Db,
  ctx: ChangeContext,
  parsed: ReturnType<typeof parseState>,
  options: ApplyOptions,
  conflicts: "refuse" | "warn",
): Promise<Outcome> {
  const revisionNow = await lockRevision(tx);
  const current = await loadState(tx);
  const desired = parsed.state;
  const changes = planChanges(current, desired, options.prune);
  const dangling = danglingReferences(resultingState(current, desired, options.prune));
  if (dangling.length > 0) throw invalidState(dangling);
  const warnings: string[] = [];
  if (parsed.revision !== undefined && parsed.revision > revisionNow) {
    throw invalidState([{ field: "revision", message: `revision ${parsed.revision} is newer than the control plane's (${revisionNow}): export again` }]);
  }
  if (parsed.revision !== undefined && parsed.revision < revisionNow && !options.force) {
    const modified = await modifiedSince(tx, parsed.revision);
    const stale = changes.filter((c) => modified.has(`${c.kind}/${c.name}`));
    if (stale.length > 0) {
      const message = `the document was exported at revision ${parsed.revision}; since then ${stale.map(describe).join(", ")} ${stale.length === 1 ? "was" : "were"} changed here: export again and redo the edits, or apply with force`;
      if (conflicts === "refuse") {
        const fieldErrors = Object.fromEntries(stale.map((c) => [`${LIST[c.kind]}.${c.name}`, [`changed after revision ${parsed.revision}`]]));
        throw new DomainError("CONFLICT", message, { fieldErrors, stale: stale.map(({ kind, name }) => ({ kind, name })) });
      }
      warnings.push(message);
    }
  }
  for (const change of inOrder(changes)) {
    try {
      warnings.push(...(await WRITERS[change.kind](tx, ctx, change, current[change.kind].get(change.name), desired[change.kind].get(change.name))));
    } catch (error) {
      aboutObject(change.kind, change.name, error);
    }
  }
  const revision = changes.length > 0 ? await bumpCatalogRevision(tx) : revisionNow;
  return { changes, warnings, revision };
}

/** Applies a state document in one transaction; nothing is written when any object is refused. */
export async function applyState(db: Db, ctx: ChangeContext, documents: readonly unknown[], options: ApplyOptions): Promise<AppliedState> {
  const parsed = parseState(documents);
  const changeSet = randomUUID();
  try {
    const now = new Date();
    const outcome = await db.transaction(async (tx) => {
      await lockRevision(tx);
      const before = compilePolicy(await loadPolicyInput(tx), now);
      const applied = await applyIn(tx, { ...ctx, changeSet }, parsed, options, "refuse");
      const impact = applied.changes.length > 0 ? diffPolicies(before, compilePolicy(await loadPolicyInput(tx), now)) : diffPolicies(before, before);
      return { ...applied, impact };
    });
    return { changeSet: outcome.changes.length > 0 ? changeSet : null, ...outcome };
  } catch (error) {
    // Two applies (or an apply and an edit) that lock the same rows in another order: one is told to try again.
    if (sqlState(error) === "40P01" || sqlState(error) === "40001") {
      throw new DomainError("CONFLICT", "another change was being applied at the same moment: export again, or apply again");
    }
    throw error;
  }
}

/** What applying would change and its impact preview: the real apply, rolled back. */
export async function planState(db: Db, ctx: ChangeContext, documents: readonly unknown[], options: ApplyOptions): Promise<PlannedState> {
  const parsed = parseState(documents);
  const { result, impact } = await previewChange(db, (tx) => applyIn(tx, ctx, parsed, options, "warn"));
  return { changes: result.changes, impact, warnings: result.warnings };
}
