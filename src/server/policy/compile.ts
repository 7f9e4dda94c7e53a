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
import { and, hasBit, indices, isEmpty, newBits, orInto, setBit, type Bits } from "./bits";
import { isGlob, type Access, type McpPolicy, type Subject } from "./model";

export interface PolicyServer {
  name: string;
  scope: Scope;
  status: ServerStatus;
  /** The one tenant a `personal` server may be granted to; null (or absent) for other scopes. */
  ownerTenant?: string | null;
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
  overrideDeny: Bits;
  /** The tenant's own allow list's servers, less `reserved`. */
  overrideAllow: Bits;
  ruleDeny: Bits;
  ruleAllow: Bits;
}

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
  everyoneRules: readonly number[];
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>;
  /** When the next rule expires: the snapshot must be rebuilt then. */
  nextExpiryAt: Date | null;
  report: PolicyReport;
  /** Tenant overrides may also name the scope-restricted servers; kept for explain. */
  ruleServerBits: readonly Bits[];
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const matcherCache = new Map<string, (name: string) => boolean>();

/** Whether a server name matches a rule's name-or-glob (only `*` and `?` are wildcards). */
export function patternMatches(pattern: string, name: string): boolean {
  if (!isGlob(pattern)) return pattern === name;
  let matcher = matcherCache.get(pattern);
  if (!matcher) {
    matcher = picomatch(pattern, { nobrace: true, noextglob: true, noglobstar: true, nonegate: true, dot: true });
    if (matcherCache.size > 10_000) matcherCache.clear();
    matcherCache.set(pattern, matcher);
  }
  return matcher(name);
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

export function compilePolicy(input: PolicyInput, now: Date): CompiledPolicy {
  const active = input.servers.filter((s) => s.status === "active").sort((a, b) => byteOrder(a.name, b.name));
  const servers = active.map((s) => s.name);
  const serverIndex = new Map(servers.map((name, i) => [name, i]));
  const scopes = new Map(active.map((s) => [s.name, s.scope]));
  const owners = new Map(active.filter((s) => s.scope === "personal").map((s) => [s.name, s.ownerTenant ?? null]));
  const size = servers.length;
  const inactive = input.servers.filter((s) => s.status !== "active").map((s) => s.name);

  const patternBits = new Map<string, Bits>();
  const unpublished = new Map<string, { servers: string[]; usedBy: Set<string> }>();
  const bitsFor = (pattern: string, usedBy: string): Bits => {
    let bits = patternBits.get(pattern);
    if (!bits) {
      bits = newBits(size);
      if (isGlob(pattern)) {
        servers.forEach((name, i) => patternMatches(pattern, name) && setBit(bits!, i));
      } else {
        const i = serverIndex.get(pattern);
        if (i !== undefined) setBit(bits, i);
      }
      patternBits.set(pattern, bits);
      const notActive = inactive.filter((name) => patternMatches(pattern, name));
      if (notActive.length > 0) unpublished.set(pattern, { servers: notActive.sort(byteOrder), usedBy: new Set() });
    }
    unpublished.get(pattern)?.usedBy.add(usedBy);
    return bits;
  };

  const scopeBits = new Map<Subject["type"], Bits>();
  for (const type of ["everyone", "group", "selector", "tenant"] as const) {
    const bits = newBits(size);
    const allowed = grantableScopes(type);
    active.forEach((s, i) => allowed.includes(s.scope) && setBit(bits, i));
    scopeBits.set(type, bits);
  }

  // Personal servers, and per owner the ones it owns: a tenant may be granted a personal server
  // only when it is the owner.
  const personalBits = newBits(size);
  const ownedBits = new Map<string, Bits>();
  active.forEach((s, i) => {
    if (s.scope !== "personal") return;
    setBit(personalBits, i);
    if (!s.ownerTenant) return;
    let owned = ownedBits.get(s.ownerTenant);
    if (!owned) ownedBits.set(s.ownerTenant, (owned = newBits(size)));
    setBit(owned, i);
  });
  /** Personal servers that tenant may never be granted: every one it does not own. */
  const reservedFrom = (tenant: string): Bits => {
    const owned = ownedBits.get(tenant);
    const out = personalBits.slice();
    if (owned) for (let w = 0; w < out.length; w++) out[w]! &= ~owned[w]!;
    return out;
  };
  const without = (bits: Bits, removed: Bits): Bits => {
    const out = bits.slice();
    for (let w = 0; w < out.length; w++) out[w]! &= ~removed[w]!;
    return out;
  };

  const expiredRules: string[] = [];
  const rules = input.rules.filter((rule) => {
    const expired = rule.expiresAt !== null && rule.expiresAt <= now;
    if (expired) expiredRules.push(rule.id);
    return !expired;
  });
  const nextExpiryAt = rules.reduce<Date | null>((next, rule) => (rule.expiresAt && (!next || rule.expiresAt < next) ? rule.expiresAt : next), null);

  // What each rule can grant or deny: its pattern's servers, less what its subject may not be granted.
  const scopeExcluded: PolicyReport["scopeExcluded"] = [];
  const ruleServerBits = rules.map((rule) => bitsFor(rule.servers, `rule ${rule.name ?? rule.id}`));
  const ruleEffectBits = rules.map((rule, r) => {
    if (rule.access === "deny") return ruleServerBits[r]!;
    let effective = and(ruleServerBits[r]!, scopeBits.get(rule.subject.type)!);
    if (rule.subject.type === "tenant") effective = without(effective, reservedFrom(rule.subject.name));
    const excluded = indices(ruleServerBits[r]!).filter((i) => !hasBit(effective, i));
    if (excluded.length > 0) {
      scopeExcluded.push({
        ruleId: rule.id,
        ruleName: rule.name ?? rule.id,
        servers: excluded.map((i) => servers[i]!),
        reason: excluded.map((i) => grantRefusal(rule.subject, active[i]!)).find(Boolean) ?? "",
      });
    }
    return effective;
  });

  // Rules with the same subject act together: fold their effects into one pair of sets per
  // subject, then give each tenant the union of its subjects' sets.
  const groupMembers = new Map(input.groups.map((g) => [g.name, new Set(g.members)]));
  const tenantNames = new Set(input.tenants.map((t) => t.name));
  const bySubject = new Map<string, { subject: Subject; deny: Bits; allow: Bits; rules: number[] }>();
  const everyoneRules: number[] = [];
  rules.forEach((rule, r) => {
    if (rule.subject.type === "everyone") everyoneRules.push(r);
    const key = subjectKey(rule.subject);
    let folded = bySubject.get(key);
    if (!folded) {
      folded = { subject: rule.subject, deny: newBits(size), allow: newBits(size), rules: [] };
      bySubject.set(key, folded);
    }
    orInto(rule.access === "deny" ? folded.deny : folded.allow, ruleEffectBits[r]!);
    folded.rules.push(r);
  });

  const byLabel = new Map<string, string[]>();
  for (const tenant of input.tenants) {
    for (const [k, v] of Object.entries(tenant.labels)) {
      const key = `${k}\u0000${v}`;
      const list = byLabel.get(key);
      if (list) list.push(tenant.name);
      else byLabel.set(key, [tenant.name]);
    }
  }
  const tenantsByName = new Map(input.tenants.map((t) => [t.name, t]));
  const subjectsOf = new Map<string, { deny: Bits; allow: Bits }[]>();
  const coveredCount = new Map<string, number>();
  for (const [key, folded] of bySubject) {
    const subject = folded.subject;
    let covered: string[];
    switch (subject.type) {
      case "everyone":
        coveredCount.set(key, tenantNames.size);
        continue;
      case "tenant":
        covered = tenantNames.has(subject.name) ? [subject.name] : [];
        break;
      case "group":
        covered = [...(groupMembers.get(subject.name) ?? [])].filter((name) => tenantNames.has(name));
        break;
      case "selector": {
        const entries = Object.entries(subject.matchLabels);
        const candidates = entries.map(([k, v]) => byLabel.get(`${k}\u0000${v}`) ?? []).sort((a, b) => a.length - b.length)[0] ?? [];
        covered = candidates.filter((name) => entries.every(([k, v]) => tenantsByName.get(name)!.labels[k] === v));
        break;
      }
    }
    coveredCount.set(key, covered.length);
    for (const name of covered) {
      const list = subjectsOf.get(name);
      if (list) list.push(folded);
      else subjectsOf.set(name, [folded]);
    }
  }
  const everyone = bySubject.get(subjectKey({ type: "everyone" }));

  const tenants = new Map<string, TenantAccess>();
  const overrideExcluded: PolicyReport["overrideExcluded"] = [];
  for (const tenant of input.tenants) {
    const overrideDeny = newBits(size);
    const listed = newBits(size);
    for (const p of tenant.mcpPolicy.deny) orInto(overrideDeny, bitsFor(p, `tenant ${tenant.name}`));
    for (const p of tenant.mcpPolicy.allow) orInto(listed, bitsFor(p, `tenant ${tenant.name}`));
    const reservedBits = and(listed, reservedFrom(tenant.name));
    const overrideAllow = without(listed, reservedBits);
    const reserved = indices(reservedBits).map((i) => servers[i]!);
    if (reserved.length > 0) {
      overrideExcluded.push({ tenant: tenant.name, servers: reserved, reason: ownerRefusal(tenant.name, owners.get(reserved[0]!) ?? null)! });
    }
    const ruleDeny = everyone ? everyone.deny.slice() : newBits(size);
    const ruleAllow = everyone ? everyone.allow.slice() : newBits(size);
    for (const folded of subjectsOf.get(tenant.name) ?? []) {
      orInto(ruleDeny, folded.deny);
      orInto(ruleAllow, folded.allow);
    }

    const allow: string[] = [];
    const deny: string[] = [];
    for (let w = 0; w < overrideDeny.length; w++) {
      const od = overrideDeny[w]!;
      const oa = overrideAllow[w]!;
      const rd = ruleDeny[w]!;
      const ra = ruleAllow[w]!;
      // allow: ¬OD ∧ (OA ∨ (¬RD ∧ RA)); explicit deny: OD ∨ (¬OA ∧ RD)
      let allowWord = ~od & (oa | (~rd & ra));
      let denyWord = (od | (~oa & rd)) & ~allowWord;
      while (allowWord !== 0) {
        const low = allowWord & -allowWord;
        allow.push(servers[(w << 5) + 31 - Math.clz32(low)]!);
        allowWord ^= low;
      }
      while (denyWord !== 0) {
        const low = denyWord & -denyWord;
        deny.push(servers[(w << 5) + 31 - Math.clz32(low)]!);
        denyWord ^= low;
      }
    }
    // Bits past the last server are never set, so no name lookup runs past the end.
    tenants.set(tenant.name, {
      name: tenant.name,
      labels: tenant.labels,
      mcpPolicy: tenant.mcpPolicy,
      allow,
      deny,
      reserved,
      overrideDeny,
      overrideAllow,
      ruleDeny,
      ruleAllow,
    });
  }

  const deadRules: DeadRule[] = [];
  rules.forEach((rule, r) => {
    if (isEmpty(ruleServerBits[r]!)) {
      deadRules.push({
        ruleId: rule.id,
        ruleName: rule.name ?? rule.id,
        reason: unpublished.has(rule.servers)
          ? `'${rule.servers}' matches no active server yet (only ${unpublished.get(rule.servers)!.servers.join(", ")})`
          : `'${rule.servers}' matches no server`,
      });
    } else if (isEmpty(ruleEffectBits[r]!)) {
      const subject = rule.subject;
      deadRules.push({
        ruleId: rule.id,
        ruleName: rule.name ?? rule.id,
        reason:
          subject.type === "tenant"
            ? `every server it matches is a personal server that tenant ${subject.name} does not own`
            : `every server it matches has a scope ${describeType(subject.type)} cannot be granted`,
      });
    } else if (coveredCount.get(subjectKey(rule.subject)) === 0) {
      deadRules.push({ ruleId: rule.id, ruleName: rule.name ?? rule.id, reason: uncoveredReason(rule.subject, groupMembers) });
    }
  });

  return {
    compiledAt: now,
    servers,
    serverIndex,
    scopes,
    owners,
    tenants,
    rules,
    everyoneRules,
    groupMembers,
    nextExpiryAt,
    ruleServerBits,
    report: {
      deadRules,
      unpublishedMatches: [...unpublished.entries()]
        .map(([pattern, u]) => ({ pattern, servers: u.servers, usedBy: [...u.usedBy].sort(byteOrder) }))
        .sort((a, b) => byteOrder(a.pattern, b.pattern)),
      scopeExcluded,
      expiredRules,
      overrideExcluded,
      ownerlessPersonal: [...owners].filter(([, owner]) => owner === null).map(([name]) => name),
    },
  };
}

function subjectKey(subject: Subject): string {
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

/** The decision and deciding tier for one cell, straight from the compiled bits. */
export function decide(policy: CompiledPolicy, tenant: string, server: string): Decision | null {
  const access = policy.tenants.get(tenant);
  if (!access) return null;
  const i = policy.serverIndex.get(server);
  if (i === undefined) return { decision: "not-published", tier: 1 };
  if (hasBit(access.overrideDeny, i)) return { decision: "deny", tier: 2 };
  if (hasBit(access.overrideAllow, i)) return { decision: "allow", tier: 3 };
  if (hasBit(access.ruleDeny, i)) return { decision: "deny", tier: 4 };
  if (hasBit(access.ruleAllow, i)) return { decision: "allow", tier: 5 };
  return { decision: "deny", tier: 6 };
}
