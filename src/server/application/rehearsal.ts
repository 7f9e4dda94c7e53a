/**
 * The start-up rehearsal of the write path. A process's first writes otherwise pay for everything
 * that has not run in it yet: connections to open, database sessions that have not planned the
 * write's statements nor loaded its tables' catalog entries, input schemas compiled on their
 * first parse, and the code of the write, of the catalog mirror's delta load and of the
 * incremental snapshot build running unoptimised. Measured at production scale
 * (bench:write-phases, eight writers right after start), that put the first round of writes at
 * 96–190 ms against 55–65 once warm; after the rehearsal it took 85–100.
 *
 * Before the server reports ready, the rehearsal opens the connection pool, then:
 * 1. for each common write (a tenant's labels, a group's members, a server's description, a new
 *    rule) runs the real use case (the same schema, code and statements as a REST or console
 *    write) in a transaction it always rolls back, reads the catalog as that transaction sees it
 *    into a fork of the mirror (as an impact preview does), and builds the snapshot that state
 *    would give from the one served;
 * 2. on every connection of the pool at once, runs the four writes again, each in a transaction
 *    rolled back, each connection on other objects (the nth of their kind).
 * Everything is dropped: nothing is committed, announced, audited or published, and the served
 * snapshot, the mirror and the caches are left as they were (the fork and the build never change
 * their base: previews rely on the same). A rehearsal that fails (no such object, a concurrent
 * change) is skipped; readiness never waits on more than `budgetMs`.
 */
import { sql } from "drizzle-orm";
import type { z } from "zod";
import * as catalog from "./catalog";
import * as policy from "./policy";
import * as tenants from "./tenants";
import type { AnyUseCase } from "./use-case";
import type { ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import { parseInput } from "../errors";
import type { Services } from "../services";
import { applyContractRevisions, catalogSnapshotSteps, type CatalogSnapshot, type CatalogState } from "../snapshot/snapshot";
import { runInSlices } from "../util/slices";
import { unknownFields } from "../util/unknown-fields";

/** Rehearsals stop starting once this much time has passed (a slow database must not hold readiness). */
export const REHEARSAL_BUDGET_MS = 5_000;

const REHEARSAL: ChangeContext = { actor: { kind: "system", id: "system" }, requestId: "start-up-rehearsal" };

/**
 * A write to rehearse: its use case, and its arguments on the `nth` objects of their kind (by
 * name), or null when there are not that many.
 */
interface Rehearsal {
  kind: string;
  useCase: AnyUseCase;
  args: (tx: Db, nth: number) => Promise<Record<string, unknown> | null>;
}

const nthRow = async <T extends Record<string, unknown>>(tx: Db, query: ReturnType<typeof sql>) => rowsOf<T>(await tx.execute(query))[0] ?? null;

const nthTenant = (tx: Db, nth: number) =>
  nthRow<{ name: string; labels: Record<string, string> }>(tx, sql`select name, labels from tenants order by name limit 1 offset ${nth}`);

/** An active server rules may name for any tenant (not personal). */
const nthSharedServer = (tx: Db, nth: number) =>
  nthRow<{ name: string; version: number; short_description: string }>(
    tx,
    sql`select name, version, short_description from mcp_servers where status = 'active' and scope <> 'personal' order by name limit 1 offset ${nth}`,
  );

const REHEARSALS: readonly Rehearsal[] = [
  {
    kind: "tenant",
    useCase: tenants.updateTenantUseCase,
    args: async (tx, nth) => {
      const tenant = await nthTenant(tx, nth);
      return tenant && { name: tenant.name, patch: { labels: { ...tenant.labels, "opencrane-rehearsal": "start-up" } } };
    },
  },
  {
    kind: "group",
    useCase: policy.updateGroupUseCase,
    args: async (tx, nth) => {
      const group = await nthRow<{ name: string }>(tx, sql`select name from groups order by name limit 1 offset ${nth}`);
      const tenant = await nthTenant(tx, nth);
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
    args: async (tx, nth) => {
      const server = await nthSharedServer(tx, nth);
      const shortDescription = server?.short_description === "rehearsal" ? "rehearsal." : "rehearsal";
      return server && { name: server.name, patch: { version: Number(server.version), shortDescription } };
    },
  },
  {
    kind: "rule",
    useCase: policy.createGrantUseCase,
    args: async (tx, nth) => {
      const [tenant, server] = [await nthTenant(tx, nth), await nthSharedServer(tx, nth)];
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
  /** The kinds of write rehearsed with their build. */
  rehearsed: string[];
  /** Kinds not rehearsed, with why (no object to rehearse on, a refusal, the budget). */
  skipped: { kind: string; reason: string }[];
  /** Rehearsals of the second pass (one per pooled connection) that ran at least one write. */
  sessions: number;
  ms: number;
}

/**
 * Runs the rehearsal (see the file's comment). Without a served snapshot only the pool is opened.
 */
export async function rehearseWrites(services: Services, { budgetMs = REHEARSAL_BUDGET_MS, now = () => new Date() } = {}): Promise<RehearsalReport> {
  const started = performance.now();
  const report: RehearsalReport = { connections: 0, rehearsed: [], skipped: [], sessions: 0, ms: 0 };
  const overBudget = () => performance.now() - started > budgetMs;
  report.connections = await services.database.openPool().catch(() => 0);
  for (const rehearsal of REHEARSALS) {
    const served = services.snapshots.current;
    const skip = !served ? "no snapshot served yet" : overBudget() ? `over the ${budgetMs} ms budget` : null;
    if (skip || !served) {
      report.skipped.push({ kind: rehearsal.kind, reason: skip ?? "" });
      continue;
    }
    try {
      const state = await rolledBack(services, async (tx) => {
        if (!(await rehearse(services, tx, rehearsal, 0))) return null;
        return services.catalog.fork().loadWithin(tx);
      });
      if (!state) {
        report.skipped.push({ kind: rehearsal.kind, reason: NOTHING_TO_REHEARSE_ON });
        continue;
      }
      await buildDropped(state, served, now());
      report.rehearsed.push(rehearsal.kind);
    } catch (error) {
      report.skipped.push({ kind: rehearsal.kind, reason: failureOf(error) });
    }
  }
  if (report.rehearsed.length > 0 && !overBudget()) {
    // Transactions started together each take a connection of their own (as openPool's statements
    // did). One write per transaction, as in a request: its rows first, the catalog revision last,
    // so that concurrent ones never deadlock (a transaction holding the revision while it takes
    // a group's members' rows would, against another holding one of those rows).
    const sessions = await Promise.all(
      Array.from({ length: report.connections }, async (_, nth) => {
        let ran = false;
        for (const rehearsal of REHEARSALS) {
          try {
            ran = (await rolledBack(services, (tx) => rehearse(services, tx, rehearsal, nth))) || ran;
          } catch (error) {
            report.skipped.push({ kind: `${rehearsal.kind} on connection ${nth + 1}`, reason: failureOf(error) });
          }
        }
        return ran;
      }),
    );
    report.sessions = sessions.filter(Boolean).length;
  }
  // A build from the served snapshot carries the index of who may be allowed each server on to
  // the policy it compiles (reach-index.ts): the dropped builds took it, so it is made again now.
  await services.snapshots.warmUp();
  report.ms = performance.now() - started;
  return report;
}

/** Why a kind was not rehearsed when there was no object of its kind (or none a rule could name). */
export const NOTHING_TO_REHEARSE_ON = "nothing to rehearse on";

export interface LaterRehearsalOptions {
  /** How long builds must have been quiet before it runs (a bulk load is still going before). */
  quietMs?: number;
  /** Rehearsals at most. */
  attempts?: number;
  /** Kinds the start-up rehearsal did rehearse: a later one that does no more than this is the last. */
  rehearsedAtStart?: number;
  budgetMs?: number;
}

/**
 * For a server that started on an empty catalog (or one without the objects a kind needs): once
 * a published snapshot has tenants and active servers, and builds have then been quiet for
 * `quietMs`, runs the rehearsal again, in the background, until every kind was rehearsed, a run
 * rehearsed no more kinds than the one before, or `attempts` ran. Without it, a catalog loaded after the start (a restore, a bulk import straight
 * into the database) would meet its first writes cold. Answers a function that stops it.
 */
export function rehearseOnceThereIsSomething(
  services: Services,
  onReport: (report: RehearsalReport) => void,
  { quietMs = 2_000, attempts = 3, budgetMs = REHEARSAL_BUDGET_MS, rehearsedAtStart = 0 }: LaterRehearsalOptions = {},
): () => void {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let left = attempts;
  let most = rehearsedAtStart;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    unsubscribe();
  };
  const run = async () => {
    timer = null;
    running = true;
    try {
      const report = await rehearseWrites(services, { budgetMs });
      left--;
      onReport(report);
      // Done once every kind had something to rehearse on, or when a run got no further than the
      // one before (a catalog without groups, say, stays without them).
      const progressed = report.rehearsed.length > most;
      most = Math.max(most, report.rehearsed.length);
      if (left <= 0 || !progressed || !report.skipped.some((skip) => skip.reason === NOTHING_TO_REHEARSE_ON)) stop();
    } catch {
      // rehearseWrites answers its failures in the report; nothing else is expected here.
    } finally {
      running = false;
    }
  };
  const unsubscribe = services.snapshots.onPublished((snapshot) => {
    if (running || left <= 0 || snapshot.tenants.size === 0 || snapshot.activeServers === 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), quietMs);
    timer.unref();
  });
  return stop;
}

/**
 * Why a rehearsal failed, in one line for the start-up log: the database's own message where the
 * query builder wrapped it ("Failed query: <the whole statement>" says nothing).
 */
function failureOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.split("\n", 1)[0]!.slice(0, 200);
}

/** Runs `work` in a transaction that is always rolled back; answers what it answered. */
async function rolledBack<T>(services: Services, work: (tx: Db) => Promise<T>): Promise<T> {
  let answer: { value: T } | null = null;
  try {
    await services.db.transaction(async (tx) => {
      answer = { value: await work(tx) };
      throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return answer!.value;
}

/** The write on the `nth` objects of its kind, inside `tx`; false when there are not that many. */
async function rehearse(services: Services, tx: Db, rehearsal: Rehearsal, nth: number): Promise<boolean> {
  const raw = await rehearsal.args(tx, nth);
  if (!raw) return false;
  // The checks a REST or console write runs on its input.
  const args = parseInput(rehearsal.useCase.args as z.ZodObject, raw);
  if (unknownFields(rehearsal.useCase.args, raw).length > 0)
    throw new Error(`${rehearsal.useCase.name}: the rehearsal's input has fields its schema does not know`);
  await rehearsal.useCase.run({ services: { ...services, db: tx }, change: REHEARSAL, principal: null }, args);
  return true;
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
