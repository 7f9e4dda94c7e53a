import { asc, eq, sql } from "drizzle-orm";
import { inList } from "../db/in-list";
import type { McpServer } from "../catalog/model";
import { toServer } from "../catalog/servers";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import { catalogChanges, catalogState, grants, groupMembers, groups, mcpServers, serverTools, tenants } from "../db/schema";
import type { PolicyGroup, PolicyInput, PolicyRule, PolicyServer, PolicyTenant } from "../policy/compile";
import type { ContractTenant } from "../policy/contract";
import { policyServerOf, toTenant } from "../policy/store";
import type { ToolGovernanceState } from "../tools/effective";
import { governedToolsOf, servedServer, type GovernedTools } from "../tools/governed";
import type { OnToolDrift } from "../tools/model";
import type { CatalogState } from "./snapshot";

type ServerRow = typeof mcpServers.$inferSelect;
type TenantRow = typeof tenants.$inferSelect;
type GrantRow = typeof grants.$inferSelect;
type MemberRow = typeof groupMembers.$inferSelect;
type ToolsRow = Pick<typeof serverTools.$inferSelect, "pinned" | "latest" | "onToolDrift">;

export interface CatalogMirrorOptions {
  /** A mirror not refreshed for this long reloads everything: the change log it would need may be pruned. */
  maxDeltaAgeMs?: number;
  /** More changed rows than this, and reloading everything is as cheap. */
  maxDeltaKeys?: number;
  now?: () => number;
}

/** catalog_changes rows are pruned after an hour (pruneCatalogChanges); half of it leaves a margin. */
export const CATALOG_CHANGES_RETENTION_MS = 60 * 60_000;

interface Rows {
  revision: number;
  xmin: number;
  full: boolean;
  servers: Map<string, ServerRow | null>;
  /** Tool governance rows by server name, for the servers in `servers` that have one. */
  tools: Map<string, ToolsRow>;
  tenants: Map<string, TenantRow | null>;
  groups: Map<string, MemberRow[] | null>;
  rules: Map<string, GrantRow | null>;
}

interface RuleEntry {
  rule: PolicyRule;
  createdAt: number;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ruleOrder = (a: RuleEntry, b: RuleEntry) => a.createdAt - b.createdAt || byteOrder(a.rule.id, b.rule.id);

/**
 * The catalog tables the snapshot is built from, kept in memory and refreshed from the rows that
 * changed since the last load (the triggers' catalog_changes), not reloaded whole on every write.
 * Unchanged rows stay the same objects, and unchanged lists the same arrays: the policy compiler
 * and the snapshot tell what changed by identity.
 *
 * The delta rests on transaction ids: a load's repeatable-read snapshot saw every transaction below
 * its xmin, so the next load needs only change rows written by transactions at or above it (some
 * seen already: reloading a row twice is harmless). The revision read in the same snapshot is the
 * one the state is at.
 */
export class CatalogMirror {
  private servers = new Map<string, MirroredServer>();
  private tenants = new Map<string, { policy: PolicyTenant; contract: ContractTenant }>();
  private groups = new Map<string, PolicyGroup>();
  private rules = new Map<string, RuleEntry>();
  private ruleList: RuleEntry[] = [];
  private xmin: number | null = null;
  private loadedAt = 0;
  private lists: Partial<{
    active: McpServer[];
    governed: ReadonlyMap<string, GovernedTools>;
    servers: PolicyServer[];
    tenants: PolicyTenant[];
    contractTenants: ContractTenant[];
    groups: PolicyGroup[];
    rules: PolicyRule[];
  }> = {};
  /** Each tenant's index in lists.tenants and lists.contractTenants, while those are set. */
  private tenantPositions: ReadonlyMap<string, number> | null = null;
  /** Each server's index in lists.servers, and each usable one's in lists.active, while those are set. */
  private serverPositions: { all: ReadonlyMap<string, number>; active: ReadonlyMap<string, number> } | null = null;
  /** Loads so far, whole and from changes: what the tests and metrics look at. */
  readonly loads = { full: 0, delta: 0 };

  constructor(private readonly options: CatalogMirrorOptions = {}) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** Brings the mirror up to the database's current state and answers it. */
  async load(db: Db): Promise<CatalogState> {
    const maxAge = this.options.maxDeltaAgeMs ?? CATALOG_CHANGES_RETENTION_MS / 2;
    const fromChanges = this.xmin !== null && this.now() - this.loadedAt < maxAge;
    const rows = await db.transaction(async (tx) => {
      // SET TRANSACTION goes out before the first read and with it, in one round trip: it is
      // started here (then() starts a query) before readRows issues anything, and the driver sends
      // a transaction's statements in the order they start. (Drizzle's own isolationLevel option
      // waits for the SET's answer first.)
      const isolated = tx.execute(sql`set transaction isolation level repeatable read, read only`).then(() => undefined);
      const [, read] = await Promise.all([isolated, readRows(tx, fromChanges ? this.xmin : null, this.options.maxDeltaKeys ?? 2_000)]);
      return read;
    });
    this.apply(rows);
    return this.state(rows.revision);
  }

  /**
   * A copy that loads on its own: what the mirror holds now, with the same row objects (so a
   * compile from a snapshot's policy stays incremental), and separate maps, so loading into the
   * copy never changes this mirror. Impact previews load a transaction's own changes into one.
   */
  fork(): CatalogMirror {
    const copy = new CatalogMirror(this.options);
    copy.servers = new Map(this.servers);
    copy.tenants = new Map(this.tenants);
    copy.groups = new Map(this.groups);
    copy.rules = new Map(this.rules);
    copy.ruleList = this.ruleList.slice();
    copy.lists = { ...this.lists };
    copy.tenantPositions = this.tenantPositions;
    copy.serverPositions = this.serverPositions;
    copy.xmin = this.xmin;
    copy.loadedAt = this.loadedAt;
    return copy;
  }

  /**
   * Brings the mirror up to what `tx` sees, inside that transaction: its own uncommitted writes
   * included (their change rows carry its transaction id, at or above any xmin loaded before). For
   * a fork in an impact preview; the shared mirror only loads committed states (load()).
   */
  async loadWithin(tx: Db): Promise<CatalogState> {
    const maxAge = this.options.maxDeltaAgeMs ?? CATALOG_CHANGES_RETENTION_MS / 2;
    const fromChanges = this.xmin !== null && this.now() - this.loadedAt < maxAge;
    const rows = await readRows(tx, fromChanges ? this.xmin : null, this.options.maxDeltaKeys ?? 2_000);
    // Later loads of this fork must still see the transaction's own writes: keep the older xmin.
    const xmin = this.xmin;
    this.apply(rows);
    if (xmin !== null && !rows.full) this.xmin = xmin;
    return this.state(rows.revision);
  }

  private apply(rows: Rows) {
    if (rows.full) {
      this.servers.clear();
      this.tenants.clear();
      this.groups.clear();
      this.rules.clear();
      this.ruleList = [];
      this.lists = {};
      this.tenantPositions = null;
      this.serverPositions = null;
    }
    this.loads[rows.full ? "full" : "delta"]++;
    this.xmin = rows.xmin;
    this.loadedAt = this.now();

    if (rows.servers.size > 0) {
      // Servers edited, none created, deleted, published or withdrawn (what most server writes
      // do): each takes its predecessor's place in copies of the sorted lists, as tenants do.
      const { servers: policyList, active: activeList, governed } = this.lists;
      const positions = this.serverPositions;
      let patched =
        positions && policyList && activeList && governed ? { policy: policyList.slice(), active: activeList.slice(), governed: new Map(governed) } : null;
      for (const [name, row] of rows.servers) {
        const before = this.servers.get(name);
        if (!row) {
          this.servers.delete(name);
          patched = null;
          continue;
        }
        const entry = mirroredServer(row, rows.tools.get(name));
        this.servers.set(name, entry);
        const at = positions?.all.get(name);
        const activeAt = positions?.active.get(name);
        if (!patched || !before || at === undefined || usable(before) !== usable(entry)) {
          patched = null;
          continue;
        }
        patched.policy[at] = entry.policy;
        if (activeAt !== undefined) {
          patched.active[activeAt] = entry.served;
          if (entry.governed.tools !== null) patched.governed.set(name, entry.governed);
          else patched.governed.delete(name);
        }
      }
      this.lists.servers = patched?.policy;
      this.lists.active = patched?.active;
      this.lists.governed = patched?.governed;
      if (!patched) this.serverPositions = null;
    }
    if (rows.tenants.size > 0) {
      // Tenants edited, none created or deleted (what most writes do): each takes its
      // predecessor's place in copies of the sorted lists. Sorting and copying 10,000 entries
      // again cost ~2.5 ms on the event loop a build.
      const { tenants: policyList, contractTenants: contractList } = this.lists;
      const positions = this.tenantPositions;
      let patched = positions && policyList && contractList ? { policy: policyList.slice(), contract: contractList.slice() } : null;
      for (const [name, row] of rows.tenants) {
        if (!row) {
          if (this.tenants.delete(name)) patched = null;
          continue;
        }
        const entry = {
          policy: { name: row.name, labels: row.labels, mcpPolicy: toTenant(row).mcpPolicy },
          contract: { name: row.name, displayName: row.displayName, team: row.team },
        };
        this.tenants.set(name, entry);
        const at = positions?.get(name);
        if (patched && at !== undefined) {
          patched.policy[at] = entry.policy;
          patched.contract[at] = entry.contract;
        } else patched = null;
      }
      this.lists.tenants = patched?.policy;
      this.lists.contractTenants = patched?.contract;
      if (!patched) this.tenantPositions = null;
    }
    if (rows.groups.size > 0) {
      for (const [name, members] of rows.groups) {
        if (!members) this.groups.delete(name);
        else this.groups.set(name, { name, members: members.map((m) => m.tenantName) });
      }
      this.lists.groups = undefined;
    }
    if (rows.rules.size > 0) this.applyRules(rows.rules, rows.full);
  }

  private applyRules(changed: Map<string, GrantRow | null>, full: boolean) {
    const added: RuleEntry[] = [];
    const replaced = new Map<string, RuleEntry | null>();
    for (const [id, row] of changed) {
      const entry = row ? { rule: toRule(row), createdAt: row.createdAt.getTime() } : null;
      if (this.rules.has(id)) replaced.set(id, entry);
      else if (entry) added.push(entry);
      if (entry) this.rules.set(id, entry);
      else this.rules.delete(id);
    }
    let list = full ? [] : this.ruleList;
    if (replaced.size > 0) {
      list = list.map((e) => (replaced.has(e.rule.id) ? replaced.get(e.rule.id)! : e)).filter((e): e is RuleEntry => e !== null);
    }
    added.sort(ruleOrder);
    // New rules are usually the newest: appended, no sort needed.
    const last = list[list.length - 1];
    const appendable = added.length > 0 && (!last || ruleOrder(last, added[0]!) < 0);
    list = appendable || list.length === 0 ? [...list, ...added] : [...list, ...added].sort(ruleOrder);
    // An edit that moved a rule's creation time cannot happen through the app, but keep the order honest.
    if (replaced.size > 0 && list.some((e, i) => i > 0 && ruleOrder(list[i - 1]!, e) > 0)) list.sort(ruleOrder);
    this.ruleList = list;
    this.lists.rules = undefined;
  }

  private state(revision: number): CatalogState {
    const l = this.lists;
    if (!l.servers || !l.active || !l.governed || !this.serverPositions) {
      const all = [...this.servers.values()].sort((a, b) => byteOrder(a.policy.name, b.policy.name));
      const active = all.filter(usable);
      l.servers = all.map((s) => s.policy);
      l.active = active.map((s) => s.served);
      l.governed = new Map(active.filter((s) => s.governed.tools !== null).map((s) => [s.served.name, s.governed]));
      this.serverPositions = {
        all: new Map(all.map((s, i) => [s.policy.name, i])),
        active: new Map(active.map((s, i) => [s.served.name, i])),
      };
    }
    if (!l.tenants || !l.contractTenants) {
      const entries = [...this.tenants.values()].sort((a, b) => byteOrder(a.policy.name, b.policy.name));
      l.tenants = entries.map((t) => t.policy);
      l.contractTenants = entries.map((t) => t.contract);
      this.tenantPositions = new Map(entries.map((t, i) => [t.policy.name, i]));
    }
    l.groups ??= [...this.groups.values()].sort((a, b) => byteOrder(a.name, b.name));
    l.rules ??= this.ruleList.map((e) => e.rule);
    const policy: PolicyInput = { servers: l.servers, tenants: l.tenants, groups: l.groups, rules: l.rules };
    return { revision, servers: l.active, tools: l.governed, policy, tenants: l.contractTenants };
  }
}

/** Whether the feeds and contracts describe the server: published, and not suspended by tool drift. */
const usable = (s: MirroredServer) => s.served.status === "active" && !s.governed.suspended;

interface MirroredServer {
  /** The server as the feeds describe it: its tool preview is the governed one (servedServer). */
  served: McpServer;
  policy: PolicyServer;
  governed: GovernedTools;
}

/**
 * A server with its tool governance state (DESIGN §11). A server that tool drift suspends is, for
 * every consumer, not published: the compiler sees it as disabled (tier 1, policyServerOf), and
 * the feeds and contracts leave it out until an admin approves the drift.
 */
function mirroredServer(row: ServerRow, tools: ToolsRow | undefined): MirroredServer {
  const server = toServer(row);
  const state: ToolGovernanceState | undefined = tools && {
    pinned: tools.pinned ?? null,
    latest: tools.latest ?? null,
    onToolDrift: tools.onToolDrift as OnToolDrift,
  };
  const governed = governedToolsOf(state);
  return {
    served: servedServer(server, governed),
    governed,
    policy: policyServerOf(server, governed),
  };
}

function toRule(row: GrantRow): PolicyRule {
  return { id: row.id, name: row.name, subject: row.subject, servers: row.servers, access: row.access as "allow" | "deny", expiresAt: row.expiresAt };
}

/** The rows of these keys (one statement whatever their number: inList), and no statement for none. */
async function forKeys<T>(keys: string[], load: (keys: string[]) => Promise<T[]>): Promise<T[]> {
  return keys.length === 0 ? [] : load(keys);
}

/** The rows changed since `since` (a snapshot xmin), or every row when `since` is null or too much changed. */
async function readRows(tx: Db, since: number | null, maxKeys: number): Promise<Rows> {
  // The revision, this transaction's xmin and what changed since, in one round trip.
  const [head] = rowsOf<{ revision: string | null; xmin: string; changes: { entity: string; key: string }[] | string | null }>(
    await tx.execute(sql`
      select (select revision::text from ${catalogState} limit 1) as revision,
        txid_snapshot_xmin(txid_current_snapshot())::text as xmin,
        ${
          since === null
            ? sql`null`
            : sql`(select coalesce(json_agg(json_build_object('entity', entity, 'key', key)), '[]'::json)
                from (select distinct entity, key from ${catalogChanges} where txid >= ${since}) as changed)`
        } as changes`),
  );
  const rows: Rows = {
    revision: Number(head!.revision ?? 0),
    xmin: Number(head!.xmin),
    full: since === null,
    servers: new Map(),
    tools: new Map(),
    tenants: new Map(),
    groups: new Map(),
    rules: new Map(),
  };

  if (since !== null) {
    // postgres-js parses json; PGlite may hand it over as text.
    const changes: { entity: string; key: string }[] = typeof head!.changes === "string" ? JSON.parse(head!.changes) : (head!.changes ?? []);
    // A truncated table ("all") or too many changes: reloading everything is the way, and as cheap.
    if (changes.length > maxKeys || changes.some((c) => c.entity === "all")) rows.full = true;
    else {
      const keys = (entity: string) => [...new Set(changes.filter((c) => c.entity === entity).map((c) => c.key))];
      const serverKeys = keys("server");
      const tenantKeys = keys("tenant");
      const groupKeys = keys("group");
      // A deleted grant's id is still a uuid; anything else could not be one and is skipped.
      const ruleKeys = keys("rule").filter((id) => /^[0-9a-f-]{36}$/i.test(id));
      for (const key of serverKeys) rows.servers.set(key, null);
      for (const key of tenantKeys) rows.tenants.set(key, null);
      for (const key of ruleKeys) rows.rules.set(key, null);
      // All at once: the driver sends them together and the answers come back in one round trip,
      // not one each (a burst's build reads four or five kinds of row).
      const [serverRows, toolsRows, tenantRows, grantRows, existing, memberRows] = await Promise.all([
        forKeys(serverKeys, (c) => tx.select().from(mcpServers).where(inList(mcpServers.name, c))),
        forKeys(serverKeys, (c) => toolRows(tx).where(inList(mcpServers.name, c))),
        forKeys(tenantKeys, (c) => tx.select().from(tenants).where(inList(tenants.name, c))),
        forKeys(ruleKeys, (c) =>
          tx
            .select()
            .from(grants)
            .where(inList(grants.id, c, "uuid")),
        ),
        forKeys(groupKeys, (c) => tx.select({ name: groups.name }).from(groups).where(inList(groups.name, c))),
        // A group gone has no members left: asking for its members too costs nothing.
        forKeys(groupKeys, (c) => tx.select().from(groupMembers).where(inList(groupMembers.groupName, c))),
      ]);
      for (const row of serverRows) rows.servers.set(row.name, row);
      for (const row of toolsRows) rows.tools.set(row.name, row);
      for (const row of tenantRows) rows.tenants.set(row.name, row);
      for (const row of grantRows) rows.rules.set(row.id, row);
      const present = new Set(existing.map((g) => g.name));
      for (const key of groupKeys) rows.groups.set(key, present.has(key) ? [] : null);
      for (const m of memberRows) rows.groups.get(m.groupName)?.push(m);
      return rows;
    }
  }

  const [serverRows, toolsRows, tenantRows, groupRows, memberRows, grantRows] = await Promise.all([
    tx.select().from(mcpServers),
    toolRows(tx),
    tx.select().from(tenants),
    tx.select({ name: groups.name }).from(groups),
    tx.select().from(groupMembers),
    tx.select().from(grants).orderBy(asc(grants.createdAt), asc(grants.id)),
  ]);
  rows.full = true;
  for (const row of serverRows) rows.servers.set(row.name, row);
  for (const row of toolsRows) rows.tools.set(row.name, row);
  for (const row of tenantRows) rows.tenants.set(row.name, row);
  for (const g of groupRows) rows.groups.set(g.name, []);
  for (const m of memberRows) rows.groups.get(m.groupName)?.push(m);
  for (const row of grantRows) rows.rules.set(row.id, row);
  return rows;
}

/** Tool governance rows with their server's name. */
function toolRows(tx: Db) {
  return tx
    .select({ name: mcpServers.name, pinned: serverTools.pinned, latest: serverTools.latest, onToolDrift: serverTools.onToolDrift })
    .from(serverTools)
    .innerJoin(mcpServers, eq(mcpServers.id, serverTools.serverId))
    .$dynamic();
}

/** Drops change rows older than the retention; a mirror that old reloads everything anyway. */
export async function pruneCatalogChanges(db: Db, retentionMs = CATALOG_CHANGES_RETENTION_MS): Promise<void> {
  await db.delete(catalogChanges).where(sql`${catalogChanges.recordedAt} < now() - ${`${Math.round(retentionMs / 1000)} seconds`}::interval`);
}
