import type { McpServer } from "../catalog/model";
import { compilePolicy, type CompiledPolicy, type PolicyInput } from "../policy/compile";
import {
  contractFingerprint,
  contractServerDigest,
  renderTenantContract,
  type ContractServer,
  type ContractTenant,
} from "../policy/contract";
import { registryView, type RegistryView } from "../formats/registry-view";
import { encodeBody, type EncodedBody } from "./encoded-body";
import { renderObotFeed } from "./obot-feed";

/** Everything the feeds serve at one catalog revision, computed once and held in memory. */
export interface CatalogSnapshot {
  revision: number;
  builtAt: Date;
  buildMs: number;
  activeServers: number;
  obotFeed: EncodedBody;
  policy: CompiledPolicy;
  contractServers: ReadonlyMap<string, ContractServer>;
  tenants: ReadonlyMap<string, ContractTenant>;
  /** Per tenant: a digest of its contract's inputs, and the revision at which they last changed. */
  contractStates: Map<string, ContractState>;
  /** Contract bodies, rendered on first request per tenant and kept (or carried over) per snapshot. */
  contracts: Map<string, EncodedBody>;
  /** The active servers in full, for views rendered on demand (the MCP Registry view). */
  servers: readonly McpServer[];
  registry?: RegistryView;
}

export interface ContractState {
  fingerprint: string;
  /** The catalog revision at which this tenant's contract last changed: the contract's `revision`. */
  revision: number;
}

export interface CatalogState {
  revision: number;
  /** Active servers, in full: the Obot feed and the contracts describe them. */
  servers: McpServer[];
  policy: PolicyInput;
  tenants: ContractTenant[];
}

export function contractServerOf(server: McpServer): ContractServer {
  return {
    name: server.name,
    displayName: server.displayName,
    shortDescription: server.shortDescription,
    transport: server.transport,
    endpoint: server.endpoint,
    tools: server.toolPreview.map((t) => t.name),
  };
}

/**
 * The snapshot of a catalog state. Every contract's revision starts as the snapshot's own;
 * settleContractRevisions() then keeps the earlier revision of each contract that did not change.
 */
export function buildCatalogSnapshot(state: CatalogState, builtAt: Date, buildMs = 0): CatalogSnapshot {
  const active = state.servers.filter((s) => s.status === "active");
  const policy = compilePolicy(state.policy, builtAt);
  const contractServers = new Map(active.map((s) => [s.name, contractServerOf(s)]));
  const tenants = new Map(state.tenants.map((t) => [t.name, t]));
  return {
    revision: state.revision,
    builtAt,
    buildMs,
    activeServers: active.length,
    obotFeed: encodeBody(renderObotFeed(active)),
    policy,
    contractServers,
    tenants,
    contractStates: contractStatesOf(policy, contractServers, tenants, state.revision),
    contracts: new Map(),
    servers: active,
  };
}

/** Every tenant's contract fingerprint: the per-snapshot cost of knowing whose contract changed. */
export function contractStatesOf(
  policy: CompiledPolicy,
  contractServers: ReadonlyMap<string, ContractServer>,
  tenants: ReadonlyMap<string, ContractTenant>,
  revision: number,
): Map<string, ContractState> {
  const serverDigests = new Map([...contractServers].map(([name, server]) => [name, contractServerDigest(server)]));
  const states = new Map<string, ContractState>();
  for (const [name, info] of tenants) {
    const access = policy.tenants.get(name);
    if (access) states.set(name, { fingerprint: contractFingerprint(info, access, serverDigests), revision });
  }
  return states;
}

/** Sets each contract's revision; a contract whose revision and inputs are unchanged keeps its rendered body. */
export function applyContractRevisions(
  snapshot: CatalogSnapshot,
  revisions: ReadonlyMap<string, number>,
  previous: CatalogSnapshot | null,
): void {
  for (const [tenant, state] of snapshot.contractStates) {
    state.revision = revisions.get(tenant) ?? snapshot.revision;
    const before = previous?.contractStates.get(tenant);
    const body = previous?.contracts.get(tenant);
    if (body && before && before.fingerprint === state.fingerprint && before.revision === state.revision) {
      snapshot.contracts.set(tenant, body);
    }
  }
}

/** The MCP Registry view's entries at this snapshot, rendered once. */
export function registryViewOf(snapshot: CatalogSnapshot, namespace: string): RegistryView {
  snapshot.registry ??= registryView(snapshot.servers, namespace);
  return snapshot.registry;
}

/** The tenant's contract body at this snapshot, or null for an unknown tenant. */
export function contractBody(snapshot: CatalogSnapshot, tenant: string): EncodedBody | null {
  const cached = snapshot.contracts.get(tenant);
  if (cached) return cached;
  const access = snapshot.policy.tenants.get(tenant);
  const info = snapshot.tenants.get(tenant);
  if (!access || !info) return null;
  const revision = snapshot.contractStates.get(tenant)?.revision ?? snapshot.revision;
  const body = encodeBody(JSON.stringify(renderTenantContract(info, access, snapshot.contractServers, revision)));
  snapshot.contracts.set(tenant, body);
  return body;
}

export interface SnapshotStoreOptions {
  loadState: () => Promise<CatalogState>;
  loadRevision: () => Promise<number>;
  /**
   * Records the snapshot's contract fingerprints and answers each contract's revision: the one
   * all replicas agree on. Without it, every contract carries the snapshot's revision.
   */
  settleContractRevisions?: (revision: number, states: ReadonlyMap<string, ContractState>) => Promise<ReadonlyMap<string, number>>;
  onBuilt?: (snapshot: CatalogSnapshot) => void;
  onError?: (error: unknown) => void;
  now?: () => Date;
}

/** setTimeout's longest delay; later expiries are re-armed by the periodic check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Holds the current snapshot. Requests only read `current`; rebuilds happen when a local write
 * commits, when another replica's NOTIFY arrives, when the periodic check sees a new revision,
 * and at the moment a rule expires. If the database is unreachable the last good snapshot stays.
 */
export class SnapshotStore {
  current: CatalogSnapshot | null = null;
  lastError: { at: Date; message: string } | null = null;
  private running: Promise<CatalogSnapshot> | null = null;
  private queued: Promise<CatalogSnapshot> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: SnapshotStoreOptions) {}

  private now() {
    return this.options.now?.() ?? new Date();
  }

  /** Rebuilds from the database; concurrent callers share one build that starts after their call. */
  refresh(): Promise<CatalogSnapshot> {
    if (!this.running) {
      this.running = this.build().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.refresh();
      });
    return this.queued;
  }

  /** Rebuilds when the stored revision moved, or when a rule in force has expired since the last build. */
  async refreshIfStale(): Promise<void> {
    try {
      const revision = await this.options.loadRevision();
      const expiry = this.current?.policy.nextExpiryAt;
      if (!this.current || revision !== this.current.revision || (expiry && expiry <= this.now())) await this.refresh();
    } catch (error) {
      this.noteError(error);
    }
  }

  private async build(): Promise<CatalogSnapshot> {
    const started = performance.now();
    try {
      const state = await this.options.loadState();
      const snapshot = buildCatalogSnapshot(state, this.now(), 0);
      applyContractRevisions(snapshot, await this.contractRevisions(snapshot), this.current);
      snapshot.buildMs = performance.now() - started;
      if (!this.current || snapshot.revision >= this.current.revision) this.current = snapshot;
      this.lastError = null;
      this.armExpiry(snapshot.policy.nextExpiryAt);
      this.options.onBuilt?.(snapshot);
      return this.current;
    } catch (error) {
      this.noteError(error);
      throw error;
    }
  }

  private async contractRevisions(snapshot: CatalogSnapshot): Promise<ReadonlyMap<string, number>> {
    if (!this.options.settleContractRevisions) return new Map();
    try {
      return await this.options.settleContractRevisions(snapshot.revision, snapshot.contractStates);
    } catch (error) {
      // The contracts stay correct with the snapshot's revision; only their ETags move needlessly.
      console.warn(`[opencrane] contract revisions not settled at revision ${snapshot.revision}: ${error instanceof Error ? error.message : String(error)}`);
      return new Map();
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
