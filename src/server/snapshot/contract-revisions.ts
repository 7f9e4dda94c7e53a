import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";

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

/** A part of the contracts whose revision replicas agree on: a digest of its inputs, and the revision at which they last changed. */
export interface PartState {
  fingerprint: string;
  revision: number;
}

/**
 * Where a kind of part is settled: a table of (key, fingerprint, revision) rows. A contract is
 * made of its tenant's own part (contract_revisions, by tenant) and the shared parts of the
 * servers it is allowed (contract_server_revisions, by server): see CatalogSnapshot.serverParts.
 */
export interface PartTable {
  table: ReturnType<typeof sql.identifier>;
  key: ReturnType<typeof sql.identifier>;
}

export const TENANT_PARTS: PartTable = { table: sql.identifier("contract_revisions"), key: sql.identifier("tenant") };
export const SERVER_PARTS: PartTable = { table: sql.identifier("contract_server_revisions"), key: sql.identifier("server") };

interface StoredRevision {
  key: string;
  fingerprint: string;
  revision: number;
}

const storedOf = (result: unknown): StoredRevision[] =>
  rowsOf(result).map((row) => ({ key: String(row.key), fingerprint: String(row.fingerprint), revision: Number(row.revision) }));

const selectColumns = ({ table, key }: PartTable) => sql`select ${key} as key, fingerprint, revision::text as revision from ${table}`;

export interface SettledStates<S extends { fingerprint: string } = PartState> {
  revision: number;
  states: ReadonlyMap<string, S>;
  /**
   * The tenants whose state in the new snapshot may differ from these (CatalogSnapshot's
   * contractStatesChanged); every other tenant's is the same object. Null or absent: compare all.
   */
  changed?: ReadonlySet<string> | null;
}

export interface SettleOptions<S> {
  chunkSize?: number;
  /** Which parts (default: the tenants' own). */
  table?: PartTable;
  /** A state's settled revision (default: its `revision`). */
  revisionOf?: (state: S) => number;
}

/**
 * Agrees with every other replica on each part's revision (a tenant's own part, or a server's
 * shared part): a part whose fingerprint equals the stored one keeps the stored revision; a changed
 * one is stored with this snapshot's revision, unless a replica already stored a newer one (then
 * this snapshot is behind and keeps its own).
 *
 * Without `previous` it reads the whole table. With the previous snapshot's settled states it
 * reads only the rows of tenants whose fingerprint changed since, and the rows any replica wrote
 * after that snapshot's revision: a tenant in neither kept its fingerprint and nobody stored a
 * newer revision for it, so its previous revision stands. Either way a replica that skipped
 * revisions answers what the others do.
 */
export async function settleContractRevisions<S extends { fingerprint: string } = PartState>(
  db: Db,
  revision: number,
  states: ReadonlyMap<string, S>,
  previous: SettledStates<S> | null = null,
  { chunkSize = SETTLE_CHUNK, table = TENANT_PARTS, revisionOf = (state: S) => (state as unknown as PartState).revision }: SettleOptions<S> = {},
): Promise<Map<string, number>> {
  const revisions = new Map<string, number>();
  let candidates: Iterable<[string, S]> = states;
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
      if (before?.fingerprint === state.fingerprint) revisions.set(tenant, revisionOf(before));
      else moved.push(tenant);
    }
    if (moved.length <= chunkSize) {
      // Most builds: reading the rows written since and storing the moved tenants' new
      // fingerprints is one statement, one round trip.
      const settled = await readAndStore(
        db,
        table,
        revision,
        previous.revision,
        moved.map((key) => ({ key, fingerprint: states.get(key)!.fingerprint })),
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
        storedRows.push(
          ...storedOf(await db.execute(sql`${selectColumns(table)} where ${table.key} in (select jsonb_array_elements_text(${chunk}::jsonb)) ${since}`)),
        );
      }
    }
    const touched = new Set([...moved, ...storedRows.map((row) => row.key)]);
    candidates = [...touched].filter((tenant) => states.has(tenant)).map((tenant) => [tenant, states.get(tenant)!] as [string, S]);
  } else {
    storedRows = storedOf(await db.execute(selectColumns(table)));
  }
  const stored = new Map(storedRows.map((row) => [row.key, row]));
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
    for (const tenant of await store(db, table, revision, chunk)) revisions.set(tenant, revision);
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
    const rows = goneList.slice(i, i + chunkSize).map((key) => ({ key, fingerprint: GONE }));
    await db.execute(sql`
      with input as (select key, fingerprint from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(key text, fingerprint text))
      ${upsertFrom(table, revision)}`);
  }
  return revisions;
}

/** The upsert of new fingerprints at `revision`; a row a replica stored at a newer revision is left as it is. */
const upsertFrom = ({ table, key }: PartTable, revision: number) => sql`
  insert into ${table} (${key}, fingerprint, revision)
  select key, fingerprint, ${revision}::bigint from input
  on conflict (${key}) do update set fingerprint = excluded.fingerprint, revision = excluded.revision
  where ${table}.revision <= excluded.revision`;

/** Stores the rows' fingerprints at `revision` (see upsertFrom); answers the keys stored. */
async function store(db: Db, table: PartTable, revision: number, rows: { tenant: string; fingerprint: string }[]): Promise<string[]> {
  const input = rows.map(({ tenant, fingerprint }) => ({ key: tenant, fingerprint }));
  const result = await db.execute(sql`
    with input as (select key, fingerprint from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(key text, fingerprint text))
    ${upsertFrom(table, revision)}
    returning ${table.key} as key`);
  return rowsOf(result).map((row) => String(row.key));
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
  table: PartTable,
  revision: number,
  since: number,
  moved: { key: string; fingerprint: string }[],
): Promise<{ stored: StoredRevision[]; written: Set<string> }> {
  const result = await db.execute(sql`
    with offered as (select key, fingerprint from jsonb_to_recordset(${JSON.stringify(moved)}::jsonb) as r(key text, fingerprint text)),
    stored as (
      select ${table.key} as key, fingerprint, revision from ${table.table}
      where revision > ${since} or ${table.key} in (select key from offered)
    ),
    input as (
      select o.key, o.fingerprint from offered o left join stored s on s.key = o.key
      where s.fingerprint is distinct from o.fingerprint
    ),
    written as (${upsertFrom(table, revision)} returning ${table.key} as key)
    select key, fingerprint, revision::text as revision, false as written from stored
    union all
    select key, null, null, true from written`);
  const stored: StoredRevision[] = [];
  const written = new Set<string>();
  for (const row of rowsOf(result)) {
    if (row.written === true || row.written === "t") written.add(String(row.key));
    else stored.push({ key: String(row.key), fingerprint: String(row.fingerprint), revision: Number(row.revision) });
  }
  return { stored, written };
}

/**
 * Settles a snapshot's parts (store.ts SnapshotParts): the tenants' own parts and the servers'
 * shared parts, the two statements sent together.
 */
export async function settleSnapshotParts(
  db: Db,
  parts: {
    revision: number;
    tenants: ReadonlyMap<string, { fingerprint: string; ownRevision: number }>;
    servers: ReadonlyMap<string, PartState>;
    tenantsChanged?: ReadonlySet<string> | null;
    serversChanged?: ReadonlySet<string> | null;
  },
  previous: { revision: number; tenants: ReadonlyMap<string, { fingerprint: string; ownRevision: number }>; servers: ReadonlyMap<string, PartState> } | null,
): Promise<{ tenants: Map<string, number>; servers: Map<string, number> }> {
  const [tenants, servers] = await Promise.all([
    settleContractRevisions(
      db,
      parts.revision,
      parts.tenants,
      previous && { revision: previous.revision, states: previous.tenants, changed: parts.tenantsChanged },
      { table: TENANT_PARTS, revisionOf: (state) => state.ownRevision },
    ),
    settleContractRevisions(
      db,
      parts.revision,
      parts.servers,
      previous && { revision: previous.revision, states: previous.servers, changed: parts.serversChanged },
      { table: SERVER_PARTS },
    ),
  ]);
  return { tenants, servers };
}
