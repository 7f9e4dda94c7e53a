import { and, gt, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { contractRevisions } from "../db/schema";
import type { ContractState } from "./snapshot";

const CHUNK = 1000;

export interface SettledStates {
  revision: number;
  states: ReadonlyMap<string, ContractState>;
}

/**
 * Agrees with every other replica on each contract's revision: a tenant whose fingerprint equals
 * the stored one keeps the stored revision; a changed one is stored with this snapshot's revision,
 * unless a replica already stored a newer one (then this snapshot is behind and keeps its own).
 *
 * Without `previous` it reads the whole table. With the previous snapshot's settled states it
 * reads only the rows of tenants whose fingerprint changed since, and the rows any replica wrote
 * after that snapshot's revision: a tenant in neither kept its fingerprint and nobody stored a
 * newer revision for it, so its previous revision stands. Either way a replica that skipped
 * revisions answers what the others do.
 */
export async function settleContractRevisions(
  db: Db,
  revision: number,
  states: ReadonlyMap<string, ContractState>,
  previous: SettledStates | null = null,
): Promise<Map<string, number>> {
  const revisions = new Map<string, number>();
  let candidates: Iterable<[string, ContractState]> = states;
  let storedRows: (typeof contractRevisions.$inferSelect)[];
  if (previous) {
    const moved: string[] = [];
    for (const [tenant, state] of states) {
      const before = previous.states.get(tenant);
      if (before?.fingerprint === state.fingerprint) revisions.set(tenant, before.revision);
      else moved.push(tenant);
    }
    storedRows = await db.select().from(contractRevisions).where(gt(contractRevisions.revision, previous.revision));
    for (let i = 0; i < moved.length; i += CHUNK) {
      const chunk = moved.slice(i, i + CHUNK);
      storedRows.push(
        ...(await db
          .select()
          .from(contractRevisions)
          .where(and(inArray(contractRevisions.tenant, chunk), lte(contractRevisions.revision, previous.revision)))),
      );
    }
    const touched = new Set([...moved, ...storedRows.map((row) => row.tenant)]);
    candidates = [...touched].filter((tenant) => states.has(tenant)).map((tenant) => [tenant, states.get(tenant)!] as [string, ContractState]);
  } else {
    storedRows = await db.select().from(contractRevisions);
  }
  const stored = new Map(storedRows.map((row) => [row.tenant, row]));
  const changed: { tenant: string; fingerprint: string; revision: number }[] = [];
  for (const [tenant, { fingerprint }] of candidates) {
    const row = stored.get(tenant);
    if (row?.fingerprint === fingerprint) revisions.set(tenant, row.revision);
    else {
      revisions.delete(tenant);
      changed.push({ tenant, fingerprint, revision });
    }
  }
  for (let i = 0; i < changed.length; i += CHUNK) {
    const chunk = changed.slice(i, i + CHUNK);
    const written = await db
      .insert(contractRevisions)
      .values(chunk)
      .onConflictDoUpdate({
        target: contractRevisions.tenant,
        set: { fingerprint: sql`excluded.fingerprint`, revision: sql`excluded.revision` },
        setWhere: sql`${contractRevisions.revision} <= excluded.revision`,
      })
      .returning({ tenant: contractRevisions.tenant });
    const writtenTenants = new Set(written.map((row) => row.tenant));
    for (const row of chunk) {
      if (writtenTenants.has(row.tenant)) revisions.set(row.tenant, revision);
    }
  }
  const gone = [...new Set([...(previous?.states.keys() ?? []), ...stored.keys()])].filter((tenant) => !states.has(tenant));
  for (let i = 0; i < gone.length; i += CHUNK) {
    // A replica ahead of this one may have stored a tenant created since: leave newer rows alone.
    await db.delete(contractRevisions).where(and(inArray(contractRevisions.tenant, gone.slice(i, i + CHUNK)), lte(contractRevisions.revision, revision)));
  }
  return revisions;
}
