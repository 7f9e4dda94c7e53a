import { and, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { contractRevisions } from "../db/schema";
import type { ContractState } from "./snapshot";

const CHUNK = 1000;

/**
 * Agrees with every other replica on each contract's revision: a tenant whose fingerprint equals
 * the stored one keeps the stored revision; a changed one is stored with this snapshot's revision,
 * unless a replica already stored a newer one (then this snapshot is behind and keeps its own).
 * Reads the table every time, so a replica that skipped revisions still answers what the others do.
 */
export async function settleContractRevisions(db: Db, revision: number, states: ReadonlyMap<string, ContractState>): Promise<Map<string, number>> {
  const stored = new Map((await db.select().from(contractRevisions)).map((row) => [row.tenant, row]));
  const revisions = new Map<string, number>();
  const changed: { tenant: string; fingerprint: string; revision: number }[] = [];
  for (const [tenant, { fingerprint }] of states) {
    const row = stored.get(tenant);
    if (row?.fingerprint === fingerprint) revisions.set(tenant, row.revision);
    else changed.push({ tenant, fingerprint, revision });
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
  const gone = [...stored.keys()].filter((tenant) => !states.has(tenant));
  for (let i = 0; i < gone.length; i += CHUNK) {
    // A replica ahead of this one may have stored a tenant created since: leave newer rows alone.
    await db.delete(contractRevisions).where(and(inArray(contractRevisions.tenant, gone.slice(i, i + CHUNK)), lte(contractRevisions.revision, revision)));
  }
  return revisions;
}
