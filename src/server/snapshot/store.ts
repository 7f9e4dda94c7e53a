import { runInSlices } from "../util/slices";
import type { PartState } from "./contract-revisions";
import { warmReachIndex } from "./reach-index";
import {
  applyContractRevisions,
  catalogSnapshotSteps,
  keepUnchangedBodies,
  type CatalogSnapshot,
  type CatalogState,
  type ContractState,
  type PartRevisions,
} from "./snapshot";

/** A snapshot's parts to settle (see CatalogSnapshot.serverParts), or the previous snapshot's as settled, with what changed since. */
export interface SnapshotParts {
  revision: number;
  tenants: ReadonlyMap<string, ContractState>;
  servers: ReadonlyMap<string, PartState>;
  /** The tenants and servers whose parts may differ from the previous snapshot's; null: compare them all. */
  tenantsChanged?: ReadonlySet<string> | null;
  serversChanged?: ReadonlySet<string> | null;
}

export interface SnapshotStoreOptions {
  loadState: () => Promise<CatalogState>;
  loadRevision: () => Promise<number>;
  /**
   * Records the fingerprints of the snapshot's parts (the tenants' own, the servers' shared) and
   * answers each part's revision: the one all replicas agree on. With `previous`, only the parts
   * changed since are looked at. Without it, every contract carries the snapshot's revision.
   */
  settleContractRevisions?: (parts: SnapshotParts, previous: SnapshotParts | null) => Promise<PartRevisions>;
  onBuilt?: (snapshot: CatalogSnapshot) => void;
  onError?: (error: unknown) => void;
  now?: () => Date;
}

/**
 * The longest a build about to start waits for this replica's writes in flight (their
 * transactions not yet committed) so that it covers them too: a burst of writers then shares a
 * build instead of each waiting for the build after the one running. A write alone finishes its
 * transaction in milliseconds, but eight at once share the event loop and take 30–40 ms to all
 * commit (bench:write-phases); with a shorter bound a burst split into two builds, and the
 * writers left out waited for a second one. The bound keeps a stuck write from delaying anyone
 * for long.
 */
export const COALESCE_MS = 50;

/** Tenants added to a reach index being warmed between two yields (~0.2 ms). */
const WARM_TENANTS_PER_STEP = 1_000;

/** setTimeout's longest delay; later expiries are re-armed by the periodic check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Holds the current snapshot. Requests only read `current`; rebuilds happen when a local write
 * commits, when another replica's NOTIFY arrives, when the periodic check sees a new revision,
 * and at the moment a rule expires. If the database is unreachable the last good snapshot stays.
 */
/** See SnapshotStore.onPublished; `changedTenants` null means any tenant may have changed. */
export type PublishListener = (snapshot: CatalogSnapshot, changedTenants: readonly string[] | null) => void;

export class SnapshotStore {
  current: CatalogSnapshot | null = null;
  lastError: { at: Date; message: string } | null = null;
  private running: Promise<CatalogSnapshot> | null = null;
  private queued: Promise<CatalogSnapshot> | null = null;
  /** The highest revision a NOTIFY announced, and the lowest revision the running build reads. */
  private announced = 0;
  private runningFloor = 0;
  private buildCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Local writes between their start and their commit (writeStarted), and who waits for none to be left. */
  private writesInFlight = 0;
  private whenNoWrites: (() => void)[] = [];
  private starting: Promise<CatalogSnapshot> | null = null;
  private readonly publishListeners = new Set<PublishListener>();
  private warming: { snapshot: CatalogSnapshot; done: Promise<void> } | null = null;

  constructor(private readonly options: SnapshotStoreOptions) {}

  /**
   * Calls `listener` each time a snapshot becomes `current`, synchronously, before any writer
   * waiting for it is answered. Answers a function that stops the calls.
   */
  onPublished(listener: PublishListener): () => void {
    this.publishListeners.add(listener);
    return () => this.publishListeners.delete(listener);
  }

  private now() {
    return this.options.now?.() ?? new Date();
  }

  /**
   * Rebuilds from the database; the answer includes every change committed before the call.
   * A call during a build waits for it, then rebuilds only if the stored revision moved past
   * what that build read (or it failed): a writer's refresh and the NOTIFY its commit sends
   * share one build. Concurrent callers share the follow-up.
   */
  refresh(): Promise<CatalogSnapshot> {
    if (!this.running) return this.startBuildAfterWrites();
    if (this.queued) return this.queued;
    const followUp: Promise<CatalogSnapshot> = this.running.then(
      async (built) => {
        try {
          const revision = await this.options.loadRevision();
          if (revision <= built.revision && !this.expiryDue()) return built;
        } finally {
          if (this.queued === followUp) this.queued = null;
        }
        return this.refresh();
      },
      () => {
        if (this.queued === followUp) this.queued = null;
        return this.refresh();
      },
    );
    this.queued = followUp;
    return followUp;
  }

  /**
   * Another replica (or this one) committed `revision`: rebuild unless a snapshot at or after it
   * is current, being built by a build that started after the notification, or queued.
   * A build that started before it may or may not include it; refresh() decides once it ends.
   */
  notified(revision: number): void {
    if (!Number.isFinite(revision)) {
      void this.refresh().catch(() => undefined);
      return;
    }
    this.announced = Math.max(this.announced, revision);
    if (this.current && revision <= this.current.revision) return;
    if (this.queued || (this.running && this.runningFloor >= revision)) return;
    void this.refresh().catch(() => undefined);
  }

  /**
   * A local write has begun: a build about to start waits (at most COALESCE_MS) until it has
   * committed or failed, and covers it. Call the answer once the write's transaction is over,
   * before waiting for refresh(). Idempotent.
   */
  writeStarted(): () => void {
    this.writesInFlight++;
    let over = false;
    return () => {
      if (over) return;
      over = true;
      if (--this.writesInFlight > 0) return;
      const waiting = this.whenNoWrites;
      this.whenNoWrites = [];
      for (const resume of waiting) resume();
    };
  }

  /** Starts a build now, or once the writes in flight are over (bounded): callers meanwhile share it. */
  private startBuildAfterWrites(): Promise<CatalogSnapshot> {
    if (this.writesInFlight === 0) return this.startBuild();
    this.starting ??= new Promise<void>((resume) => {
      const timer = setTimeout(resume, COALESCE_MS);
      this.whenNoWrites.push(() => {
        clearTimeout(timer);
        resume();
      });
    }).then(() => {
      this.starting = null;
      return this.running ?? this.startBuild();
    });
    return this.starting;
  }

  /** Builds started so far: one write should cost one. */
  get builds(): number {
    return this.buildCount;
  }

  private startBuild(): Promise<CatalogSnapshot> {
    // Every announced revision is committed, so this build's read includes it.
    this.runningFloor = this.announced;
    this.buildCount++;
    this.running = this.build().finally(() => {
      this.running = null;
      void this.warmUp();
    });
    return this.running;
  }

  /**
   * Between builds, prepares what the next build would otherwise make inside a writer's wait: the
   * reach index of the current policy (dropped by a full compile, or taken by a build that was
   * not published). Stops when a build starts. Runs after every build; answers when it is over.
   */
  warmUp(): Promise<void> {
    const snapshot = this.current;
    if (!snapshot) return Promise.resolve();
    if (this.warming?.snapshot === snapshot) return this.warming.done;
    const stillWanted = () => this.current === snapshot && this.running === null;
    const warming = {
      snapshot,
      done: runInSlices(warmReachIndex(snapshot.policy, WARM_TENANTS_PER_STEP, stillWanted))
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          if (this.warming === warming) this.warming = null;
        }),
    };
    this.warming = warming;
    return warming.done;
  }

  private expiryDue(): boolean {
    const expiry = this.current?.policy.nextExpiryAt;
    return !!expiry && expiry <= this.now();
  }

  /** Rebuilds when the stored revision moved, or when a rule in force has expired since the last build. */
  async refreshIfStale(): Promise<void> {
    try {
      const revision = await this.options.loadRevision();
      if (!this.current || revision !== this.current.revision || this.expiryDue()) await this.refresh();
    } catch (error) {
      this.noteError(error);
    }
  }

  private async build(): Promise<CatalogSnapshot> {
    const started = performance.now();
    try {
      const state = await this.options.loadState();
      const loaded = performance.now();
      // What the snapshot's contractStatesChanged is relative to.
      const base = this.current;
      const { value: snapshot, longestSlice } = await runInSlices(catalogSnapshotSteps(state, this.now(), 0, base));
      const computed = performance.now();
      const revisions = await this.contractRevisions(snapshot, base);
      const settling = performance.now();
      const revised = applyContractRevisions(snapshot, revisions, base);
      keepUnchangedBodies(snapshot, this.current);
      const settled = performance.now();
      snapshot.buildMs = settled - started;
      snapshot.buildPhases = { load: loaded - started, compute: computed - loaded, settle: settled - computed };
      snapshot.longestSliceMs = Math.max(longestSlice, settled - settling);
      if (!this.current || snapshot.revision >= this.current.revision) {
        // Tenants whose contract state may differ from the snapshot replaced (null: any of them).
        const changed = base && this.current === base && snapshot.contractStatesChanged ? [...snapshot.contractStatesChanged, ...revised] : null;
        this.current = snapshot;
        for (const listener of this.publishListeners) {
          try {
            listener(snapshot, changed);
          } catch (error) {
            // A listener's failure is its own (the poll thread forwards until it is told again); the snapshot is built.
            console.error("[opencrane] a snapshot listener failed:", error);
          }
        }
      }
      this.lastError = null;
      this.armExpiry(snapshot.policy.nextExpiryAt);
      this.options.onBuilt?.(snapshot);
      return this.current;
    } catch (error) {
      this.noteError(error);
      throw error;
    }
  }

  /** Settles the snapshot's parts against `base`, the snapshot it was built from (what its changed sets are relative to). */
  private async contractRevisions(snapshot: CatalogSnapshot, base: CatalogSnapshot | null): Promise<PartRevisions> {
    // Without settling, every contract carries the snapshot's revision.
    const atSnapshot = (keys: Iterable<string>) => new Map([...keys].map((key) => [key, snapshot.revision]));
    const everyContractAtSnapshot = () => ({ tenants: atSnapshot(snapshot.contractStates.keys()), servers: atSnapshot(snapshot.serverParts.keys()) });
    if (!this.options.settleContractRevisions) return everyContractAtSnapshot();
    try {
      const parts: SnapshotParts = {
        revision: snapshot.revision,
        tenants: snapshot.contractStates,
        servers: snapshot.serverParts,
        tenantsChanged: snapshot.ownPartsChanged,
        serversChanged: snapshot.serverPartsChanged,
      };
      const previous = base && { revision: base.revision, tenants: base.contractStates, servers: base.serverParts };
      return await this.options.settleContractRevisions(parts, previous);
    } catch (error) {
      // The contracts stay correct with the snapshot's revision; only their ETags move needlessly.
      console.warn(`[opencrane] contract revisions not settled at revision ${snapshot.revision}: ${error instanceof Error ? error.message : String(error)}`);
      return everyContractAtSnapshot();
    }
  }

  /** A lapsed rule must never linger in a served contract: rebuild the moment it expires. */
  private armExpiry(at: Date | null) {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (!at) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - this.now().getTime() + 1));
    this.expiryTimer = setTimeout(() => void this.refresh().catch(() => undefined), delay);
    this.expiryTimer.unref();
  }

  private noteError(error: unknown) {
    this.lastError = { at: this.now(), message: error instanceof Error ? error.message : String(error) };
    this.options.onError?.(error);
  }

  startPolling(intervalMs: number): void {
    this.stopPolling();
    this.timer = setInterval(() => void this.refreshIfStale(), intervalMs);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.timer = null;
    this.expiryTimer = null;
  }
}
