/**
 * The policy compiler: a pure function from (servers, tenants, groups, rules, now) to an immutable
 * snapshot of who may use which active server, and why. Every consumer of a grant decision (the
 * Obot feed, tenant contracts, TOOLS.md, the in-pod library via the contract) reads this.
 *
 * For tenant t and server s (DESIGN §4):
 *   1. s not active                         → not published
 *   2. t.mcpPolicy.deny matches s           → deny   (always wins)
 *   3. t.mcpPolicy.allow matches s          → allow
 *   4. a deny rule covering t matches s     → deny
 *   5. an allow rule covering t matches s   → allow  (only where s's scope may be granted to the rule's subject)
 *   6. otherwise                            → deny   (default)
 *
 * A `personal` server belongs to its owner tenant: no allow of any tier (a tenant's own allow
 * list, a glob, a rule for another tenant) grants it to anyone else, and one without an owner to
 * nobody. Such allows are reported, never applied.
 */
import picomatch from "picomatch";
import type { Scope, ServerStatus } from "../catalog/model";
import { and, hasBit, isEmpty, orInto, setBit, type Bits } from "./bits";
import { isToolPattern, READ_ONLY_SELECTOR, splitPattern, type Access, type McpPolicy, type Subject } from "./model";
import { LayeredMap, type WritableMap } from "../util/layered-map";
import { listChanges, replacedInPlace, sameItems } from "../util/lists";
import { runToEnd } from "../util/steps";

/** A tool a server may expose (DESIGN §11): pinned, and not withheld by tool drift. */
export interface PolicyTool {
  name: string;
  /** The pinned definition's `annotations.readOnlyHint === true` (what `server/@read-only` selects). */
  readOnly: boolean;
}

export interface PolicyServer {
  name: string;
  scope: Scope;
  status: ServerStatus;
  /** The one tenant a `personal` server may be granted to; null (or absent) for other scopes. */
  ownerTenant?: string | null;
  /**
   * The tools the server may expose (its pinned manifest less what tool drift withholds), in
   * byte order; null (or absent) when no manifest is known, and the server-level decision stands
   * alone. Tool-level patterns (`server/tool-glob`, `server/@read-only`) decide among these.
   */
  tools?: readonly PolicyTool[] | null;
}

export interface PolicyTenant {
  name: string;
  labels: Record<string, string>;
  mcpPolicy: McpPolicy;
}

export interface PolicyGroup {
  name: string;
  members: readonly string[];
}

export interface PolicyRule {
  id: string;
  /** What people call the rule; inputs built by hand may leave it out, and the id stands in. */
  name?: string;
  subject: Subject;
  servers: string;
  access: Access;
  expiresAt: Date | null;
}

export interface PolicyInput {
  servers: readonly PolicyServer[];
  tenants: readonly PolicyTenant[];
  groups: readonly PolicyGroup[];
  rules: readonly PolicyRule[];
}

export type Tier = 1 | 2 | 3 | 4 | 5 | 6;

export const TIER_NAMES: Record<Tier, string> = {
  1: "not published",
  2: "tenant override deny",
  3: "tenant override allow",
  4: "deny rule",
  5: "allow rule",
  6: "default deny",
};

export interface TenantAccess {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** The tenant's own override (tiers 2 and 3), as given. */
  mcpPolicy: McpPolicy;
  /** Active servers the tenant may use, by name. */
  allow: readonly string[];
  /** Active servers denied by an explicit deny (tier 2 or 4), by name. */
  deny: readonly string[];
  /**
   * Active servers the tenant's own allow list matches but that it can never be granted (another
   * tenant's personal server, or one without an owner), by name: the pod must not let its copy
   * of the allow list enable them either.
   */
  reserved: readonly string[];
  /**
   * Per active server on which a tool-level pattern decided something for this tenant (DESIGN
   * §11): the tools allowed and the tools explicitly denied (tiers 2 and 4), each in byte order.
   * A server allowed with no entry here exposes every one of its tools; one with an entry exposes
   * only `allow`. Servers without tool-level decisions have no entry.
   */
  tools: ReadonlyMap<string, ToolAccess>;
  /** Whole-server patterns only (tool-qualified ones decide per tool, in `tools`). */
  overrideDeny: Bits;
  /** The tenant's own allow list's servers, less `reserved`. */
  overrideAllow: Bits;
  ruleDeny: Bits;
  ruleAllow: Bits;
  /**
   * The servers a tool-qualified pattern in force for this tenant names (its override entries,
   * less reserved servers, and the rules covering it): where `tools` may have an entry.
   */
  toolReach: Bits;
}

export interface ToolAccess {
  allow: readonly string[];
  deny: readonly string[];
  /**
   * The deciding tier (2-6) of each of the server's tools, one digit each, in the order of
   * `CompiledPolicy.serverTools` (the compiler always sets it).
   */
  tiers?: string;
}

const NO_TOOL_DECISIONS: ReadonlyMap<string, ToolAccess> = new Map();

export interface DeadRule {
  ruleId: string;
  ruleName: string;
  reason: string;
}

export interface PolicyReport {
  /** Rules that cannot change any decision, with why. */
  deadRules: DeadRule[];
  /** Patterns (in rules or tenant overrides) that match servers which are not active yet. */
  unpublishedMatches: { pattern: string; usedBy: string[]; servers: string[] }[];
  /** Allow rules that match servers their subject may not be granted (scope), with those servers. */
  scopeExcluded: { ruleId: string; ruleName: string; servers: string[]; reason: string }[];
  /** Rules past their expiry: kept, but they no longer apply. */
  expiredRules: string[];
  /** Tenants whose own allow list matches personal servers it cannot grant them, with those servers. */
  overrideExcluded: { tenant: string; servers: string[]; reason: string }[];
  /** Active personal servers without an owner tenant: nobody can be granted them. */
  ownerlessPersonal: string[];
}

export interface CompiledPolicy {
  compiledAt: Date;
  /** Active server names in byte order; bit i of every set is servers[i]. */
  servers: readonly string[];
  serverIndex: ReadonlyMap<string, number>;
  scopes: ReadonlyMap<string, Scope>;
  /** The owner tenant of each active personal server (null: none). */
  owners: ReadonlyMap<string, string | null>;
  tenants: ReadonlyMap<string, TenantAccess>;
  /** Rules in force (not expired), in the order given (the store gives creation order). */
  rules: readonly PolicyRule[];
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>;
  /** When the next rule expires: the snapshot must be rebuilt then. */
  nextExpiryAt: Date | null;
  report: PolicyReport;
  /** Tenant overrides may also name the scope-restricted servers; kept for explain. */
  ruleServerBits: readonly Bits[];
  /** The tools of each active server with a known, non-empty tool list (PolicyServer.tools). */
  serverTools: ReadonlyMap<string, readonly PolicyTool[]>;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const matcherCache = new Map<string, (name: string) => boolean>();

function globMatches(glob: string, name: string): boolean {
  if (!/[*?]/.test(glob)) return glob === name;
  let matcher = matcherCache.get(glob);
  if (!matcher) {
    matcher = picomatch(glob, { nobrace: true, noextglob: true, noglobstar: true, nonegate: true, dot: true });
    if (matcherCache.size > 10_000) matcherCache.clear();
    matcherCache.set(glob, matcher);
  }
  return matcher(name);
}

/**
 * Whether a server name matches a pattern's server part (only `*` and `?` are wildcards): for
 * `github/create_*`, whether the server is `github`. Which of its tools it names is toolMatches.
 */
export function patternMatches(pattern: string, name: string): boolean {
  const { server } = splitPattern(pattern);
  return server === pattern ? globMatches(pattern, name) : globMatches(server, name);
}

/**
 * Whether a pattern covers a tool of a server its server part matches: every tool when it has
 * no tool part, the read-only ones for `@read-only`, else those whose name matches its glob.
 */
export function toolMatches(pattern: string, tool: PolicyTool): boolean {
  const part = splitPattern(pattern).tool;
  if (part === null) return true;
  if (part === READ_ONLY_SELECTOR) return tool.readOnly;
  return globMatches(part, tool.name);
}

/** Which scopes an allow rule for this kind of subject may grant (DESIGN §4). */
export function grantableScopes(subject: Subject["type"]): readonly Scope[] {
  switch (subject) {
    case "everyone":
      return ["org"];
    case "group":
    case "selector":
      return ["org", "department", "project"];
    case "tenant":
      return ["org", "department", "project", "personal"];
  }
}

export function scopeRefusal(subject: Subject["type"], scope: Scope): string | null {
  if (grantableScopes(subject).includes(scope)) return null;
  switch (scope) {
    case "personal":
      return "personal servers can be granted to single tenants only";
    default:
      return `${scope} servers can be granted to groups, label selectors or tenants, not to everyone`;
  }
}

/**
 * Why an allow for this subject cannot grant this server (DESIGN §4 scope, and a personal
 * server's owner), or null when it can. Denying is always possible.
 */
export function grantRefusal(subject: Subject, server: { scope: Scope; ownerTenant?: string | null | undefined }): string | null {
  const byScope = scopeRefusal(subject.type, server.scope);
  if (byScope) return byScope;
  if (server.scope !== "personal" || subject.type !== "tenant") return null;
  return ownerRefusal(subject.name, server.ownerTenant ?? null);
}

/** Why tenant `tenant` cannot be granted a personal server owned by `owner`, or null when it can. */
export function ownerRefusal(tenant: string, owner: string | null): string | null {
  if (owner === null) return "it is a personal server without an owner tenant, so nobody can be granted it until an admin sets one";
  if (owner !== tenant) return `it is the personal server of tenant ${owner}, and only its owner can be granted it`;
  return null;
}

export function subjectCovers(subject: Subject, tenant: PolicyTenant, groupMembers: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  switch (subject.type) {
    case "everyone":
      return true;
    case "tenant":
      return subject.name === tenant.name;
    case "group":
      return groupMembers.get(subject.name)?.has(tenant.name) ?? false;
    case "selector":
      return Object.entries(subject.matchLabels).every(([k, v]) => tenant.labels[k] === v);
  }
}

// ---------------------------------------------------------------------------------------------
// Compiling, from scratch or from the previous compile
//
// A compile keeps what it computed on the way (per pattern, rule, subject and tenant) beside its
// result. Given the previous result, compilePolicy() diffs the inputs by object identity (the
// snapshot's in-memory catalog keeps unchanged rows as the same objects) and recomputes only what
// a change can reach: a rule's subject bounds the tenants it can affect, a server's name the
// patterns it can match. Everything else, each tenant's TenantAccess included, is shared with the
// previous result, which stays valid: nothing computed is ever mutated.
//
// Bit positions are slots. A fresh compile gives active servers slots in byte order; a later
// compile gives a newly published server a free slot (or the next one) and frees an unpublished
// server's, so nothing else moves. A fresh compile leaves spare capacity; when it runs out, or
// most of the world changed, the compile starts afresh. Either way the results are equal.

interface Fold {
  subject: Subject;
  /** What the subject's whole-server rules deny and allow. */
  deny: Bits;
  allow: Bits;
  /** The subject's tool-qualified rules, and the servers they can reach (their effects). */
  toolRules: readonly PolicyRule[];
  tools: Bits;
}

interface Indexed {
  /** The lists given, to tell next time whether a list is the same. */
  lists: PolicyInput;
  servers: ReadonlyMap<string, PolicyServer>;
  tenants: ReadonlyMap<string, PolicyTenant>;
  groups: ReadonlyMap<string, PolicyGroup>;
  /** Every rule, expired or not, by id. */
  rules: ReadonlyMap<string, PolicyRule>;
  /** Rules in force, in the order given. */
  inForce: readonly PolicyRule[];
  expired: readonly string[];
  /** The time the rules were split into in force and expired at, and the first expiry among those in force then. */
  splitAt: number;
  nextExpiryAt: Date | null;
}

interface Engine {
  input: Indexed;
  words: number;
  slots: readonly (string | null)[];
  freeSlots: readonly number[];
  /** Whether slot order is byte order, so set bits list names already sorted. */
  ordered: boolean;
  serverIndex: ReadonlyMap<string, number>;
  patterns: ReadonlyMap<string, Bits>;
  scopeBits: ReadonlyMap<Subject["type"], Bits>;
  personal: Bits;
  owned: ReadonlyMap<string, Bits>;
  ruleEffect: ReadonlyMap<string, Bits>;
  /** Rule ids in force per subject key. */
  subjectRules: ReadonlyMap<string, readonly string[]>;
  folds: ReadonlyMap<string, Fold>;
  /** Selector subject keys by one of their label pairs (`key\0value`): a tenant needs only check those of its labels. */
  selectorsByLabel: ReadonlyMap<string, readonly string[]>;
  memberOf: ReadonlyMap<string, readonly string[]>;
}

const engines = new WeakMap<CompiledPolicy, Engine>();

/** Above this share of tenants to recompute, or this many servers changed, a fresh compile is as cheap. */
const REUSE_MAX_SERVER_CHANGES = 64;
const SPARE_SLOTS = (active: number) => Math.max(64, Math.ceil(active / 8));

/**
 * Compiles the policy. With `previous` (a result of this function), recomputes only what changed
 * since: the result equals a fresh compile of the same input.
 */
export function compilePolicy(input: PolicyInput, now: Date, previous?: CompiledPolicy | null): CompiledPolicy {
  return runToEnd(compileSteps(input, now, previous));
}

/**
 * compilePolicy in steps of bounded work (it yields every WORK_PER_STEP units of work),
 * so a server can run a compile that reaches every tenant between requests. Run to completion,
 * the steps give compilePolicy's result.
 */
export function* compileSteps(input: PolicyInput, now: Date, previous?: CompiledPolicy | null): Generator<void, CompiledPolicy, void> {
  const before = previous ? engines.get(previous) : undefined;
  const indexed = yield* indexInput(input, now, before?.input);
  yield;
  const engine = (before && (yield* recompile(before, previous!, indexed))) ?? freshEngine(indexed);
  yield;
  const policy = yield* resultOf(engine, input, now, before && previous ? { engine: before, policy: previous } : null);
  engines.set(policy, engine);
  return policy;
}

/** Work between two yields of compileSteps (about a millisecond): 50 tenants computed, or 1,000 reused. */
const WORK_PER_STEP = 1_000;
/**
 * Tenants whose access a change reached, recomputed between two yields. A yield only marks where
 * the build may pause (util/slices.ts), so it costs next to nothing; a server change reaches a few
 * hundred tenants at ~30 µs each, and 250 of them held the event loop ~7 ms.
 */
const TENANTS_COMPUTED_PER_STEP = 25;

// Each list is indexed in a step of its own: at 20,000 rules and 10,000 tenants, all at once held
// the event loop for ~10 ms.
function* indexInput(input: PolicyInput, now: Date, before: Indexed | undefined): Generator<void, Indexed, void> {
  // The same rules, no earlier clock and none lapsed since: the split is the one before (a write
  // that is not a rule's keeps 20,000 rules from being walked and copied again).
  const sameRules = before !== undefined && sameItems(before.lists.rules, input.rules);
  const splitAgain = !sameRules || now.getTime() < before.splitAt || (before.nextExpiryAt !== null && before.nextExpiryAt <= now);
  let inForce: readonly PolicyRule[];
  let expired: readonly string[];
  if (splitAgain) {
    const kept: PolicyRule[] = [];
    const lapsed: string[] = [];
    for (const rule of input.rules) {
      if (rule.expiresAt !== null && rule.expiresAt <= now) lapsed.push(rule.id);
      else kept.push(rule);
    }
    inForce = before !== undefined && sameItems(before.inForce, kept) ? before.inForce : kept;
    expired = lapsed;
  } else {
    inForce = before.inForce;
    expired = before.expired;
  }
  const nextExpiryAt = !splitAgain ? before!.nextExpiryAt : nextExpiryOf(inForce);
  yield;
  const servers = yield* indexBy(input.servers, before?.lists.servers, before?.servers, (s) => s.name);
  const groups = yield* indexBy(input.groups, before?.lists.groups, before?.groups, (g) => g.name);
  yield;
  const tenants = yield* indexBy(input.tenants, before?.lists.tenants, before?.tenants, (t) => t.name);
  yield;
  const rules = yield* indexBy(input.rules, before?.lists.rules, before?.rules, (r) => r.id);
  yield;
  return { lists: input, servers, tenants, groups, rules, inForce, expired, splitAt: now.getTime(), nextExpiryAt };
}

/** The list by key: the previous map when the list holds the same objects, patched when few changed. */
function* indexBy<T>(
  list: readonly T[],
  earlierList: readonly T[] | undefined,
  earlier: ReadonlyMap<string, T> | undefined,
  key: (item: T) => string,
): Generator<void, ReadonlyMap<string, T>, void> {
  if (!earlier || !earlierList) return new Map(list.map((item) => [key(item), item]));
  if (sameItems(earlierList, list)) return earlier;
  const { removed, added } = listChanges(earlierList, list);
  if (removed.length + added.length > list.length / 4) return new Map(list.map((item) => [key(item), item]));
  const map = yield* LayeredMap.overInSteps(earlier, removed.length + added.length);
  for (const item of removed) map.delete(key(item));
  for (const item of added) map.set(key(item), item);
  return map;
}

const isActive = (server: PolicyServer | undefined): boolean => server?.status === "active";

function patternBitsOf(pattern: string, slots: readonly (string | null)[], serverIndex: ReadonlyMap<string, number>, words: number): Bits {
  const bits = new Uint32Array(words);
  const { server } = splitPattern(pattern);
  if (/[*?]/.test(server)) {
    slots.forEach((name, i) => name !== null && globMatches(server, name) && setBit(bits, i));
  } else {
    const i = serverIndex.get(server);
    if (i !== undefined) setBit(bits, i);
  }
  return bits;
}

function* patternsInUse(indexed: Indexed): Generator<void, Set<string>, void> {
  const used = new Set<string>();
  let items = 0;
  for (const rule of indexed.inForce) {
    used.add(rule.servers);
    if (++items % ITEMS_PER_STEP === 0) yield;
  }
  for (const tenant of indexed.tenants.values()) {
    for (const p of tenant.mcpPolicy.deny) used.add(p);
    for (const p of tenant.mcpPolicy.allow) used.add(p);
    if (++items % ITEMS_PER_STEP === 0) yield;
  }
  return used;
}

/** Personal servers that tenant may never be granted: every one it does not own. */
function reservedFrom(engine: Pick<Engine, "personal" | "owned">, tenant: string): Bits {
  const owned = engine.owned.get(tenant);
  const out = engine.personal.slice();
  if (owned) for (let w = 0; w < out.length; w++) out[w]! &= ~owned[w]!;
  return out;
}

function without(bits: Bits, removed: Bits): Bits {
  const out = bits.slice();
  for (let w = 0; w < out.length; w++) out[w]! &= ~removed[w]!;
  return out;
}

function sameBits(a: Bits | undefined, b: Bits | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

function intersects(a: Bits, slots: readonly number[]): boolean {
  return slots.some((i) => hasBit(a, i));
}

/** What a rule can grant or deny: its pattern's servers, less what its subject may not be granted. */
function ruleEffectOf(rule: PolicyRule, engine: Pick<Engine, "patterns" | "scopeBits" | "personal" | "owned">): Bits {
  const servers = engine.patterns.get(rule.servers)!;
  if (rule.access === "deny") return servers;
  const effective = and(servers, engine.scopeBits.get(rule.subject.type)!);
  return rule.subject.type === "tenant" ? without(effective, reservedFrom(engine, rule.subject.name)) : effective;
}

function foldOf(subject: Subject, ruleIds: readonly string[], engine: Pick<Engine, "words" | "ruleEffect">, rules: ReadonlyMap<string, PolicyRule>): Fold {
  const toolRules: PolicyRule[] = [];
  const fold = { subject, deny: new Uint32Array(engine.words), allow: new Uint32Array(engine.words), toolRules, tools: new Uint32Array(engine.words) };
  for (const id of ruleIds) {
    const rule = rules.get(id)!;
    if (isToolPattern(rule.servers)) {
      toolRules.push(rule);
      orInto(fold.tools, engine.ruleEffect.get(id)!);
    } else orInto(rule.access === "deny" ? fold.deny : fold.allow, engine.ruleEffect.get(id)!);
  }
  return fold;
}

/** Whether two tool lists decide the same (names and read-only flags). */
function sameTools(a: readonly PolicyTool[] | null | undefined, b: readonly PolicyTool[] | null | undefined): boolean {
  if (a === b) return true;
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((tool, i) => tool.name === y[i]!.name && tool.readOnly === y[i]!.readOnly);
}

function subjectIndexes(inForce: readonly PolicyRule[]): { subjectRules: Map<string, string[]>; selectorsByLabel: Map<string, string[]> } {
  const subjectRules = new Map<string, string[]>();
  const selectorsByLabel = new Map<string, string[]>();
  for (const rule of inForce) {
    const key = subjectKey(rule.subject);
    const list = subjectRules.get(key);
    if (list) {
      list.push(rule.id);
      continue;
    }
    subjectRules.set(key, [rule.id]);
    if (rule.subject.type === "selector") {
      const pair = selectorPair(rule.subject.matchLabels);
      const keys = selectorsByLabel.get(pair);
      if (keys) keys.push(key);
      else selectorsByLabel.set(pair, [key]);
    }
  }
  return { subjectRules, selectorsByLabel };
}

/** The subject indexes after rules left and joined (the others are where they were). */
function* patchSubjectIndexes(
  before: Pick<Engine, "subjectRules" | "selectorsByLabel">,
  removed: readonly PolicyRule[],
  added: readonly PolicyRule[],
): Generator<void, { subjectRules: ReadonlyMap<string, readonly string[]>; selectorsByLabel: ReadonlyMap<string, readonly string[]> }, void> {
  const subjectRules = yield* LayeredMap.overInSteps(before.subjectRules, removed.length + added.length);
  const selectorsByLabel = yield* LayeredMap.overInSteps(before.selectorsByLabel, added.length);
  for (const rule of removed) {
    const key = subjectKey(rule.subject);
    const ids = subjectRules.get(key)?.filter((id) => id !== rule.id) ?? [];
    if (ids.length > 0) subjectRules.set(key, ids);
    else subjectRules.delete(key);
  }
  for (const rule of added) {
    const key = subjectKey(rule.subject);
    subjectRules.set(key, [...(subjectRules.get(key) ?? []), rule.id]);
    if (rule.subject.type !== "selector") continue;
    const pair = selectorPair(rule.subject.matchLabels);
    const keys = selectorsByLabel.get(pair) ?? [];
    if (!keys.includes(key)) selectorsByLabel.set(pair, [...keys, key]);
  }
  return { subjectRules, selectorsByLabel };
}

/** A selector is found through one of its label pairs; one without labels covers every tenant, under "". */
function selectorPair(matchLabels: Record<string, string>): string {
  const [first] = Object.entries(matchLabels);
  return first ? `${first[0]}\u0000${first[1]}` : "";
}

function memberships(groups: ReadonlyMap<string, PolicyGroup>): Map<string, string[]> {
  const memberOf = new Map<string, string[]>();
  for (const group of groups.values()) {
    for (const member of group.members) {
      const list = memberOf.get(member);
      if (list) list.push(group.name);
      else memberOf.set(member, [group.name]);
    }
  }
  return memberOf;
}

/**
 * memberships(groups), from the one before `oldGroups` became `groups`: only the lists of tenants
 * joining or leaving a group are replaced. The order within a list may then differ from a full
 * pass's, which does not matter: a tenant's groups' folds are OR-ed together.
 */
function* membershipsAfter(
  before: ReadonlyMap<string, readonly string[]>,
  oldGroups: ReadonlyMap<string, PolicyGroup>,
  groups: ReadonlyMap<string, PolicyGroup>,
): Generator<void, ReadonlyMap<string, readonly string[]>, void> {
  const left: [member: string, group: string][] = [];
  const joined: [member: string, group: string][] = [];
  const note = (name: string, was: PolicyGroup | undefined, is: PolicyGroup | undefined) => {
    if (was === is) return;
    const before = new Set(was?.members ?? []);
    const after = new Set(is?.members ?? []);
    for (const member of before) if (!after.has(member)) left.push([member, name]);
    for (const member of after) if (!before.has(member)) joined.push([member, name]);
  };
  oldGroups.forEach((was, name) => note(name, was, groups.get(name)));
  groups.forEach((is, name) => {
    if (!oldGroups.has(name)) note(name, undefined, is);
  });
  const memberOf = yield* LayeredMap.overInSteps(before, left.length + joined.length);
  for (const [member, group] of left) {
    const rest = (memberOf.get(member) ?? []).filter((name) => name !== group);
    if (rest.length > 0) memberOf.set(member, rest);
    else memberOf.delete(member);
  }
  for (const [member, group] of joined) memberOf.set(member, [...(memberOf.get(member) ?? []), group]);
  return memberOf;
}

function scopeState(slots: readonly (string | null)[], servers: ReadonlyMap<string, PolicyServer>, words: number) {
  const scopeBits = new Map<Subject["type"], Bits>();
  for (const type of SUBJECT_TYPES) scopeBits.set(type, new Uint32Array(words));
  const personal = new Uint32Array(words);
  const owned = new Map<string, Bits>();
  slots.forEach((name, i) => {
    if (name === null) return;
    const server = servers.get(name)!;
    for (const type of SUBJECT_TYPES) if (grantableScopes(type).includes(server.scope)) setBit(scopeBits.get(type)!, i);
    if (server.scope !== "personal") return;
    setBit(personal, i);
    if (!server.ownerTenant) return;
    let bits = owned.get(server.ownerTenant);
    if (!bits) owned.set(server.ownerTenant, (bits = new Uint32Array(words)));
    setBit(bits, i);
  });
  return { scopeBits, personal, owned };
}

const SUBJECT_TYPES = ["everyone", "group", "selector", "tenant"] as const;

function freshEngine(indexed: Indexed): Engine {
  const active = [...indexed.servers.values()].filter(isActive).sort((a, b) => byteOrder(a.name, b.name));
  const words = (active.length + SPARE_SLOTS(active.length) + 31) >>> 5;
  const slots = active.map((s) => s.name);
  const serverIndex = new Map(slots.map((name, i) => [name, i]));
  const patterns = new Map<string, Bits>();
  for (const pattern of runToEnd(patternsInUse(indexed))) patterns.set(pattern, patternBitsOf(pattern, slots, serverIndex, words));
  const engine = { words, patterns, ...scopeState(slots, indexed.servers, words) };
  const ruleEffect = new Map(indexed.inForce.map((rule) => [rule.id, ruleEffectOf(rule, engine)]));
  const { subjectRules, selectorsByLabel } = subjectIndexes(indexed.inForce);
  const folds = new Map<string, Fold>();
  for (const [key, ids] of subjectRules) folds.set(key, foldOf(indexed.rules.get(ids[0]!)!.subject, ids, { words, ruleEffect }, indexed.rules));
  return {
    ...engine,
    input: indexed,
    slots,
    freeSlots: [],
    ordered: true,
    serverIndex,
    ruleEffect,
    subjectRules,
    folds,
    selectorsByLabel,
    memberOf: memberships(indexed.groups),
  };
}

/** The previous engine's patterns and those that rules and tenant lists new since bring (no slot moved). */
function* withNewPatterns(
  before: Engine,
  old: Indexed,
  indexed: Indexed,
  slots: readonly (string | null)[],
  serverIndex: ReadonlyMap<string, number>,
): Generator<void, ReadonlyMap<string, Bits>, void> {
  const named: string[] = [];
  if (old.inForce !== indexed.inForce) for (const rule of listChanges(old.inForce, indexed.inForce).added) named.push(rule.servers);
  yield;
  if (old.tenants !== indexed.tenants) {
    for (const tenant of listChanges(old.lists.tenants, indexed.lists.tenants).added) named.push(...tenant.mcpPolicy.deny, ...tenant.mcpPolicy.allow);
  }
  const fresh = [...new Set(named)].filter((pattern) => !before.patterns.has(pattern));
  if (fresh.length === 0) return before.patterns;
  const patterns = yield* LayeredMap.overInSteps(before.patterns, fresh.length);
  for (const pattern of fresh) patterns.set(pattern, patternBitsOf(pattern, slots, serverIndex, before.words));
  return patterns;
}

/** Every pattern in use with its bits at the changed slots updated (new ones in full), noting in `changed` those that moved. */
function* patternsAtChangedSlots(
  before: Engine,
  inUse: Iterable<string>,
  changedSlots: readonly number[],
  changed: Set<string>,
  slots: readonly (string | null)[],
  serverIndex: ReadonlyMap<string, number>,
): Generator<void, ReadonlyMap<string, Bits>, void> {
  const patterns = new Map<string, Bits>();
  let items = 0;
  for (const pattern of inUse) {
    if (++items % ITEMS_PER_STEP === 0) yield;
    const earlier = before.patterns.get(pattern);
    if (!earlier) {
      patterns.set(pattern, patternBitsOf(pattern, slots, serverIndex, before.words));
      changed.add(pattern);
      continue;
    }
    let bits = earlier;
    for (const slot of changedSlots) {
      const name = slots[slot];
      const matches = name !== null && name !== undefined && patternMatches(pattern, name);
      if (matches === hasBit(bits, slot)) continue;
      if (bits === earlier) bits = earlier.slice();
      bits[slot >>> 5]! ^= 1 << (slot & 31);
    }
    patterns.set(pattern, bits);
    if (bits !== earlier) changed.add(pattern);
  }
  return patterns;
}

/** Loop iterations of recompile between two yields: its loops over every rule, pattern or tenant are cheap per item. */
const ITEMS_PER_STEP = 2_000;

/** The next engine from the previous one, or null when a fresh compile is the better (or only) way. */
function* recompile(
  before: Engine,
  previous: CompiledPolicy,
  indexed: Indexed,
): Generator<void, (Engine & { dirtyTenants: Set<string> | "all" }) | null, void> {
  const old = before.input;
  const { words } = before;

  // 1. Servers whose policy-relevant fields changed get their slots (re)computed.
  const slots = before.slots.slice();
  const freeSlots = before.freeSlots.slice();
  const serverIndex = new LayerOnWrite(before.serverIndex);
  let ordered = before.ordered;
  const changedSlots: number[] = [];
  const changedOwners = new Set<string>();
  /** Slots of servers whose tools alone changed: only tool-level decisions there can move. */
  const toolChangedSlots: number[] = [];
  if (old.servers !== indexed.servers) {
    // The servers whose object differs are those the lists differ by (each map is its list's):
    // not a set of all 2,000 names from both maps, which a burst's builds made a megabyte a build of.
    const serverNames = changedKeys(listChanges(old.lists.servers, indexed.lists.servers), (s) => s.name);
    yield;
    for (const name of serverNames) {
      const a = old.servers.get(name);
      const b = indexed.servers.get(name);
      if (a === b) continue;
      const wasActive = isActive(a);
      const nowActive = isActive(b);
      if (!wasActive && !nowActive) continue;
      if (wasActive && nowActive && a!.scope === b!.scope && (a!.ownerTenant ?? null) === (b!.ownerTenant ?? null)) {
        if (!sameTools(a!.tools, b!.tools)) toolChangedSlots.push(serverIndex.get(name)!);
        continue;
      }
      if (a?.ownerTenant) changedOwners.add(a.ownerTenant);
      if (b?.ownerTenant) changedOwners.add(b.ownerTenant);
      if (wasActive && !nowActive) {
        const slot = serverIndex.get(name)!;
        slots[slot] = null;
        serverIndex.delete(name);
        freeSlots.push(slot);
        changedSlots.push(slot);
      } else if (!wasActive && nowActive) {
        const slot = freeSlots.pop() ?? slots.length;
        if (slot >= words * 32) return null;
        if (slot === slots.length) slots.push(name);
        else slots[slot] = name;
        serverIndex.set(name, slot);
        changedSlots.push(slot);
        ordered = false;
      } else {
        changedSlots.push(serverIndex.get(name)!);
      }
      if (changedSlots.length > REUSE_MAX_SERVER_CHANGES) return null;
    }
  }
  if (ordered && changedSlots.length > 0) ordered = inByteOrder(slots);
  yield;

  // 2. Pattern bits: the changed slots of every pattern in use, and new patterns in full.
  const changedPatterns = new Set<string>();
  // The patterns in use come from the rules in force and the tenants' own lists: unchanged both,
  // they are the previous engine's, and with no slot changed its bits too.
  const samePatterns = old.inForce === indexed.inForce && old.tenants === indexed.tenants;
  let patterns: ReadonlyMap<string, Bits>;
  if (changedSlots.length === 0) {
    // No server moved, so every pattern's bits are as they were: add the patterns that rules and
    // tenant lists new since then bring, and keep the rest (one no longer used is dropped at the
    // next slot change, which gathers the patterns in use afresh). A pattern new here can only be
    // named by those new rules and changed tenants, which are recomputed anyway: none is "changed".
    patterns = samePatterns ? before.patterns : yield* withNewPatterns(before, old, indexed, slots, serverIndex.value);
  } else {
    const inUse = samePatterns ? before.patterns.keys() : yield* patternsInUse(indexed);
    yield;
    patterns = yield* patternsAtChangedSlots(before, inUse, changedSlots, changedPatterns, slots, serverIndex.value);
  }
  let items = 0;

  yield;
  // 3. Scopes and owners at the changed slots.
  const scopes = changedSlots.length > 0 ? scopeState(slots, indexed.servers, words) : before;
  const engine = { words, patterns, scopeBits: scopes.scopeBits, personal: scopes.personal, owned: scopes.owned };

  // 4. Rules: the changed ones, and those whose pattern or scope can differ at a changed slot.
  const { removed, added } = listChanges(old.inForce, indexed.inForce);
  const { subjectRules, selectorsByLabel } = removed.length + added.length === 0 ? before : yield* patchSubjectIndexes(before, removed, added);
  const ruleEffect = new LayerOnWrite(before.ruleEffect);
  if (removed.length + added.length > 0 || changedPatterns.size > 0 || changedSlots.length > 0) yield* ruleEffect.openInSteps(removed.length + added.length);
  yield;
  const dirtySubjects = new Set<string>();
  // Rules gone, out of force or edited: their old subjects' folds change.
  for (const rule of removed) {
    ruleEffect.delete(rule.id);
    dirtySubjects.add(subjectKey(rule.subject));
  }
  for (const rule of added) {
    ruleEffect.set(rule.id, ruleEffectOf(rule, engine));
    dirtySubjects.add(subjectKey(rule.subject));
  }
  if (changedPatterns.size > 0 || changedSlots.length > 0) {
    const fresh = new Set(added);
    for (const rule of indexed.inForce) {
      if (++items % ITEMS_PER_STEP === 0) yield;
      if (fresh.has(rule) || (!changedPatterns.has(rule.servers) && (changedSlots.length === 0 || !intersects(patterns.get(rule.servers)!, changedSlots))))
        continue;
      const effect = ruleEffectOf(rule, engine);
      if (sameBits(effect, before.ruleEffect.get(rule.id))) continue;
      ruleEffect.set(rule.id, effect);
      dirtySubjects.add(subjectKey(rule.subject));
    }
  }

  // 5. Folds of the subjects whose rules changed; who they cover must be recomputed.
  yield;
  const folds = new LayerOnWrite(before.folds);
  const dirtyTenants = new Set<string>();
  let allTenants = false;
  const changedGroups = old.groups !== indexed.groups ? changedKeys(listChanges(old.lists.groups, indexed.lists.groups), (g) => g.name) : new Set<string>();
  const groupsChanged = changedGroups.size > 0;
  const memberOf = groupsChanged ? yield* membershipsAfter(before.memberOf, old.groups, indexed.groups) : before.memberOf;
  const cover = (subject: Subject) => {
    switch (subject.type) {
      case "everyone":
        allTenants = true;
        return;
      case "tenant":
        dirtyTenants.add(subject.name);
        return;
      case "group":
        for (const m of old.groups.get(subject.name)?.members ?? []) dirtyTenants.add(m);
        for (const m of indexed.groups.get(subject.name)?.members ?? []) dirtyTenants.add(m);
        return;
      case "selector":
        for (const tenants of [old.tenants, indexed.tenants]) {
          for (const tenant of tenants.values()) if (subjectCovers(subject, tenant, EMPTY_MEMBERS)) dirtyTenants.add(tenant.name);
        }
    }
  };
  if (dirtySubjects.size > 0) yield* folds.openInSteps(dirtySubjects.size);
  for (const key of dirtySubjects) {
    const ids = subjectRules.get(key);
    const earlier = before.folds.get(key);
    if (!ids) {
      folds.delete(key);
      if (earlier) cover(earlier.subject);
      continue;
    }
    const fold = foldOf(indexed.rules.get(ids[0]!)!.subject, ids, { words, ruleEffect: ruleEffect.value }, indexed.rules);
    if (
      earlier &&
      sameBits(earlier.deny, fold.deny) &&
      sameBits(earlier.allow, fold.allow) &&
      sameBits(earlier.tools, fold.tools) &&
      sameItems(earlier.toolRules, fold.toolRules)
    )
      continue;
    folds.set(key, fold);
    cover(fold.subject);
  }
  // No slot moved: the previous arrays, so resultOf sees the active servers, scopes and owners
  // unchanged (a new array each build made it sort 2,000 names and rebuild both maps every time).
  const slotsMoved = changedSlots.length > 0;
  const nextEngine = (dirty: Set<string> | "all") => ({
    ...engine,
    input: indexed,
    slots: slotsMoved ? slots : before.slots,
    freeSlots: slotsMoved ? freeSlots : before.freeSlots,
    ordered,
    serverIndex: serverIndex.value,
    ruleEffect: ruleEffect.value,
    subjectRules,
    folds: folds.value,
    selectorsByLabel,
    memberOf,
    dirtyTenants: dirty,
  });
  if (allTenants) return nextEngine("all");

  // 6. Tenants: the changed ones, members joining or leaving groups, and those whose own lists or bits touch a changed server.
  if (old.tenants !== indexed.tenants) {
    for (const tenant of listChanges(old.lists.tenants, indexed.lists.tenants).added) dirtyTenants.add(tenant.name);
  }
  if (groupsChanged) {
    for (const name of changedGroups) {
      const a = old.groups.get(name);
      const b = indexed.groups.get(name);
      if (a === b) continue;
      const inA = new Set(a?.members ?? []);
      const inB = new Set(b?.members ?? []);
      for (const m of inA) if (!inB.has(m)) dirtyTenants.add(m);
      for (const m of inB) if (!inA.has(m)) dirtyTenants.add(m);
    }
  }
  for (const owner of changedOwners) dirtyTenants.add(owner);
  if (changedSlots.length > 0 || changedPatterns.size > 0 || toolChangedSlots.length > 0) {
    for (const tenant of indexed.tenants.values()) {
      if (++items % ITEMS_PER_STEP === 0) yield;
      if (dirtyTenants.has(tenant.name)) continue;
      const touches = (p: string) => changedPatterns.has(p) || (changedSlots.length > 0 && intersects(patterns.get(p)!, changedSlots));
      const access = previous.tenants.get(tenant.name);
      const hadBit =
        changedSlots.length > 0 &&
        access !== undefined &&
        [access.overrideDeny, access.overrideAllow, access.ruleDeny, access.ruleAllow, access.toolReach].some((bits) => intersects(bits, changedSlots));
      // A server's tools changing moves decisions only where a tool-qualified pattern reaches it.
      const toolsMoved = toolChangedSlots.length > 0 && access !== undefined && intersects(access.toolReach, toolChangedSlots);
      if (hadBit || toolsMoved || tenant.mcpPolicy.deny.some(touches) || tenant.mcpPolicy.allow.some(touches)) dirtyTenants.add(tenant.name);
    }
  }
  return nextEngine(dirtyTenants);
}

/** The keys of the items two lists differ by (listChanges): those whose object is not the same in both. */
function changedKeys<T>(changes: { removed: readonly T[]; added: readonly T[] }, key: (item: T) => string): Set<string> {
  const names = new Set<string>();
  for (const item of changes.removed) names.add(key(item));
  for (const item of changes.added) names.add(key(item));
  return names;
}

/**
 * A map layered over the previous engine's on its first change (LayeredMap): a recompile that
 * changes none of its rule effects or folds shares them (20,000 entries, say), and one that
 * changes a few costs those few. The previous map is never changed: engines branching from one
 * result (previews) stay independent.
 */
class LayerOnWrite<K, V> {
  private map: ReadonlyMap<K, V>;

  constructor(private readonly base: ReadonlyMap<K, V>) {
    this.map = base;
  }

  get value(): ReadonlyMap<K, V> {
    return this.map;
  }

  /**
   * Makes the layer now, before writes that are likely to come, in steps: a copy that is due
   * (LayeredMap.overInSteps) then does not hold the event loop in one piece.
   */
  *openInSteps(expectedChanges: number): Generator<void, void, void> {
    if (this.map === this.base) this.map = yield* LayeredMap.overInSteps(this.base, expectedChanges);
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.writable().set(key, value);
  }

  delete(key: K): void {
    if (this.map.has(key)) this.writable().delete(key);
  }

  private writable(): WritableMap<K, V> {
    if (this.map === this.base) this.map = LayeredMap.over(this.base);
    return this.map as WritableMap<K, V>;
  }
}

const EMPTY_MEMBERS: ReadonlyMap<string, ReadonlySet<string>> = new Map();

function inByteOrder(slots: readonly (string | null)[]): boolean {
  let last: string | null = null;
  for (const name of slots) {
    if (name === null) continue;
    if (last !== null && byteOrder(last, name) >= 0) return false;
    last = name;
  }
  return true;
}

/** Set bits as server names, in byte order. */
function namesOf(bits: Bits, engine: Engine): string[] {
  const names: string[] = [];
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!;
    while (word !== 0) {
      const low = word & -word;
      names.push(engine.slots[(w << 5) + 31 - Math.clz32(low)]!);
      word ^= low;
    }
  }
  return engine.ordered ? names : names.sort(byteOrder);
}

function tenantAccessOf(tenant: PolicyTenant, engine: Engine): TenantAccess {
  const { words } = engine;
  const overrideDeny = new Uint32Array(words);
  const listed = new Uint32Array(words);
  const toolListed = new Uint32Array(words);
  const toolDeny: string[] = [];
  const toolAllow: string[] = [];
  for (const p of tenant.mcpPolicy.deny) {
    if (isToolPattern(p)) toolDeny.push(p);
    else orInto(overrideDeny, engine.patterns.get(p)!);
  }
  for (const p of tenant.mcpPolicy.allow) {
    if (isToolPattern(p)) {
      toolAllow.push(p);
      orInto(toolListed, engine.patterns.get(p)!);
    } else orInto(listed, engine.patterns.get(p)!);
  }
  const reservedFromTenant = reservedFrom(engine, tenant.name);
  const reservedBits = and(listed, reservedFromTenant);
  orInto(reservedBits, and(toolListed, reservedFromTenant));
  const overrideAllow = without(listed, reservedBits);

  const ruleDeny = new Uint32Array(words);
  const ruleAllow = new Uint32Array(words);
  const toolReach = new Uint32Array(words);
  const toolRules: PolicyRule[] = [];
  const add = (key: string) => {
    const fold = engine.folds.get(key);
    if (!fold) return;
    orInto(ruleDeny, fold.deny);
    orInto(ruleAllow, fold.allow);
    if (fold.toolRules.length === 0) return;
    orInto(toolReach, fold.tools);
    toolRules.push(...fold.toolRules);
  };
  add("everyone");
  add(`tenant:${tenant.name}`);
  for (const group of engine.memberOf.get(tenant.name) ?? []) add(`group:${group}`);
  const selectors = [engine.selectorsByLabel.get(""), ...Object.entries(tenant.labels).map(([k, v]) => engine.selectorsByLabel.get(`${k}\u0000${v}`))];
  for (const keys of selectors) {
    for (const key of keys ?? []) {
      const fold = engine.folds.get(key);
      if (fold && subjectCovers(fold.subject, tenant, EMPTY_MEMBERS)) add(key);
    }
  }
  for (const p of toolDeny) orInto(toolReach, engine.patterns.get(p)!);
  orInto(toolReach, without(toolListed, reservedBits));

  const allowBits = new Uint32Array(words);
  const denyBits = new Uint32Array(words);
  for (let w = 0; w < words; w++) {
    const od = overrideDeny[w]!;
    const oa = overrideAllow[w]!;
    const rd = ruleDeny[w]!;
    const ra = ruleAllow[w]!;
    // allow: ¬OD ∧ (OA ∨ (¬RD ∧ RA)); explicit deny: OD ∨ (¬OA ∧ RD)
    const allowWord = ~od & (oa | (~rd & ra));
    allowBits[w] = allowWord;
    denyBits[w] = (od | (~oa & rd)) & ~allowWord;
  }

  let tools: Map<string, ToolAccess> | null = null;
  if (!isEmpty(toolReach)) {
    forEachBit(toolReach, (slot) => {
      const name = engine.slots[slot]!;
      const serverTools = engine.input.servers.get(name)!.tools;
      if (!serverTools || serverTools.length === 0) return;
      const entry = toolAccessOf(serverTools, slot, {
        overrideDeny,
        overrideAllow,
        ruleDeny,
        ruleAllow,
        toolDeny: toolDeny.filter((p) => hasBit(engine.patterns.get(p)!, slot)),
        toolAllow: hasBit(reservedBits, slot) ? [] : toolAllow.filter((p) => hasBit(engine.patterns.get(p)!, slot)),
        ruleToolDeny: toolRules.filter((r) => r.access === "deny" && hasBit(engine.ruleEffect.get(r.id)!, slot)).map((r) => r.servers),
        ruleToolAllow: toolRules.filter((r) => r.access === "allow" && hasBit(engine.ruleEffect.get(r.id)!, slot)).map((r) => r.servers),
      });
      if (!entry) return;
      (tools ??= new Map()).set(name, entry);
      const bit = 1 << (slot & 31);
      const w = slot >>> 5;
      allowBits[w] = entry.allow.length > 0 ? allowBits[w]! | bit : allowBits[w]! & ~bit;
      denyBits[w] = entry.allow.length === 0 && entry.deny.length > 0 ? denyBits[w]! | bit : denyBits[w]! & ~bit;
    });
  }
  // Entries in byte order of server names, like every list here.
  if (tools && !engine.ordered) tools = new Map([...(tools as Map<string, ToolAccess>)].sort(([a], [b]) => byteOrder(a, b)));
  return {
    name: tenant.name,
    labels: tenant.labels,
    mcpPolicy: tenant.mcpPolicy,
    allow: namesOf(allowBits, engine),
    deny: namesOf(denyBits, engine),
    reserved: namesOf(reservedBits, engine),
    tools: tools ?? NO_TOOL_DECISIONS,
    overrideDeny: keptBits(overrideDeny),
    overrideAllow: keptBits(overrideAllow),
    ruleDeny: keptBits(ruleDeny),
    ruleAllow: keptBits(ruleAllow),
    toolReach: keptBits(toolReach),
  };
}

const emptyBitsOfSize = new Map<number, Bits>();

/**
 * The set a TenantAccess keeps: an empty one is shared (most tenants have no overrides and no
 * tool rules), which saves four typed arrays per tenant at 10,000 tenants. Kept sets are only
 * ever read.
 */
function keptBits(bits: Bits): Bits {
  if (!isEmpty(bits)) return bits;
  let empty = emptyBitsOfSize.get(bits.length);
  if (!empty) emptyBitsOfSize.set(bits.length, (empty = new Uint32Array(bits.length)));
  return empty;
}

function forEachBit(bits: Bits, each: (slot: number) => void): void {
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!;
    while (word !== 0) {
      const low = word & -word;
      each((w << 5) + 31 - Math.clz32(low));
      word ^= low;
    }
  }
}

/** What decides the tools of one server for one tenant: the whole-server bits, and the tool-qualified patterns in force there. */
interface ToolTiers {
  overrideDeny: Bits;
  overrideAllow: Bits;
  ruleDeny: Bits;
  ruleAllow: Bits;
  toolDeny: readonly string[];
  toolAllow: readonly string[];
  ruleToolDeny: readonly string[];
  ruleToolAllow: readonly string[];
}

/**
 * The tiers of §4 per tool (DESIGN §11): a whole-server pattern covers every tool, a
 * tool-qualified one the tools it names; first matching tier wins. Null when no tool-qualified
 * pattern covers any of the tools: the server-level decision stands.
 */
function toolAccessOf(tools: readonly PolicyTool[], slot: number, t: ToolTiers): ToolAccess | null {
  const allow: string[] = [];
  const deny: string[] = [];
  let tiers = "";
  let matched = false;
  const od = hasBit(t.overrideDeny, slot);
  const oa = hasBit(t.overrideAllow, slot);
  const rd = hasBit(t.ruleDeny, slot);
  const ra = hasBit(t.ruleAllow, slot);
  for (const tool of tools) {
    const hit = (patterns: readonly string[]) => patterns.some((p) => toolMatches(p, tool));
    const odHit = hit(t.toolDeny);
    const oaHit = hit(t.toolAllow);
    const rdHit = hit(t.ruleToolDeny);
    const raHit = hit(t.ruleToolAllow);
    if (odHit || oaHit || rdHit || raHit) matched = true;
    const tier = od || odHit ? 2 : oa || oaHit ? 3 : rd || rdHit ? 4 : ra || raHit ? 5 : 6;
    tiers += tier;
    if (tier === 3 || tier === 5) allow.push(tool.name);
    else if (tier !== 6) deny.push(tool.name);
  }
  return matched ? { allow, deny, tiers } : null;
}

function* resultOf(
  engine: Engine & { dirtyTenants?: Set<string> | "all" },
  input: PolicyInput,
  now: Date,
  before: { engine: Engine; policy: CompiledPolicy } | null,
): Generator<void, CompiledPolicy, void> {
  const indexed = engine.input;
  const dirty = engine.dirtyTenants;
  const { dirtyTenants: _, ...kept } = engine;
  void _;
  const reuse = before && dirty && dirty !== "all" ? dirty : null;
  let tenants: WritableMap<string, TenantAccess>;
  if (
    reuse &&
    (before!.engine.input.tenants === indexed.tenants || replacedInPlace(before!.engine.input.lists.tenants, indexed.lists.tenants, (t) => t.name) !== null)
  ) {
    // The same tenants as before, or some of them edited (each is then among those the change
    // reached, in the same place): the previous map, with the tenants the change reached recomputed.
    tenants = yield* LayeredMap.overInSteps(before!.policy.tenants, reuse.size);
    let computed = 0;
    for (const name of reuse) {
      const tenant = indexed.tenants.get(name);
      if (!tenant) continue;
      tenants.set(name, tenantAccessOf(tenant, kept));
      if (++computed % TENANTS_COMPUTED_PER_STEP === 0) yield;
    }
  } else {
    tenants = new Map<string, TenantAccess>();
    let work = 0;
    for (const tenant of input.tenants) {
      const earlier = reuse && !reuse.has(tenant.name) ? before!.policy.tenants.get(tenant.name) : undefined;
      tenants.set(tenant.name, earlier ?? tenantAccessOf(tenant, kept));
      // A tenant computed costs about as much as twenty reused.
      work += earlier ? 1 : 20;
      if (work >= WORK_PER_STEP) {
        work = 0;
        yield;
      }
    }
  }

  const serversChanged = !before || before.engine.slots !== kept.slots || !sameSlots(before.engine.slots, kept.slots);
  const activeServers = serversChanged ? kept.slots.filter((name): name is string => name !== null).sort(byteOrder) : before.policy.servers;
  const scopes = serversChanged ? new Map(activeServers.map((name) => [name, indexed.servers.get(name)!.scope])) : before.policy.scopes;
  const owners = serversChanged
    ? new Map(
        activeServers.filter((name) => indexed.servers.get(name)!.scope === "personal").map((name) => [name, indexed.servers.get(name)!.ownerTenant ?? null]),
      )
    : before.policy.owners;
  const groupMembers =
    before && before.engine.input.groups === indexed.groups
      ? before.policy.groupMembers
      : groupMembersOf(indexed.groups, before && { groups: before.engine.input.groups, members: before.policy.groupMembers });
  const rules = indexed.inForce;
  const rulesSame = before !== null && before.engine.input.inForce === rules;
  const nextExpiryAt = indexed.nextExpiryAt;
  const serverTools =
    before && before.engine.input.servers === indexed.servers && !serversChanged
      ? before.policy.serverTools
      : new Map(
          activeServers.flatMap((name) => {
            const tools = indexed.servers.get(name)!.tools;
            return tools && tools.length > 0 ? [[name, tools] as const] : [];
          }),
        );

  const policy = {
    compiledAt: now,
    servers: activeServers,
    serverIndex: kept.serverIndex,
    scopes,
    owners,
    tenants,
    rules,
    groupMembers,
    nextExpiryAt,
    serverTools,
  } as Omit<CompiledPolicy, "report" | "ruleServerBits"> as CompiledPolicy;
  // The patterns are walked only when the rules are the same. (No closure over `before` here:
  // the getters below share this function's context and would keep every predecessor alive.)
  // The previous bits are taken only if they were worked out: reading them would work them out
  // (20,000 lookups, a few percent of a burst of writes that never needed them).
  const earlierBits = rulesSame ? lazyValueOf(before.policy, "ruleServerBits") : undefined;
  if (earlierBits && samePatternBits(before!.engine.patterns, kept.patterns)) policy.ruleServerBits = earlierBits;
  else defineLazily(policy, "ruleServerBits", () => rules.map((rule) => kept.patterns.get(rule.servers)!));
  defineLazily(policy, "report", () => reportOf(kept, policy));
  if (reuse) accessChanges.set(policy, { since: new WeakRef(before!.policy), tenants: reuse });
  return policy;
}

/**
 * Per compile from a previous result: the tenants whose access may differ from it. The previous
 * result is held weakly: otherwise every policy would keep its predecessor, and so every earlier
 * compile, alive.
 */
const accessChanges = new WeakMap<CompiledPolicy, { since: WeakRef<CompiledPolicy>; tenants: ReadonlySet<string> }>();

/**
 * The tenants whose TenantAccess may not be the same object in `policy` as in `previous` (every
 * other tenant's is), or null when that is not known (a fresh compile, one from another result,
 * or a change that reached every tenant): then compare them all.
 */
export function accessChangedSince(policy: CompiledPolicy, previous: CompiledPolicy): ReadonlySet<string> | null {
  const changes = accessChanges.get(policy);
  return changes && changes.since.deref() === previous ? changes.tenants : null;
}

/**
 * A field worked out when first read: explain's rule bits and the compiler's warnings are not on
 * the feeds' path, and a write's build should not pay for them (20,000 rules each).
 */
function defineLazily<K extends LazyField>(policy: CompiledPolicy, key: K, compute: () => CompiledPolicy[K]): void {
  Object.defineProperty(policy, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      let values = lazyValues.get(policy);
      if (!values) lazyValues.set(policy, (values = {}));
      return (values[key] ??= compute());
    },
  });
}

type LazyField = "ruleServerBits" | "report";

/** The lazy fields worked out so far, per policy. */
const lazyValues = new WeakMap<CompiledPolicy, { [K in LazyField]?: CompiledPolicy[K] }>();

/** A lazy field's value if it was read already (or assigned), else undefined; never works it out. */
function lazyValueOf<K extends LazyField>(policy: CompiledPolicy, key: K): CompiledPolicy[K] | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(policy, key);
  if (descriptor && "value" in descriptor) return descriptor.value as CompiledPolicy[K];
  return lazyValues.get(policy)?.[key];
}

/** Each group's members as a set; a group that is the same object as before keeps its set. */
function groupMembersOf(
  groups: ReadonlyMap<string, PolicyGroup>,
  before: { groups: ReadonlyMap<string, PolicyGroup>; members: ReadonlyMap<string, ReadonlySet<string>> } | null,
): Map<string, ReadonlySet<string>> {
  const members = new Map<string, ReadonlySet<string>>();
  groups.forEach((group, name) => {
    const kept = before && before.groups.get(name) === group ? before.members.get(name) : undefined;
    members.set(name, kept ?? new Set(group.members));
  });
  return members;
}

function nextExpiryOf(rules: readonly PolicyRule[]): Date | null {
  let next: Date | null = null;
  for (const rule of rules) if (rule.expiresAt && (!next || rule.expiresAt < next)) next = rule.expiresAt;
  return next;
}

/** Whether every pattern of `before` has the very same bits in `after`. */
function samePatternBits(before: ReadonlyMap<string, Bits>, after: ReadonlyMap<string, Bits>): boolean {
  if (before === after) return true;
  for (const [pattern, bits] of before) if (after.get(pattern) !== bits) return false;
  return true;
}

function sameSlots(a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  return a.length === b.length && a.every((name, i) => b[i] === name);
}

/** The compiler's warnings, worked out when first read: nothing on the feeds' path needs them. */
function reportOf(engine: Engine, policy: CompiledPolicy): PolicyReport {
  const indexed = engine.input;
  const inactive = [...indexed.servers.values()].filter((s) => !isActive(s)).map((s) => s.name);
  const unpublished = new Map<string, { servers: string[]; usedBy: Set<string> }>();
  const note = (pattern: string, usedBy: string) => {
    let entry = unpublished.get(pattern);
    if (!entry) {
      const servers = inactive.filter((name) => patternMatches(pattern, name)).sort(byteOrder);
      if (servers.length === 0) return;
      unpublished.set(pattern, (entry = { servers, usedBy: new Set() }));
    }
    entry.usedBy.add(usedBy);
  };
  for (const rule of indexed.inForce) note(rule.servers, `rule ${rule.name ?? rule.id}`);
  for (const tenant of indexed.tenants.values()) {
    for (const p of tenant.mcpPolicy.deny) note(p, `tenant ${tenant.name}`);
    for (const p of tenant.mcpPolicy.allow) note(p, `tenant ${tenant.name}`);
  }

  const covered = new Map<string, boolean>();
  const isCovered = (subject: Subject): boolean => {
    const key = subjectKey(subject);
    let answer = covered.get(key);
    if (answer === undefined) {
      answer = [...indexed.tenants.values()].some((tenant) => subjectCovers(subject, tenant, policy.groupMembers));
      covered.set(key, answer);
    }
    return answer;
  };

  const scopeExcluded: PolicyReport["scopeExcluded"] = [];
  const deadRules: DeadRule[] = [];
  for (const rule of indexed.inForce) {
    const servers = engine.patterns.get(rule.servers)!;
    const effect = engine.ruleEffect.get(rule.id)!;
    if (rule.access === "allow") {
      const excluded = namesOf(without(servers, effect), engine);
      if (excluded.length > 0) {
        scopeExcluded.push({
          ruleId: rule.id,
          ruleName: rule.name ?? rule.id,
          servers: excluded,
          reason: excluded.map((name) => grantRefusal(rule.subject, indexed.servers.get(name)!)).find(Boolean) ?? "",
        });
      }
    }
    if (isEmpty(servers)) {
      const u = unpublished.get(rule.servers);
      deadRules.push({
        ruleId: rule.id,
        ruleName: rule.name ?? rule.id,
        reason: u ? `'${rule.servers}' matches no active server yet (only ${u.servers.join(", ")})` : `'${rule.servers}' matches no server`,
      });
    } else if (isEmpty(effect)) {
      const subject = rule.subject;
      deadRules.push({
        ruleId: rule.id,
        ruleName: rule.name ?? rule.id,
        reason:
          subject.type === "tenant"
            ? `every server it matches is a personal server that tenant ${subject.name} does not own`
            : `every server it matches has a scope ${describeType(subject.type)} cannot be granted`,
      });
    } else if (isToolPattern(rule.servers) && !coversSomeTool(rule.servers, namesOf(effect, engine), policy.serverTools)) {
      deadRules.push({ ruleId: rule.id, ruleName: rule.name ?? rule.id, reason: noToolReason(rule.servers, namesOf(effect, engine), policy.serverTools) });
    } else if (!isCovered(rule.subject)) {
      deadRules.push({ ruleId: rule.id, ruleName: rule.name ?? rule.id, reason: uncoveredReason(rule.subject, policy.groupMembers) });
    }
  }

  const overrideExcluded: PolicyReport["overrideExcluded"] = [];
  for (const access of policy.tenants.values()) {
    if (access.reserved.length === 0) continue;
    overrideExcluded.push({
      tenant: access.name,
      servers: [...access.reserved],
      reason: ownerRefusal(access.name, policy.owners.get(access.reserved[0]!) ?? null)!,
    });
  }

  return {
    deadRules,
    unpublishedMatches: [...unpublished.entries()]
      .map(([pattern, u]) => ({ pattern, servers: u.servers, usedBy: [...u.usedBy].sort(byteOrder) }))
      .sort((a, b) => byteOrder(a.pattern, b.pattern)),
    scopeExcluded,
    expiredRules: [...indexed.expired],
    overrideExcluded,
    ownerlessPersonal: [...policy.owners].filter(([, owner]) => owner === null).map(([name]) => name),
  };
}

/** Whether a tool-qualified pattern covers a tool of one of these servers (a server without known tools has none). */
function coversSomeTool(pattern: string, servers: readonly string[], serverTools: ReadonlyMap<string, readonly PolicyTool[]>): boolean {
  return servers.some((name) => serverTools.get(name)?.some((tool) => toolMatches(pattern, tool)) ?? false);
}

/** "'github/create_*' matches no pinned tool of github", or that the servers have no known tools. */
export function noToolReason(pattern: string, servers: readonly string[], serverTools: ReadonlyMap<string, readonly PolicyTool[]>): string {
  const shown = `${servers.slice(0, 5).join(", ")}${servers.length > 5 ? ", …" : ""}`;
  if (servers.every((name) => !serverTools.has(name))) {
    return `'${pattern}' names tools, but ${servers.length === 1 ? `${shown} has` : `${shown} have`} no pinned tools yet (it applies once a manifest is pinned)`;
  }
  return `'${pattern}' matches no pinned tool of ${shown}`;
}

const subjectKeys = new WeakMap<Subject, string>();

function subjectKey(subject: Subject): string {
  let key = subjectKeys.get(subject);
  if (key === undefined) subjectKeys.set(subject, (key = subjectKeyOf(subject)));
  return key;
}

function subjectKeyOf(subject: Subject): string {
  switch (subject.type) {
    case "everyone":
      return "everyone";
    case "group":
    case "tenant":
      return `${subject.type}:${subject.name}`;
    case "selector":
      return `selector:${JSON.stringify(Object.entries(subject.matchLabels).sort(([a], [b]) => byteOrder(a, b)))}`;
  }
}

function describeType(type: Subject["type"]): string {
  return type === "everyone" ? "everyone" : `a ${type}`;
}

function uncoveredReason(subject: Subject, groupMembers: ReadonlyMap<string, ReadonlySet<string>>): string {
  switch (subject.type) {
    case "everyone":
      return "there are no tenants";
    case "tenant":
      return `tenant ${subject.name} does not exist`;
    case "group":
      return groupMembers.has(subject.name) ? `group ${subject.name} has no members` : `group ${subject.name} does not exist`;
    case "selector":
      return "no tenant has these labels";
  }
}

export interface Decision {
  decision: "allow" | "deny" | "not-published";
  tier: Tier;
}

const tierDecision = (tier: Tier): Decision => ({ decision: tier === 1 ? "not-published" : tier === 3 || tier === 5 ? "allow" : "deny", tier });

/**
 * The decision and deciding tier for one cell, straight from the compiled bits. On a server with
 * tool-level decisions, allowed when one of its tools is: the tier is then the lowest that allows
 * a tool, else the lowest that denies one.
 */
export function decide(policy: CompiledPolicy, tenant: string, server: string): Decision | null {
  const access = policy.tenants.get(tenant);
  if (!access) return null;
  const i = policy.serverIndex.get(server);
  if (i === undefined) return { decision: "not-published", tier: 1 };
  const entry = access.tools.get(server);
  if (entry?.tiers) {
    const allowed = entry.allow.length > 0;
    let tier = 6;
    for (const digit of entry.tiers) {
      const t = Number(digit);
      if ((t === 3 || t === 5) === allowed && t < tier) tier = t;
    }
    return tierDecision(tier as Tier);
  }
  if (hasBit(access.overrideDeny, i)) return { decision: "deny", tier: 2 };
  if (hasBit(access.overrideAllow, i)) return { decision: "allow", tier: 3 };
  if (hasBit(access.ruleDeny, i)) return { decision: "deny", tier: 4 };
  if (hasBit(access.ruleAllow, i)) return { decision: "allow", tier: 5 };
  return { decision: "deny", tier: 6 };
}

/**
 * The decision for one tool of a server (DESIGN §11), or null for an unknown tenant or a tool
 * the server does not expose. A server without known tools has none to decide.
 */
export function decideTool(policy: CompiledPolicy, tenant: string, server: string, tool: string): Decision | null {
  const access = policy.tenants.get(tenant);
  if (!access) return null;
  if (!policy.serverIndex.has(server)) return { decision: "not-published", tier: 1 };
  const index = policy.serverTools.get(server)?.findIndex((t) => t.name === tool) ?? -1;
  if (index < 0) return null;
  const entry = access.tools.get(server);
  if (entry?.tiers) return tierDecision(Number(entry.tiers[index]) as Tier);
  return decide(policy, tenant, server);
}
