import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import type { ContractState } from "./snapshot";

/**
 * Rows per statement. Tenant lists and rows travel as one JSON parameter each, not one bind
 * parameter per value: at 10,000 tenants a build's statements cost milliseconds, not the query
 * builder's hundreds.
 */
const CHUNK = 5000;

interface StoredRevision {
  tenant: string;
  fingerprint: string;
  revision: number;
}

const storedOf = (result: unknown): StoredRevision[] =>
  rowsOf(result).map((row) => ({ tenant: String(row.tenant), fingerprint: String(row.fingerprint), revision: Number(row.revision) }));

const selectColumns = sql`select tenant, fingerprint, revision::text as revision from contract_revisions`;

export interface SettledStates {
  revision: number;
  states: ReadonlyMap<string, ContractState>;
  /**
   * The tenants whose state in the new snapshot may differ from these (CatalogSnapshot's
   * contractStatesChanged); every other tenant's is the same object. Null or absent: compare all.
   */
  changed?: ReadonlySet<string> | null;
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
  let storedRows: StoredRevision[];
  if (previous) {
    const moved: string[] = [];
    // A tenant outside `changed` has its previous state object: its revision stands unless a
    // replica stored a newer one (read below), so it needs no entry here.
    for (const tenant of previous.changed ?? states.keys()) {
      const state = states.get(tenant);
      if (!state) continue;
      const before = previous.states.get(tenant);
      if (before?.fingerprint === state.fingerprint) revisions.set(tenant, before.revision);
      else moved.push(tenant);
    }
    // The rows written since, with those of the first chunk of moved tenants: one round trip for most builds.
    const firstChunk = JSON.stringify(moved.slice(0, CHUNK));
    storedRows = storedOf(
      await db.execute(sql`${selectColumns} where revision > ${previous.revision} or tenant in (select jsonb_array_elements_text(${firstChunk}::jsonb))`),
    );
    for (let i = CHUNK; i < moved.length; i += CHUNK) {
      const chunk = JSON.stringify(moved.slice(i, i + CHUNK));
      storedRows.push(
        ...storedOf(
          await db.execute(sql`${selectColumns} where tenant in (select jsonb_array_elements_text(${chunk}::jsonb)) and revision <= ${previous.revision}`),
        ),
      );
    }
    const touched = new Set([...moved, ...storedRows.map((row) => row.tenant)]);
    candidates = [...touched].filter((tenant) => states.has(tenant)).map((tenant) => [tenant, states.get(tenant)!] as [string, ContractState]);
  } else {
    storedRows = storedOf(await db.execute(selectColumns));
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
    const written = rowsOf(
      await db.execute(sql`
        insert into contract_revisions (tenant, fingerprint, revision)
        select tenant, fingerprint, revision from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(tenant text, fingerprint text, revision bigint)
        on conflict (tenant) do update set fingerprint = excluded.fingerprint, revision = excluded.revision
        where contract_revisions.revision <= excluded.revision
        returning tenant`),
    );
    const writtenTenants = new Set(written.map((row) => String(row.tenant)));
    for (const row of chunk) {
      if (writtenTenants.has(row.tenant)) revisions.set(row.tenant, revision);
    }
  }
  const gone = new Set<string>();
  for (const tenant of previous?.changed ?? previous?.states.keys() ?? []) if (!states.has(tenant) && previous!.states.has(tenant)) gone.add(tenant);
  for (const tenant of stored.keys()) if (!states.has(tenant)) gone.add(tenant);
  const goneList = [...gone];
  for (let i = 0; i < goneList.length; i += CHUNK) {
    // A replica ahead of this one may have stored a tenant created since: leave newer rows alone.
    const chunk = JSON.stringify(goneList.slice(i, i + CHUNK));
    await db.execute(sql`delete from contract_revisions where tenant in (select jsonb_array_elements_text(${chunk}::jsonb)) and revision <= ${revision}`);
  }
  return revisions;
}
