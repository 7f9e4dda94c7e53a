import type { McpServer } from "../catalog/model";
import { hasBit } from "../policy/bits";
import { accessChangedSince, compileSteps, type CompiledPolicy, type PolicyInput, type TenantAccess } from "../policy/compile";
import { ContractFingerprints, contractServerOf, serverDigestOf, type ContractServer, type ContractTenant } from "../policy/contract";
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
import type { PartState } from "./contract-revisions";

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
  /** Per tenant: a digest of its contract's own part, and the revisions of that part and of the contract. */
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
  /**
   * The tenants whose own part was recomputed (or who are gone) since the previous snapshot: those
   * whose own revision may move. Null: compare them all. Settling the tenants' parts looks only at these.
   */
  ownPartsChanged: ReadonlySet<string> | null;
  /**
   * Per active server: its shared part of every contract allowed it unrestricted (its entry and
   * TOOLS.md section), as a digest and the revision at which that last changed. A contract's
   * revision is the latest of its own part's and these of its allowed servers (see
   * applyContractRevisions): a change to a server allowed to every tenant settles one part, not
   * one per tenant, and re-fingerprints no tenant that sees it unrestricted.
   */
  serverParts: ReadonlyMap<string, PartState>;
  /** The servers whose shared part may differ from the previous snapshot's (changed, new or gone); null: compare them all. */
  serverPartsChanged: ReadonlySet<string> | null;
  /** The active servers in full, for views rendered on demand (the MCP Registry view). */
  servers: readonly McpServer[];
  registry?: RegistryView;
  /** Registry answers rendered at this snapshot, by request (path and query); bounded. */
  registryBodies: Map<string, EncodedBody>;
  /** The previous snapshot's registry answers, reused where the bytes come out the same. */
  earlierRegistryBodies: ReadonlyMap<string, EncodedBody>;
}

export interface ContractState {
  /** A digest of the contract's own part (contractFingerprint): everything but its allowed servers' shared parts. */
  fingerprint: string;
  /** The catalog revision at which the own part last changed, as the replicas settled it. */
  ownRevision: number;
  /**
   * The catalog revision at which this tenant's contract last changed: the contract's `revision`,
   * the latest of `ownRevision` and the revisions of the shared parts of the servers it is
   * allowed unrestricted.
   */
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
  const { parts: serverParts, changed: serverPartsChanged } = serverPartStates(contractServers, state.revision, previous);
  const {
    states: contractStates,
    changed: contractStatesChanged,
    ownChanged: ownPartsChanged,
  } = yield* contractStateSteps(policy, contractServers, tenants, edited, state.revision, previous, serverPartsChanged);
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
    ownPartsChanged,
    serverParts,
    serverPartsChanged,
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

/**
 * The servers' shared parts: the previous snapshot's while the servers are the same objects, else
 * each kept while its digest is the same (a server's digest is computed once per object), new at
 * `revision` otherwise.
 */
function serverPartStates(
  servers: ReadonlyMap<string, ContractServer>,
  revision: number,
  previous: Pick<CatalogSnapshot, "contractServers" | "serverParts"> | null,
): { parts: ReadonlyMap<string, PartState>; changed: ReadonlySet<string> | null } {
  if (previous && previous.contractServers === servers) return { parts: previous.serverParts, changed: new Set() };
  const parts = new Map<string, PartState>();
  const changed = new Set<string>();
  for (const [name, server] of servers) {
    const fingerprint = serverDigestOf(server);
    const earlier = previous?.serverParts.get(name);
    if (earlier?.fingerprint === fingerprint) parts.set(name, earlier);
    else {
      parts.set(name, { fingerprint, revision });
      changed.add(name);
    }
  }
  for (const name of previous?.serverParts.keys() ?? []) if (!servers.has(name)) changed.add(name);
  return { parts, changed: previous ? changed : null };
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

/** The fingerprinter of a servers map, once per map. */
function fingerprintsOf(servers: ReadonlyMap<string, ContractServer>): ContractFingerprints {
  let fingerprints = fingerprintsByServers.get(servers);
  if (!fingerprints) fingerprintsByServers.set(servers, (fingerprints = new ContractFingerprints(servers)));
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
  /** The servers whose shared part changed (null: unknown): a server edited in no way a contract shows reaches no tenant. */
  partsChanged: ReadonlySet<string> | null = null,
): Generator<void, { states: WritableMap<string, ContractState>; changed: ReadonlySet<string> | null; ownChanged: ReadonlySet<string> | null }, void> {
  const changedServers = new Set<string>();
  if (previous && previous.contractServers !== servers) {
    for (const [name, server] of servers)
      if (previous.contractServers.get(name) !== server && (!partsChanged || partsChanged.has(name))) changedServers.add(name);
    for (const name of previous.contractServers.keys()) if (!servers.has(name)) changedServers.add(name);
  }
  const fingerprints = fingerprintsOf(servers);
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
  // that see a changed server restricted. The others allowed a changed server keep their own
  // part; their contract's revision moves with the server's shared part (applyContractRevisions).
  if (previous && accessMoved && (previous.tenants === tenants || edited)) {
    const own = new Set(accessMoved);
    for (const name of edited ?? []) own.add(name);
    const reached = new Set<string>();
    // A changed server without a slot is not published now: whoever was allowed it is among those
    // whose access moved. The others are those whose access allows a changed server; the index
    // names who may be (or, past its size bound, one pass over every tenant's bits does).
    const slots = changed.flatMap((server) => policy.serverIndex.get(server) ?? []);
    if (slots.length > 0) {
      const addIfAllowed = (name: string, access = policy.tenants.get(name)) => {
        if (!access || own.has(name) || reached.has(name)) return;
        for (const server of changed) {
          if (!sortedIncludes(access.allow, server)) continue;
          if (access.tools?.has(server)) {
            own.add(name);
            reached.delete(name);
            return;
          }
          reached.add(name);
        }
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
    const states = yield* LayeredMap.overInSteps(previous.contractStates, own.size);
    for (const name of own) {
      const access = policy.tenants.get(name);
      const info = tenants.get(name);
      if (!access || !info) states.delete(name);
      else states.set(name, { fingerprint: fingerprints.fingerprint(info, access), ownRevision: revision, revision });
      if (step(100)) yield;
    }
    for (const name of own) reached.add(name);
    return { states, changed: reached, ownChanged: own };
  }

  const states = new Map<string, ContractState>();
  for (const [name, info] of tenants) {
    const access = policy.tenants.get(name);
    if (!access) continue;
    const earlier = previous?.contractStates.get(name);
    // The earlier state's revisions are settled again (this snapshot's tenants are all compared).
    const reusable =
      earlier !== undefined &&
      previous!.policy.tenants.get(name) === access &&
      previous!.tenants.get(name) === info &&
      !(access.tools && changed.some((server) => access.tools!.has(server)));
    states.set(name, reusable ? earlier : { fingerprint: fingerprints.fingerprint(info, access), ownRevision: revision, revision });
    // A fingerprint costs about as much as a hundred reused tenants.
    if (step(reusable ? 1 : 100)) yield;
  }
  return { states, changed: null, ownChanged: null };
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

/** The settled revisions of a snapshot's parts (settleContractRevisions), by tenant and by server. */
export interface PartRevisions {
  tenants: ReadonlyMap<string, number>;
  servers: ReadonlyMap<string, number>;
}

/**
 * Sets the settled revisions of the snapshot's parts, then each contract's revision: the latest of
 * its own part's and those of the servers it is allowed unrestricted. Answers the tenants whose
 * contract revision moved. Only the tenants that may have moved are looked at (the snapshot's
 * changed tenants, those whose own revision was settled anew, and those allowed a server whose
 * part moved), unless a server's part moved that the build did not see change (a replica ahead
 * stored it): then every tenant is. A contract whose revision and own part are unchanged keeps its
 * rendered body and ETag without any copying: the body cache is keyed by both and outlives
 * snapshots (see contractBody).
 */
export function applyContractRevisions(snapshot: CatalogSnapshot, revisions: PartRevisions, previous: CatalogSnapshot | null): string[] {
  // States may be the previous snapshot's objects: replace, never change one in place.
  let serverParts = snapshot.serverParts;
  for (const [server, revision] of revisions.servers) {
    const part = serverParts.get(server);
    if (!part || part.revision === revision) continue;
    if (serverParts === previous?.serverParts) serverParts = new Map(serverParts);
    (serverParts as Map<string, PartState>).set(server, { fingerprint: part.fingerprint, revision });
  }
  snapshot.serverParts = serverParts;

  const recheck = new Set<string>();
  for (const [tenant, ownRevision] of revisions.tenants) {
    const state = snapshot.contractStates.get(tenant);
    if (!state) continue;
    recheck.add(tenant);
    if (state.ownRevision !== ownRevision) snapshot.contractStates.set(tenant, { fingerprint: state.fingerprint, ownRevision, revision: state.revision });
  }
  let everyTenant = !previous || snapshot.contractStatesChanged === null;
  // The servers whose part's revision moved since the previous snapshot, and whether each moved forward.
  const moved: { server: string; revision: number }[] = [];
  let forward = true;
  if (!everyTenant && serverParts !== previous!.serverParts) {
    const seen = snapshot.serverPartsChanged;
    for (const [server, part] of serverParts) {
      const before = previous!.serverParts.get(server);
      if (before?.revision === part.revision) continue;
      if (!seen?.has(server)) everyTenant = true;
      if (!before || part.revision < before.revision) forward = false;
      moved.push({ server, revision: part.revision });
    }
  }
  const tenants: Iterable<string> = everyTenant ? snapshot.contractStates.keys() : [...snapshot.contractStatesChanged!, ...recheck];

  let revisionBySlot: Float64Array | null = null;
  const revised: string[] = [];
  for (const tenant of tenants) {
    const state = snapshot.contractStates.get(tenant);
    const access = snapshot.policy.tenants.get(tenant);
    if (!state || !access) continue;
    let revision: number;
    if (!everyTenant && forward && state === previous!.contractStates.get(tenant)) {
      // Its own part, revision and access as before (only a changed server reached it): the
      // latest of its contract's revision then and the moved servers' it is allowed unrestricted.
      revision = state.revision;
      for (const { server, revision: at } of moved) if (at > revision && sortedIncludes(access.allow, server) && !access.tools?.has(server)) revision = at;
    } else {
      revisionBySlot ??= serverRevisionsBySlot(snapshot.policy.serverIndex, serverParts);
      revision = contractRevisionOf(state.ownRevision, access, snapshot.policy.serverIndex, revisionBySlot);
    }
    if (revision === state.revision) continue;
    snapshot.contractStates.set(tenant, { fingerprint: state.fingerprint, ownRevision: state.ownRevision, revision });
    revised.push(tenant);
  }
  return revised;
}

/** Each server's part revision at its slot in the policy's server index (0: none). */
function serverRevisionsBySlot(serverIndex: ReadonlyMap<string, number>, parts: ReadonlyMap<string, PartState>): Float64Array {
  let slots = 0;
  for (const slot of serverIndex.values()) slots = Math.max(slots, slot + 1);
  const revisions = new Float64Array(slots);
  for (const [name, slot] of serverIndex) revisions[slot] = parts.get(name)?.revision ?? 0;
  return revisions;
}

/** Per allow list (a compiled TenantAccess's, immutable): its servers' slots under one server index. */
const allowedSlots = new WeakMap<readonly string[], { serverIndex: ReadonlyMap<string, number>; slots: Int32Array }>();

/** A contract's revision: the latest of its own part's and its unrestricted allowed servers' parts'. */
function contractRevisionOf(ownRevision: number, access: TenantAccess, serverIndex: ReadonlyMap<string, number>, revisionBySlot: Float64Array): number {
  let slots = allowedSlots.get(access.allow);
  if (!slots || slots.serverIndex !== serverIndex) {
    const list = new Int32Array(access.allow.length);
    for (let i = 0; i < list.length; i++) list[i] = serverIndex.get(access.allow[i]!) ?? -1;
    allowedSlots.set(access.allow, (slots = { serverIndex, slots: list }));
  }
  const restricted = access.tools && access.tools.size > 0 ? access.tools : null;
  let revision = ownRevision;
  const list = slots.slots;
  for (let i = 0; i < list.length; i++) {
    const slot = list[i]!;
    // A server the tenant sees restricted is in its own part (contractFingerprint).
    if (slot < 0 || (restricted && restricted.has(access.allow[i]!))) continue;
    const server = revisionBySlot[slot]!;
    if (server > revision) revision = server;
  }
  return revision;
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
