import type { McpServer } from "../catalog/model";
import { hasBit } from "../policy/bits";
import { accessChangedSince, compileSteps, type CompiledPolicy, type PolicyInput, type TenantAccess } from "../policy/compile";
import { ContractFingerprints, contractServerOf, type ContractServer, type ContractTenant } from "../policy/contract";
import { renderContractBody, serverPartsOf, type ServerParts } from "../policy/contract-body";
import { encodeObotEntries, obotFeedPartsSteps } from "../formats/obot-feed";
import { registryView, type RegistryView } from "../formats/registry-view";
import { UNGOVERNED, type GovernedTools } from "../tools/governed";
import type { ContractBodyCache } from "./contract-cache";
import { EncodedBody, encodeBody, sameBody } from "./encoded-body";
import { forEachInSteps, LayeredMap, type WritableMap } from "../util/layered-map";
import { replacedInPlace, sameItems } from "../util/lists";
import { runToEnd } from "../util/steps";
import { carryReachIndex, reachIndexOf } from "./reach-index";

/** Everything the feeds serve at one catalog revision, computed once and held in memory. */
export interface CatalogSnapshot {
  revision: number;
  builtAt: Date;
  buildMs: number;
  /**
   * Where the build's time went, in ms: reading the changed rows, computing (the compile, the
   * feed and the contract fingerprints, on the event loop), and settling contract revisions.
   */
  buildPhases?: { load: number; compute: number; settle: number };
  /** The longest the build held the event loop at once, in ms: what a reader could have waited. */
  longestSliceMs?: number;
  activeServers: number;
  obotFeed: EncodedBody;
  policy: CompiledPolicy;
  contractServers: ReadonlyMap<string, ContractServer>;
  tenants: ReadonlyMap<string, ContractTenant>;
  /** The tenants as the state listed them: the next build tells from it what changed. */
  tenantList: readonly ContractTenant[];
  /** Whether a tenant of the previous snapshot may be gone (true without one): remembered tokens of gone tenants are dropped then. */
  tenantsMayBeGone: boolean;
  /** Per tenant: a digest of its contract's inputs, and the revision at which they last changed. */
  /**
   * Layered over the previous snapshot's (see LayeredMap) when few tenants changed: copying
   * 10,000 entries per build made half a megabyte of large-object garbage each time.
   */
  contractStates: WritableMap<string, ContractState>;
  /**
   * The tenants whose contract state may differ from the previous snapshot's (recomputed, or
   * gone); every other tenant's state is the previous snapshot's object. Null: compare them all.
   * Settling contract revisions looks only at these.
   */
  contractStatesChanged: ReadonlySet<string> | null;
  /** The active servers in full, for views rendered on demand (the MCP Registry view). */
  servers: readonly McpServer[];
  registry?: RegistryView;
  /** Registry answers rendered at this snapshot, by request (path and query); bounded. */
  registryBodies: Map<string, EncodedBody>;
  /** The previous snapshot's registry answers, reused where the bytes come out the same. */
  earlierRegistryBodies: ReadonlyMap<string, EncodedBody>;
}

export interface ContractState {
  fingerprint: string;
  /** The catalog revision at which this tenant's contract last changed: the contract's `revision`. */
  revision: number;
}

export interface CatalogState {
  revision: number;
  /**
   * Active servers, in full: the Obot feed and the contracts describe them. Tool governance
   * (DESIGN §11) is applied: a server that tool drift suspends is left out, and a governed
   * server's tool preview lists its effective tools (tools/governed.ts servedServer).
   */
  servers: McpServer[];
  /**
   * The governed tools of those servers that have a manifest, by name (absent: none known). A
   * server whose tools change is a new object in `servers` (the catalog mirror reloads it), so
   * what is derived from a server object may be kept while the object is the same.
   */
  tools?: ReadonlyMap<string, GovernedTools>;
  policy: PolicyInput;
  tenants: ContractTenant[];
}

/**
 * The snapshot of a catalog state. Every contract's revision starts as the snapshot's own;
 * settleContractRevisions() then keeps the earlier revision of each contract that did not change.
 *
 * Given the previous snapshot, only what changed is recomputed: the compiler recompiles what the
 * changed rows can reach, and the feed and contract fingerprints are reused where their inputs are
 * the same objects (the catalog mirror keeps unchanged rows as the same objects). The result is
 * the same as building from nothing.
 */
export function buildCatalogSnapshot(state: CatalogState, builtAt: Date, buildMs = 0, previous: CatalogSnapshot | null = null): CatalogSnapshot {
  return runToEnd(catalogSnapshotSteps(state, builtAt, buildMs, previous));
}

/**
 * buildCatalogSnapshot in steps of bounded work: the server runs a build between requests
 * (SnapshotStore yields to the event loop between steps), so no feed, contract or health request
 * waits for a whole build. Pure: the same steps run to completion give buildCatalogSnapshot's result.
 */
export function* catalogSnapshotSteps(
  state: CatalogState,
  builtAt: Date,
  buildMs = 0,
  previous: CatalogSnapshot | null = null,
): Generator<void, CatalogSnapshot, void> {
  const active = state.servers.filter((s) => s.status === "active");
  const policy = yield* compileSteps(state.policy, builtAt, previous?.policy);
  const sameServers = previous !== null && sameItems(previous.servers, active);
  if (!sameServers) yield* encodeObotEntries(active);
  const governed = state.tools ?? new Map<string, GovernedTools>();
  const contractServers = sameServers
    ? previous.contractServers
    : new Map(active.map((s) => [s.name, contractServerOfMemo(s, governed.get(s.name) ?? UNGOVERNED)]));
  yield;
  const { tenants, edited, mayBeGone } = yield* tenantsOf(state.tenants, previous);
  yield;
  const obotFeed = sameServers ? previous.obotFeed : yield* obotFeedBody(active);
  yield;
  const { states: contractStates, changed: contractStatesChanged } = yield* contractStateSteps(
    policy,
    contractServers,
    tenants,
    edited,
    state.revision,
    previous,
  );
  return {
    revision: state.revision,
    builtAt,
    buildMs,
    activeServers: active.length,
    obotFeed,
    policy,
    contractServers,
    tenants,
    tenantList: state.tenants,
    tenantsMayBeGone: mayBeGone,
    contractStates,
    contractStatesChanged,
    servers: sameServers ? previous.servers : active,
    registryBodies: new Map(),
    earlierRegistryBodies: new Map(),
  };
}

/** The feed's validator now, its bytes when first fetched (a build superseded first never copies them). */
function* obotFeedBody(active: readonly McpServer[]): Generator<void, EncodedBody, void> {
  const { length, hash, assemble, parts } = yield* obotFeedPartsSteps(active);
  yield;
  return EncodedBody.deferred(length, hash, assemble, parts);
}

/**
 * The tenants by name: the previous snapshot's map while the list holds the same objects, that map
 * layered with the edited tenants when only some were edited in place (`edited`), else a new map.
 */
function* tenantsOf(
  list: readonly ContractTenant[],
  previous: CatalogSnapshot | null,
): Generator<void, { tenants: ReadonlyMap<string, ContractTenant>; edited: ReadonlySet<string> | null; mayBeGone: boolean }, void> {
  if (previous && sameItems(previous.tenantList, list)) return { tenants: previous.tenants, edited: null, mayBeGone: false };
  const replaced = previous ? replacedInPlace(previous.tenantList, list, (t) => t.name) : null;
  if (!previous || !replaced) return { tenants: new Map(list.map((t) => [t.name, t])), edited: null, mayBeGone: true };
  const tenants = yield* LayeredMap.overInSteps(previous.tenants, replaced.length);
  for (const tenant of replaced) tenants.set(tenant.name, tenant);
  return { tenants, edited: new Set(replaced.map((t) => t.name)), mayBeGone: false };
}

const contractServers = new WeakMap<McpServer, { governed: GovernedTools; contract: ContractServer }>();

function contractServerOfMemo(server: McpServer, governed: GovernedTools): ContractServer {
  const memo = contractServers.get(server);
  if (memo && memo.governed === governed) return memo.contract;
  const contract = contractServerOf(server, governed);
  contractServers.set(server, { governed, contract });
  return contract;
}

/**
 * Every tenant's contract fingerprint: the per-snapshot cost of knowing whose contract changed.
 * With the previous snapshot, a tenant whose access, details and allowed servers are the same
 * objects as then keeps its fingerprint.
 */
export function contractStatesOf(
  policy: CompiledPolicy,
  servers: ReadonlyMap<string, ContractServer>,
  tenants: ReadonlyMap<string, ContractTenant>,
  revision: number,
  previous: Pick<CatalogSnapshot, "policy" | "contractServers" | "tenants" | "contractStates"> | null = null,
): WritableMap<string, ContractState> {
  return runToEnd(contractStateSteps(policy, servers, tenants, null, revision, previous)).states;
}

const fingerprintsByServers = new WeakMap<ReadonlyMap<string, ContractServer>, ContractFingerprints>();

/**
 * The fingerprinter of a servers map under a server index, once per pair: made from the previous
 * snapshot's by rewriting the changed servers' digests when the slots are the same.
 */
function fingerprintsOf(
  servers: ReadonlyMap<string, ContractServer>,
  serverIndex: ReadonlyMap<string, number>,
  previousServers: ReadonlyMap<string, ContractServer> | null,
  changed: ReadonlySet<string>,
): ContractFingerprints {
  const kept = fingerprintsByServers.get(servers);
  if (kept?.indexes(serverIndex)) return kept;
  const earlier = previousServers ? (fingerprintsByServers.get(previousServers) ?? null) : null;
  const fingerprints = new ContractFingerprints(servers, serverIndex, earlier, changed);
  fingerprintsByServers.set(servers, fingerprints);
  return fingerprints;
}

/**
 * Work between two yields of a build: 10 tenants fingerprinted, or 1,000 reused. A yield only
 * marks where the build may pause (runInSlices pauses once a slice has used SLICE_MS), so
 * frequent ones cost next to nothing; rare ones let a step overrun the slice: at 10,000 tenants a
 * tenant allowed ~100 servers takes ~0.1 ms to fingerprint, and 50 of them held the loop 5–16 ms.
 */
const WORK_PER_STEP = 1_000;
/** Tenants looked at between two yields when finding those a changed server can reach (~0.2 ms). */
const TENANTS_CHECKED_PER_STEP = 1_000;

function* contractStateSteps(
  policy: CompiledPolicy,
  servers: ReadonlyMap<string, ContractServer>,
  tenants: ReadonlyMap<string, ContractTenant>,
  edited: ReadonlySet<string> | null,
  revision: number,
  previous: Pick<CatalogSnapshot, "policy" | "contractServers" | "tenants" | "contractStates"> | null,
): Generator<void, { states: WritableMap<string, ContractState>; changed: ReadonlySet<string> | null }, void> {
  const changedServers = new Set<string>();
  if (previous && previous.contractServers !== servers) {
    for (const [name, server] of servers) if (previous.contractServers.get(name) !== server) changedServers.add(name);
    for (const name of previous.contractServers.keys()) if (!servers.has(name)) changedServers.add(name);
  }
  const fingerprints = fingerprintsOf(servers, policy.serverIndex, previous?.contractServers ?? null, changedServers);
  const changed = [...changedServers];
  let work = 0;
  const step = (cost: number) => {
    work += cost;
    if (work < WORK_PER_STEP) return false;
    work = 0;
    return true;
  };

  // Keep the index of who may be allowed each server in step with the policy (reach-index.ts).
  const accessMoved = previous ? accessChangedSince(policy, previous.policy) : null;
  if (previous) carryReachIndex(previous.policy, policy, accessMoved);

  // The same tenants (or some edited in place), and the compiler knows whose access moved: start
  // from the previous states and fingerprint only those tenants, the edited ones and the ones
  // allowed a changed server.
  if (previous && accessMoved && (previous.tenants === tenants || edited)) {
    const candidates = new Set(accessMoved);
    for (const name of edited ?? []) candidates.add(name);
    // A changed server without a slot is not published now: whoever was allowed it is among those
    // whose access moved. The others are those whose access allows a changed server; the index
    // names who may be (or, past its size bound, one pass over every tenant's bits does).
    const slots = changed.flatMap((server) => policy.serverIndex.get(server) ?? []);
    if (slots.length > 0) {
      const addIfAllowed = (name: string, access = policy.tenants.get(name)) => {
        if (access && !candidates.has(name) && changed.some((server) => sortedIncludes(access.allow, server))) candidates.add(name);
      };
      const index = yield* reachIndexOf(policy, TENANTS_CHECKED_PER_STEP);
      if (index) index.forEachReaching(slots, (name) => addIfAllowed(name));
      else
        yield* forEachInSteps(
          policy.tenants,
          (access, name) => {
            if (mayBeAllowedAny(access, slots)) addIfAllowed(name, access);
          },
          TENANTS_CHECKED_PER_STEP,
        );
    }
    yield;
    const states = yield* LayeredMap.overInSteps(previous.contractStates, candidates.size);
    for (const name of candidates) {
      const access = policy.tenants.get(name);
      const info = tenants.get(name);
      if (!access || !info) states.delete(name);
      else states.set(name, { fingerprint: fingerprints.fingerprint(info, access), revision });
      if (step(100)) yield;
    }
    return { states, changed: candidates };
  }

  const states = new Map<string, ContractState>();
  for (const [name, info] of tenants) {
    const access = policy.tenants.get(name);
    if (!access) continue;
    const earlier = previous?.contractStates.get(name);
    const reusable =
      earlier !== undefined &&
      previous!.policy.tenants.get(name) === access &&
      previous!.tenants.get(name) === info &&
      !changed.some((server) => sortedIncludes(access.allow, server));
    states.set(name, { fingerprint: reusable ? earlier.fingerprint : fingerprints.fingerprint(info, access), revision });
    // A fingerprint costs about as much as a hundred reused tenants.
    if (step(reusable ? 1 : 100)) yield;
  }
  return { states, changed: null };
}

/**
 * Whether the tenant may be allowed a server at one of `slots`: an allow of its own or of a rule
 * names it (TenantAccess.allow is a subset: a deny can still win). A superset costs only a
 * fingerprint that comes out the same.
 */
function mayBeAllowedAny(access: TenantAccess, slots: readonly number[]): boolean {
  for (const slot of slots) if (hasBit(access.ruleAllow, slot) || hasBit(access.overrideAllow, slot)) return true;
  return false;
}

/** Whether `name` is in `names`, which is in byte order (a TenantAccess list): a binary search. */
function sortedIncludes(names: readonly string[], name: string): boolean {
  let low = 0;
  let high = names.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = names[middle]!;
    if (at === name) return true;
    if (at < name) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * Sets each contract's revision, and answers the tenants whose revision moved. A contract whose revision and inputs are unchanged keeps its
 * rendered body and ETag without any copying: the body cache is keyed by both and outlives
 * snapshots (see contractBody).
 */
export function applyContractRevisions(snapshot: CatalogSnapshot, revisions: ReadonlyMap<string, number>): string[] {
  const revised: string[] = [];
  // States may be the previous snapshot's objects: replace, never change one in place.
  for (const [tenant, revision] of revisions) {
    const state = snapshot.contractStates.get(tenant);
    if (state && state.revision !== revision) {
      snapshot.contractStates.set(tenant, { fingerprint: state.fingerprint, revision });
      revised.push(tenant);
    }
  }
  return revised;
}

/**
 * Bodies whose bytes did not change keep the previous snapshot's object: the same ETag and the
 * compressed forms already made. (A contract keeps its body in the contract body cache: its bytes
 * are a function of its fingerprint and revision.)
 */
export function keepUnchangedBodies(snapshot: CatalogSnapshot, previous: CatalogSnapshot | null): void {
  snapshot.obotFeed = sameBody(snapshot.obotFeed, previous?.obotFeed);
  // Only the previous snapshot's own map: older snapshots stay collectable.
  if (previous) snapshot.earlierRegistryBodies = previous.registryBodies;
}

/** Enough for the pages and lookups Obot and dashboards poll; one-off searches are not kept. */
const REGISTRY_BODIES_KEPT = 256;

/** A registry answer at this snapshot, encoded once per request key and carried over while unchanged. */
export function registryBody(snapshot: CatalogSnapshot, key: string, render: () => string): EncodedBody {
  const cached = snapshot.registryBodies.get(key);
  if (cached) return cached;
  const body = sameBody(encodeBody(render()), snapshot.earlierRegistryBodies.get(key));
  if (snapshot.registryBodies.size < REGISTRY_BODIES_KEPT) snapshot.registryBodies.set(key, body);
  return body;
}

/** The MCP Registry view's entries at this snapshot, rendered once. */
export function registryViewOf(snapshot: CatalogSnapshot, namespace: string): RegistryView {
  snapshot.registry ??= registryView(snapshot.servers, namespace);
  return snapshot.registry;
}

/**
 * The strong validator of a tenant's contract: its bytes are a function of the contract's
 * fingerprint and revision, so the ETag is known without rendering the body (a 304 renders nothing).
 */
export function contractValidator(state: ContractState): string {
  return `${state.fingerprint}_${state.revision}`;
}

/** Each server's shared contract parts, rendered once per server object (a snapshot's servers are immutable). */
const partsByServer = new WeakMap<ContractServer, ServerParts>();

function sharedParts(server: ContractServer): ServerParts {
  let parts = partsByServer.get(server);
  if (!parts) partsByServer.set(server, (parts = serverPartsOf(server)));
  return parts;
}

/**
 * The tenant's contract body at this snapshot, or null for an unknown tenant: from `cache` while
 * the tenant's fingerprint and revision are those it was rendered at, else rendered (from the
 * servers' shared parts) and cached.
 */
export function contractBody(snapshot: CatalogSnapshot, cache: ContractBodyCache, tenant: string): EncodedBody | null {
  const access = snapshot.policy.tenants.get(tenant);
  const info = snapshot.tenants.get(tenant);
  const state = snapshot.contractStates.get(tenant);
  if (!access || !info || !state) return null;
  const cached = cache.get(tenant, state.fingerprint, state.revision);
  if (cached) return cached;
  const body = new EncodedBody(renderContractBody(info, access, snapshot.contractServers, state.revision, sharedParts), contractValidator(state));
  cache.set(tenant, state.fingerprint, state.revision, body);
  return body;
}
