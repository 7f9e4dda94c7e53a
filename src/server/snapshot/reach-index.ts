import type { CompiledPolicy, TenantAccess } from "../policy/compile";

/**
 * Who may be allowed each server: per server slot of a compiled policy, the tenants whose rules or
 * own allow list name it (TenantAccess.ruleAllow | overrideAllow), as a bit set over tenant
 * ordinals. It is the tenants' bits transposed: a build that changed a server finds the tenants
 * it can reach by reading that server's column (a few hundred words) instead of looking at all
 * 10,000 tenants' bits, a pass limited by memory access (~7 ms at that scale).
 *
 * It holds a superset of the exact answer, which is all its use needs: a tenant named here whose
 * access does not allow the server is dropped by the caller's exact check.
 *
 * One index lives at a time and moves from each build's policy to the next one's (carryReachIndex),
 * updated by the tenants whose access the compiler says may have changed. Whenever that is not
 * known (a full compile), or the slots were laid out afresh, it is dropped and built again in
 * steps when a build next needs it.
 */
export class ReachIndex {
  private readonly ordinals = new Map<string, number>();
  private readonly names: string[] = [];
  /** Per slot: bits over ordinals, `capacity` bits each. */
  private columns: Uint32Array[];
  private capacity: number;

  private constructor(
    /** Words of the policy's server bit sets (TenantAccess.ruleAllow.length). */
    private readonly words: number,
    tenants: number,
  ) {
    this.capacity = Math.max(1024, tenants + (tenants >>> 2));
    this.columns = Array.from({ length: words * 32 }, () => new Uint32Array(this.capacity >>> 5));
  }

  /**
   * The index of `policy`, built in steps of `perStep` tenants; null when it would be larger
   * than MAX_INDEX_BYTES (the caller then looks at every tenant) or when the tenants' bit sets
   * are not all of one size.
   */
  static *build(policy: CompiledPolicy, perStep: number): Generator<void, ReachIndex | null, void> {
    let words = -1;
    for (const access of policy.tenants.values()) {
      words = access.ruleAllow.length;
      break;
    }
    if (words < 0 || indexBytes(words, policy.tenants.size) > MAX_INDEX_BYTES) return null;
    const index = new ReachIndex(words, policy.tenants.size);
    let done = 0;
    for (const [name, access] of policy.tenants) {
      if (!index.apply(name, undefined, access)) return null;
      if (++done % perStep === 0) yield;
    }
    return index;
  }

  /**
   * Calls `each` with every tenant that may be allowed the server at one of `slots` (some more
   * than once, when several slots name them).
   */
  forEachReaching(slots: readonly number[], each: (tenant: string) => void): void {
    for (const slot of slots) {
      const column = this.columns[slot];
      if (!column) continue;
      for (let w = 0; w < column.length; w++) {
        let word = column[w]!;
        while (word !== 0) {
          const low = word & -word;
          each(this.names[(w << 5) + 31 - Math.clz32(low)]!);
          word ^= low;
        }
      }
    }
  }

  /**
   * Moves the index from `previous` to `policy`, where only the tenants in `moved` may have
   * another TenantAccess. False when it cannot follow (bit sets of another size, or too many
   * ordinals of tenants gone): the caller drops it.
   */
  advance(previous: CompiledPolicy, policy: CompiledPolicy, moved: ReadonlySet<string>): boolean {
    for (const name of moved) {
      const before = previous.tenants.get(name);
      const after = policy.tenants.get(name);
      if (before !== after && !this.apply(name, before, after)) return false;
    }
    // Ordinals are never reused: after much churn, start over rather than carry the holes.
    return this.names.length <= 2 * policy.tenants.size + 1024;
  }

  /** Sets the tenant's bits in every column where `before` and `after` differ to `after`'s. */
  private apply(name: string, before: TenantAccess | undefined, after: TenantAccess | undefined): boolean {
    if ((before && before.ruleAllow.length !== this.words) || (after && after.ruleAllow.length !== this.words)) return false;
    let ordinal = this.ordinals.get(name);
    if (ordinal === undefined) {
      if (!after) return true;
      ordinal = this.names.length;
      if (ordinal >= this.capacity) this.grow();
      this.ordinals.set(name, ordinal);
      this.names.push(name);
    }
    const at = ordinal >>> 5;
    const mask = 1 << (ordinal & 31);
    for (let w = 0; w < this.words; w++) {
      const was = before ? before.ruleAllow[w]! | before.overrideAllow[w]! : 0;
      const now = after ? after.ruleAllow[w]! | after.overrideAllow[w]! : 0;
      let changed = was ^ now;
      while (changed !== 0) {
        const low = changed & -changed;
        const column = this.columns[(w << 5) + 31 - Math.clz32(low)]!;
        if (now & low) column[at]! |= mask;
        else column[at]! &= ~mask;
        changed ^= low;
      }
    }
    return true;
  }

  private grow() {
    this.capacity *= 2;
    this.columns = this.columns.map((column) => {
      const wider = new Uint32Array(this.capacity >>> 5);
      wider.set(column);
      return wider;
    });
  }
}

/** Past this (tens of thousands of servers and tenants) builds look at every tenant instead. */
const MAX_INDEX_BYTES = 64 * 2 ** 20;

const indexBytes = (words: number, tenants: number) => words * 32 * Math.ceil(Math.max(1024, tenants * 1.25) / 8);

const indexes = new WeakMap<CompiledPolicy, ReachIndex>();

/**
 * Hands the index of `previous` on to `policy` (compiled from it, `moved` being the tenants whose
 * access may differ; null: unknown), or drops it. Called by every build, so that the index of the
 * current policy is there when a build needs it.
 */
export function carryReachIndex(previous: CompiledPolicy, policy: CompiledPolicy, moved: ReadonlySet<string> | null): void {
  if (previous === policy) return;
  const index = indexes.get(previous);
  if (!index) return;
  indexes.delete(previous);
  if (moved !== null && index.advance(previous, policy, moved)) indexes.set(policy, index);
}

/** The index of `policy`, carried or built now (in steps); null when it would be too large. */
export function* reachIndexOf(policy: CompiledPolicy, perStep: number): Generator<void, ReachIndex | null, void> {
  const carried = indexes.get(policy);
  if (carried) return carried;
  const built = yield* ReachIndex.build(policy, perStep);
  if (built) indexes.set(policy, built);
  return built;
}

/**
 * Builds the index of `policy` ahead of need, in steps, stopping as soon as `stillWanted` says no
 * (a newer build replaced the policy: that build carries or builds its own). After a full compile
 * (start-up, a change that reached every tenant) the first server change would otherwise build it
 * inside a writer's build: ~40 ms at 10,000 tenants.
 */
export function* warmReachIndex(policy: CompiledPolicy, perStep: number, stillWanted: () => boolean): Generator<void, void, void> {
  if (indexes.has(policy)) return;
  let words = -1;
  for (const access of policy.tenants.values()) {
    words = access.ruleAllow.length;
    break;
  }
  if (words < 0 || indexBytes(words, policy.tenants.size) > MAX_INDEX_BYTES) return;
  const steps = ReachIndex.build(policy, perStep);
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done) {
      if (next.value && stillWanted() && !indexes.has(policy)) indexes.set(policy, next.value);
      return;
    }
    yield;
    if (!stillWanted()) return;
  }
}

/** Whether the index of `policy` is built (carried or warmed): for tests and diagnostics. */
export function hasReachIndex(policy: CompiledPolicy): boolean {
  return indexes.has(policy);
}
