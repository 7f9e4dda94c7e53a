/**
 * Impact preview (`?dryRun=true`): runs the real change in a transaction, compiles the policy it
 * would produce, diffs it against the current one, and rolls everything back. Validation, scope
 * checks and cascades are exactly those of the real change, because it is the real change.
 */
import type { Db } from "../db/client";
import { runInSlices } from "../util/slices";
import { compilePolicy, compileSteps, type CompiledPolicy, type PolicyInput } from "./compile";
import { diffPolicies, type ImpactPreview } from "./diff";
import { loadPolicyInput } from "./store";

class DryRun extends Error {}

/**
 * What a running server lends its previews: a fork of its catalog mirror (the rows it holds,
 * loadable inside a transaction) and the policy its snapshot serves. A preview then reads only
 * the rows that changed and compiles incrementally from that policy, in slices between requests,
 * instead of loading and compiling the whole policy twice on the event loop.
 */
export interface PreviewBase {
  /** The catalog mirror's fork (snapshot/catalog-mirror.ts): its state as `tx` sees it. */
  fork: () => { loadWithin: (tx: Db) => Promise<{ policy: PolicyInput }> };
  policy: () => CompiledPolicy | null;
}

const bases = new WeakMap<Db, PreviewBase>();

/** Previews through `db` start from `base` (startServices lends its mirror and snapshot). */
export function lendPreviewBase(db: Db, base: PreviewBase): void {
  bases.set(db, base);
}

async function compileBetweenRequests(input: PolicyInput, now: Date, previous: CompiledPolicy): Promise<CompiledPolicy> {
  return (await runInSlices(compileSteps(input, now, previous))).value;
}

/** The change's impact, rolled back. `base` null: load and compile everything (what tests compare with). */
export async function previewChange<T>(
  db: Db,
  change: (tx: Db) => Promise<T>,
  now = new Date(),
  base: PreviewBase | null = bases.get(db) ?? null,
): Promise<{ result: T; impact: ImpactPreview }> {
  const served = base?.policy() ?? null;
  const before = base && served ? null : compilePolicy(await loadPolicyInput(db), now);
  let outcome: { result: T; impact: ImpactPreview } | undefined;
  try {
    await db.transaction(async (tx) => {
      if (base && served) {
        const mirror = base.fork();
        const start = await compileBetweenRequests((await mirror.loadWithin(tx)).policy, now, served);
        const result = await change(tx);
        const end = await compileBetweenRequests((await mirror.loadWithin(tx)).policy, now, start);
        outcome = { result, impact: diffPolicies(start, end) };
      } else {
        const result = await change(tx);
        const after = compilePolicy(await loadPolicyInput(tx), now);
        outcome = { result, impact: diffPolicies(before!, after) };
      }
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
