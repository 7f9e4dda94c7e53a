import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import type { ContractState } from "./snapshot";

/**
 * Rows per statement. Tenant lists and rows travel as one JSON parameter each, not one bind
 * parameter per value: at 10,000 tenants a build's statements cost milliseconds, not the query
 * builder's hundreds. A change that moves every tenant's contract (a server allowed to all of
 * them) is one statement up to this many tenants: at 5,000 a build moving ~9,500 took separate
 * reads and stores, 150 ms of settling where one statement takes about half.
 */
export const SETTLE_CHUNK = 20_000;

/** The fingerprint stored for a tenant that is gone (no fingerprint is empty). */
const GONE = "";

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
  { chunkSize = SETTLE_CHUNK }: { chunkSize?: number } = {},
): Promise<Map<string, number>> {
  const revisions = new Map<string, number>();
  let candidates: Iterable<[string, ContractState]> = states;
  let storedRows: StoredRevision[];
  /** Tenants the first statement already offered to store at `revision`, and those it did store. */
  let offered: ReadonlySet<string> = new Set();
  let written: ReadonlySet<string> = new Set();
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
    if (moved.length <= chunkSize) {
      // Most builds: reading the rows written since and storing the moved tenants' new
      // fingerprints is one statement, one round trip.
      const settled = await readAndStore(
        db,
        revision,
        previous.revision,
        moved.map((tenant) => ({ tenant, fingerprint: states.get(tenant)!.fingerprint })),
      );
      storedRows = settled.stored;
      offered = new Set(moved);
      written = settled.written;
    } else {
      storedRows = [];
      for (let i = 0; i < moved.length; i += chunkSize) {
        const chunk = JSON.stringify(moved.slice(i, i + chunkSize));
        // The rows written since come with the first chunk; the later chunks leave them out.
        const since = i === 0 ? sql`or revision > ${previous.revision}` : sql`and revision <= ${previous.revision}`;
        storedRows.push(...storedOf(await db.execute(sql`${selectColumns} where tenant in (select jsonb_array_elements_text(${chunk}::jsonb)) ${since}`)));
      }
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
    else if (written.has(tenant)) revisions.set(tenant, revision);
    // Offered and not stored: a replica stored a newer revision; the snapshot's own stands.
    else if (offered.has(tenant)) revisions.delete(tenant);
    else {
      revisions.delete(tenant);
      changed.push({ tenant, fingerprint, revision });
    }
  }
  for (let i = 0; i < changed.length; i += chunkSize) {
    const chunk = changed.slice(i, i + chunkSize);
    for (const tenant of await store(db, revision, chunk)) revisions.set(tenant, revision);
  }
  const gone = new Set<string>();
  for (const tenant of previous?.changed ?? previous?.states.keys() ?? []) if (!states.has(tenant) && previous!.states.has(tenant)) gone.add(tenant);
  for (const [tenant, row] of stored) if (!states.has(tenant) && row.fingerprint !== GONE) gone.add(tenant);
  const goneList = [...gone];
  for (let i = 0; i < goneList.length; i += chunkSize) {
    // Marked gone rather than deleted: a deletion leaves nothing for "the rows written since"
    // to find, and a replica that skipped this revision would keep serving its older revision
    // if the tenant came back with the same contract. A replica ahead of this one may have
    // stored a tenant created since: newer rows are left alone.
    const rows = goneList.slice(i, i + chunkSize).map((tenant) => ({ tenant, fingerprint: GONE }));
    await db.execute(sql`
      with input as (select tenant, fingerprint from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(tenant text, fingerprint text))
      ${upsertFrom(revision)}`);
  }
  return revisions;
}

/** The upsert of new fingerprints at `revision`; a row a replica stored at a newer revision is left as it is. */
const upsertFrom = (revision: number) => sql`
  insert into contract_revisions (tenant, fingerprint, revision)
  select tenant, fingerprint, ${revision}::bigint from input
  on conflict (tenant) do update set fingerprint = excluded.fingerprint, revision = excluded.revision
  where contract_revisions.revision <= excluded.revision`;

/** Stores the rows' fingerprints at `revision` (see upsertFrom); answers the tenants stored. */
async function store(db: Db, revision: number, rows: { tenant: string; fingerprint: string }[]): Promise<string[]> {
  const result = await db.execute(sql`
    with input as (select tenant, fingerprint from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(tenant text, fingerprint text))
    ${upsertFrom(revision)}
    returning tenant`);
  return rowsOf(result).map((row) => String(row.tenant));
}

/**
 * In one statement: the stored rows of the `moved` tenants and every row written after
 * `since`, as they were before it; and the moved tenants whose stored fingerprint differs (or
 * who have none) stored at `revision`. Answers both: the caller reads an equal stored
 * fingerprint as "keep that revision", and a tenant offered but not stored as "a replica is
 * ahead".
 */
async function readAndStore(
  db: Db,
  revision: number,
  since: number,
  moved: { tenant: string; fingerprint: string }[],
): Promise<{ stored: StoredRevision[]; written: Set<string> }> {
  const result = await db.execute(sql`
    with offered as (select tenant, fingerprint from jsonb_to_recordset(${JSON.stringify(moved)}::jsonb) as r(tenant text, fingerprint text)),
    stored as (
      select tenant, fingerprint, revision from contract_revisions
      where revision > ${since} or tenant in (select tenant from offered)
    ),
    input as (
      select o.tenant, o.fingerprint from offered o left join stored s on s.tenant = o.tenant
      where s.fingerprint is distinct from o.fingerprint
    ),
    written as (${upsertFrom(revision)} returning tenant)
    select tenant, fingerprint, revision::text as revision, false as written from stored
    union all
    select tenant, null, null, true from written`);
  const stored: StoredRevision[] = [];
  const written = new Set<string>();
  for (const row of rowsOf(result)) {
    if (row.written === true || row.written === "t") written.add(String(row.tenant));
    else stored.push({ tenant: String(row.tenant), fingerprint: String(row.fingerprint), revision: Number(row.revision) });
  }
  return { stored, written };
}
