/**
 * Impact preview (`?dryRun=true`): runs the real change in a transaction, compiles the policy it
 * would produce, diffs it against the current one, and rolls everything back. Validation, scope
 * checks and cascades are exactly those of the real change, because it is the real change.
 */
import type { Db } from "../db/client";
import { compilePolicy } from "./compile";
import { diffPolicies, type ImpactPreview } from "./diff";
import { loadPolicyInput } from "./store";

class DryRun extends Error {}

export async function previewChange<T>(db: Db, change: (tx: Db) => Promise<T>, now = new Date()): Promise<{ result: T; impact: ImpactPreview }> {
  const before = compilePolicy(await loadPolicyInput(db), now);
  let outcome: { result: T; impact: ImpactPreview } | undefined;
  try {
    await db.transaction(async (tx) => {
      const result = await change(tx);
      const after = compilePolicy(await loadPolicyInput(tx), now);
      outcome = { result, impact: diffPolicies(before, after) };
      throw new DryRun("rolled back: dry run");
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
  return outcome!;
}

export type Mutation<T> = (db: Db) => Promise<T>;

/** Runs a change, or with dryRun its impact preview without writing anything. */
export async function changeOrPreview<T>(
  db: Db,
  dryRun: boolean,
  change: Mutation<T>,
): Promise<{ dryRun: false; result: T } | { dryRun: true; result: T; impact: ImpactPreview }> {
  if (!dryRun) return { dryRun: false, result: await change(db) };
  const { result, impact } = await previewChange(db, change);
  return { dryRun: true, result, impact };
}
