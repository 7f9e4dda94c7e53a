/**
 * The start-up rehearsal of the write path. A process's first writes otherwise pay for everything
 * that has not run in it yet: connections to open, statements the database has not seen from it,
 * input schemas compiled on their first parse, and the code of the write, of the catalog mirror's
 * delta load and of the incremental snapshot build running unoptimised. Measured at production
 * scale (bench:write-phases, eight writers right after start), that put the first round of writes
 * at 130–145 ms against 60 once warm.
 *
 * Before the server reports ready, the rehearsal opens the connection pool and, for each common
 * write (a tenant's labels, a group's members, a server's description, a new rule), runs the real
 * use case (the same schema, code and statements as a REST or console write) in a transaction it
 * always rolls back, reads the catalog as that transaction sees it into a fork of the mirror (as
 * an impact preview does), and builds the snapshot that state would give from the one served. The
 * result is dropped: nothing is committed, announced, audited or published, and the served
 * snapshot, the mirror and the caches are left as they were (the fork and the build never change
 * their base: previews rely on the same). A rehearsal that fails (no such object, a concurrent
 * change) is skipped; readiness never waits on more than `budgetMs`.
 */
import { sql } from "drizzle-orm";
import type { z } from "zod";
import * as catalog from "./application/catalog";
import * as policy from "./application/policy";
import * as tenants from "./application/tenants";
import type { AnyUseCase } from "./application/use-case";
import type { ChangeContext } from "./audit/audit";
import type { Db } from "./db/client";
import { rowsOf } from "./db/rows";
import { parseInput } from "./errors";
import type { Services } from "./services";
import { applyContractRevisions, catalogSnapshotSteps, type CatalogSnapshot, type CatalogState } from "./snapshot/snapshot";
import { runInSlices } from "./util/slices";
import { unknownFields } from "./util/unknown-fields";

/** Rehearsals stop starting once this much time has passed (a slow database must not hold readiness). */
export const REHEARSAL_BUDGET_MS = 5_000;

const REHEARSAL: ChangeContext = { actor: { kind: "system", id: "system" }, requestId: "start-up-rehearsal" };

/** A write to rehearse: its use case, and its arguments for the objects found (null: none to rehearse on). */
interface Rehearsal {
  kind: string;
  useCase: AnyUseCase;
  args: (tx: Db) => Promise<Record<string, unknown> | null>;
}

const firstRow = async <T extends Record<string, unknown>>(tx: Db, query: ReturnType<typeof sql>) => rowsOf<T>(await tx.execute(query))[0] ?? null;

const firstTenant = (tx: Db) => firstRow<{ name: string; labels: Record<string, string> }>(tx, sql`select name, labels from tenants order by name limit 1`);

/** An active server rules may name for any tenant (not personal). */
const firstSharedServer = (tx: Db) =>
  firstRow<{ name: string; version: number; short_description: string }>(
    tx,
    sql`select name, version, short_description from mcp_servers where status = 'active' and scope <> 'personal' order by name limit 1`,
  );

const REHEARSALS: readonly Rehearsal[] = [
  {
    kind: "tenant",
    useCase: tenants.updateTenantUseCase,
    args: async (tx) => {
      const tenant = await firstTenant(tx);
      return tenant && { name: tenant.name, patch: { labels: { ...tenant.labels, "opencrane-rehearsal": "start-up" } } };
    },
  },
  {
    kind: "group",
    useCase: policy.updateGroupUseCase,
    args: async (tx) => {
      const group = await firstRow<{ name: string }>(tx, sql`select name from groups order by name limit 1`);
      const tenant = await firstTenant(tx);
      if (!group || !tenant) return null;
      const members = rowsOf<{ tenant_name: string }>(await tx.execute(sql`select tenant_name from group_members where group_name = ${group.name}`)).map(
        (row) => row.tenant_name,
      );
      // One member more or less: a change that moves contracts, as an admin's would.
      const toggled = members.includes(tenant.name) ? members.filter((name) => name !== tenant.name) : [...members, tenant.name];
      return { name: group.name, patch: { members: toggled } };
    },
  },
  {
    kind: "server",
    useCase: catalog.updateServerUseCase,
    args: async (tx) => {
      const server = await firstSharedServer(tx);
      const shortDescription = server?.short_description === "rehearsal" ? "rehearsal." : "rehearsal";
      return server && { name: server.name, patch: { version: Number(server.version), shortDescription } };
    },
  },
  {
    kind: "rule",
    useCase: policy.createGrantUseCase,
    args: async (tx) => {
      const [tenant, server] = [await firstTenant(tx), await firstSharedServer(tx)];
      return (
        tenant &&
        server && { grant: { subject: { type: "tenant", name: tenant.name }, servers: server.name, access: "allow", note: "start-up rehearsal, rolled back" } }
      );
    },
  },
];

class RolledBack extends Error {}

export interface RehearsalReport {
  /** Connections the pool holds open. */
  connections: number;
  rehearsed: string[];
  /** Kinds not rehearsed, with why (no object to rehearse on, a refusal, the budget). */
  skipped: { kind: string; reason: string }[];
  ms: number;
}

/**
 * Runs the rehearsal (see the file's comment). Without a served snapshot only the pool is opened.
 */
export async function rehearseWrites(services: Services, { budgetMs = REHEARSAL_BUDGET_MS, now = () => new Date() } = {}): Promise<RehearsalReport> {
  const started = performance.now();
  const report: RehearsalReport = { connections: 0, rehearsed: [], skipped: [], ms: 0 };
  report.connections = await services.database.openPool().catch(() => 0);
  for (const rehearsal of REHEARSALS) {
    const served = services.snapshots.current;
    if (!served) {
      report.skipped.push({ kind: rehearsal.kind, reason: "no snapshot served yet" });
      continue;
    }
    if (performance.now() - started > budgetMs) {
      report.skipped.push({ kind: rehearsal.kind, reason: `over the ${budgetMs} ms budget` });
      continue;
    }
    try {
      const state = await rehearse(services, rehearsal, services.catalog.fork());
      if (!state) {
        report.skipped.push({ kind: rehearsal.kind, reason: "nothing to rehearse on" });
        continue;
      }
      await buildDropped(state, served, now());
      report.rehearsed.push(rehearsal.kind);
    } catch (error) {
      report.skipped.push({ kind: rehearsal.kind, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  // A build from the served snapshot carries the index of who may be allowed each server on to
  // the policy it compiles (reach-index.ts): the dropped builds took it, so it is made again now.
  await services.snapshots.warmUp();
  report.ms = performance.now() - started;
  return report;
}

/** The write, in a transaction rolled back once the catalog as it sees it is read: that state, or null without objects. */
async function rehearse(services: Services, rehearsal: Rehearsal, mirror: { loadWithin: (tx: Db) => Promise<CatalogState> }): Promise<CatalogState | null> {
  let state: CatalogState | null = null;
  try {
    await services.db.transaction(async (tx) => {
      const raw = await rehearsal.args(tx);
      if (!raw) throw new RolledBack();
      // The checks a REST or console write runs on its input.
      const args = parseInput(rehearsal.useCase.args as z.ZodObject, raw);
      if (unknownFields(rehearsal.useCase.args, raw).length > 0) throw new Error(`${rehearsal.useCase.name}: the rehearsal's input has fields its schema does not know`);
      await rehearsal.useCase.run({ services: { ...services, db: tx }, change: REHEARSAL, principal: null }, args);
      state = await mirror.loadWithin(tx);
      throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return state;
}

/**
 * What a build from `served` to `state` computes, then dropped: the contracts' revisions as if
 * every moved part were settled at the state's revision (no statement is sent).
 */
async function buildDropped(state: CatalogState, served: CatalogSnapshot, builtAt: Date): Promise<void> {
  const { value: snapshot } = await runInSlices(catalogSnapshotSteps(state, builtAt, 0, served));
  const at = (keys: Iterable<string>) => new Map([...keys].map((key) => [key, snapshot.revision]));
  applyContractRevisions(
    snapshot,
    { tenants: at(snapshot.ownPartsChanged ?? snapshot.contractStates.keys()), servers: at(snapshot.serverPartsChanged ?? snapshot.serverParts.keys()) },
    served,
  );
}
