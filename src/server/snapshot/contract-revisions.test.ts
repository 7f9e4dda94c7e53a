import { sql } from "drizzle-orm";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { settleContractRevisions, type PartState, type SettledStates } from "./contract-revisions";

const TENANTS = ["t0", "t1", "t2", "t3", "t4"];

/** A replica as the snapshot store keeps it: its last settled revision and states. */
interface Replica {
  settled: { revision: number; states: Map<string, PartState> } | null;
}

/**
 * A replica builds `revision` with each tenant's fingerprint as given (absent: the tenant is gone)
 * and settles it, as SnapshotStore does: states of tenants whose fingerprint is as before are the
 * previous objects (with their settled revisions), the others are new at `revision`; the answer
 * overrides the revisions it names.
 */
async function build(
  db: Parameters<typeof settleContractRevisions>[0],
  replica: Replica,
  revision: number,
  fingerprints: ReadonlyMap<string, string>,
  chunkSize?: number,
) {
  const before = replica.settled;
  const states = new Map<string, PartState>();
  const changed = new Set<string>();
  for (const [tenant, fingerprint] of fingerprints) {
    const earlier = before?.states.get(tenant);
    if (earlier && earlier.fingerprint === fingerprint) states.set(tenant, earlier);
    else {
      states.set(tenant, { fingerprint, revision });
      changed.add(tenant);
    }
  }
  for (const tenant of before?.states.keys() ?? []) if (!fingerprints.has(tenant)) changed.add(tenant);
  const previous: SettledStates | null = before && { revision: before.revision, states: before.states, changed };
  const answer = await settleContractRevisions(db, revision, states, previous, { chunkSize });
  const settled = new Map([...states].map(([tenant, state]) => [tenant, { fingerprint: state.fingerprint, revision: answer.get(tenant) ?? state.revision }]));
  replica.settled = { revision, states: settled };
  return settled;
}

describeEachDatabase("contract revisions settled by replicas", (database) => {
  it("replicas that build a revision agree on every contract's revision; a contract keeps its revision until its fingerprint moves", async () => {
    const { db } = database();
    // Per step: the catalog moves to the next revision (each tenant's fingerprint from a small
    // alphabet, so contracts change back too, or the tenant is gone), then A, B or both build it.
    const step = fc.record({
      fingerprints: fc.array(fc.constantFrom("a", "b", "c", null), { minLength: TENANTS.length, maxLength: TENANTS.length }),
      builders: fc.constantFrom<string[]>(["A"], ["B"], ["A", "B"], ["B", "A"]),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 7 }), async (steps) => {
        await db.execute(sql`delete from contract_revisions`);
        const replicas: Record<string, Replica> = { A: { settled: null }, B: { settled: null } };
        for (const [i, { fingerprints, builders }] of steps.entries()) {
          const revision = i + 1;
          const present = new Map(TENANTS.flatMap((tenant, j) => (fingerprints[j] ? [[tenant, fingerprints[j]] as const] : [])));
          const answers: Map<string, PartState>[] = [];
          for (const name of builders) {
            const replica = replicas[name]!;
            const before = replica.settled;
            const settled = await build(db, replica, revision, present);
            for (const [tenant, state] of settled) {
              expect(state.revision).toBeLessThanOrEqual(revision);
              // Built from the previous revision with the same fingerprint: the revision stands.
              const earlier = before?.revision === revision - 1 ? before.states.get(tenant) : undefined;
              if (earlier && earlier.fingerprint === state.fingerprint) expect(state.revision).toBe(earlier.revision);
              // A new fingerprint is never served under a revision that served another one.
              if (earlier && earlier.fingerprint !== state.fingerprint) expect(state.revision).toBeGreaterThan(earlier.revision);
            }
            answers.push(settled);
          }
          if (answers.length === 2) expect(answers[1]).toEqual(answers[0]);
          // The table holds a fingerprint only for tenants present now (a gone tenant's is marked gone).
          const rows = await db.execute(sql`select tenant from contract_revisions where fingerprint <> ''`);
          const stored = (Array.isArray(rows) ? rows : (rows as { rows: { tenant: string }[] }).rows).map((row) => String(row.tenant));
          for (const tenant of stored) expect(present.has(tenant)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("settles more moved tenants than one statement takes, the same way", async () => {
    const { db } = database();
    await db.execute(sql`delete from contract_revisions`);
    // Statements of 1,000 tenants (SETTLE_CHUNK in production): 5,003 take six.
    const chunkSize = 1_000;
    const many = Array.from({ length: 5_003 }, (_, i) => `tenant-${i}`);
    const replica: Replica = { settled: null };
    await build(db, replica, 1, new Map(many.map((tenant) => [tenant, "a"])), chunkSize);
    // Every tenant moves at revision 2 (past the 1,000 of one statement); half move back at 3.
    const second = await build(db, replica, 2, new Map(many.map((tenant) => [tenant, "b"])), chunkSize);
    expect(new Set([...second.values()].map((state) => state.revision))).toEqual(new Set([2]));
    const other: Replica = { settled: null };
    const third = await build(db, replica, 3, new Map(many.map((tenant, i) => [tenant, i % 2 ? "a" : "b"])), chunkSize);
    expect(third.get("tenant-0")!.revision).toBe(2);
    expect(third.get("tenant-1")!.revision).toBe(3);
    // A replica starting now reads the whole table and agrees, in one statement or in several.
    expect(await build(db, other, 3, new Map(many.map((tenant, i) => [tenant, i % 2 ? "a" : "b"])), chunkSize)).toEqual(third);
    expect(await build(db, { settled: null }, 3, new Map(many.map((tenant, i) => [tenant, i % 2 ? "a" : "b"])))).toEqual(third);
  });

  it("settles a change that moves every tenant in one statement, as the chunked way does", async () => {
    const { db } = database();
    await db.execute(sql`delete from contract_revisions`);
    const many = Array.from({ length: 5_003 }, (_, i) => `tenant-${i}`);
    const replica: Replica = { settled: null };
    await build(db, replica, 1, new Map(many.map((tenant) => [tenant, "a"])));
    const second = await build(db, replica, 2, new Map(many.map((tenant) => [tenant, "b"])));
    expect(new Set([...second.values()].map((state) => state.revision))).toEqual(new Set([2]));
    // A replica that skipped revision 2 and moves the same tenants at 3 keeps revision 2 for them.
    const behind: Replica = { settled: null };
    await build(db, behind, 1, new Map(many.map((tenant) => [tenant, "a"])));
    const caughtUp = await build(db, behind, 3, new Map(many.map((tenant) => [tenant, "b"])));
    expect(caughtUp).toEqual(second);
  });
});
