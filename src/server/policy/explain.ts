/** Why a tenant may or may not use a server: the deciding tier and rule, and every rule that matched. */
import { hasBit } from "./bits";
import { decide, grantRefusal, ownerRefusal, patternMatches, subjectCovers, TIER_NAMES, type CompiledPolicy, type Tier } from "./compile";
import { describeSubject, type Subject } from "./model";

export type Match =
  | { kind: "override"; list: "allow" | "deny"; pattern: string; note?: string }
  | { kind: "rule"; ruleId: string; ruleName: string; access: "allow" | "deny"; subject: Subject; servers: string; applies: boolean; note?: string };

export interface Explanation {
  tenant: string;
  server: string;
  published: boolean;
  decision: "allow" | "deny" | "not-published";
  tier: Tier;
  tierName: string;
  /** The override pattern or rule that decided, or null for the default deny / unpublished server. */
  decidedBy: Match | null;
  matches: Match[];
  summary: string;
}

export function explainAccess(policy: CompiledPolicy, tenant: string, server: string): Explanation | null {
  const access = policy.tenants.get(tenant);
  const decision = decide(policy, tenant, server);
  if (!access || !decision) return null;
  const published = decision.tier !== 1;
  const scope = policy.scopes.get(server);
  const index = policy.serverIndex.get(server);

  const owner = policy.owners.get(server) ?? null;
  const reserved = access.reserved.includes(server) ? ownerRefusal(tenant, owner) : null;
  const matches: Match[] = [];
  for (const list of ["deny", "allow"] as const) {
    for (const pattern of access.mcpPolicy[list]) {
      if (patternMatches(pattern, server)) matches.push({ kind: "override", list, pattern, ...(list === "allow" && reserved ? { note: reserved } : {}) });
    }
  }
  policy.rules.forEach((rule, r) => {
    if (!patternMatches(rule.servers, server) || !subjectCovers(rule.subject, access, policy.groupMembers)) return;
    const refusal = rule.access === "allow" && scope ? grantRefusal(rule.subject, { scope, ownerTenant: owner }) : null;
    matches.push({
      kind: "rule",
      ruleId: rule.id,
      ruleName: rule.name ?? rule.id,
      access: rule.access,
      subject: rule.subject,
      servers: rule.servers,
      applies: index !== undefined && hasBit(policy.ruleServerBits[r]!, index) && !refusal,
      ...(refusal ? { note: refusal } : {}),
    });
  });

  const decidedBy =
    decision.tier === 2
      ? matches.find((m) => m.kind === "override" && m.list === "deny")
      : decision.tier === 3
        ? matches.find((m) => m.kind === "override" && m.list === "allow")
        : decision.tier === 4
          ? matches.find((m) => m.kind === "rule" && m.access === "deny" && m.applies)
          : decision.tier === 5
            ? matches.find((m) => m.kind === "rule" && m.access === "allow" && m.applies)
            : undefined;

  return {
    tenant,
    server,
    published,
    decision: decision.decision,
    tier: decision.tier,
    tierName: TIER_NAMES[decision.tier],
    decidedBy: decidedBy ?? null,
    matches,
    summary:
      decision.tier === 6 && reserved && matches.some((m) => m.kind === "override" && m.list === "allow")
        ? `${tenant} may not use ${server}: the tenant's own allow list matches it, but ${reserved} (default deny)`
        : summarize(tenant, server, decision.tier, decidedBy ?? null),
  };
}

function summarize(tenant: string, server: string, tier: Tier, by: Match | null): string {
  const what = (m: Match) =>
    m.kind === "override"
      ? `the tenant's own mcpPolicy.${m.list} entry '${m.pattern}'`
      : `rule ${m.ruleName} (${m.access} ${describeSubject(m.subject)} on '${m.servers}')`;
  switch (tier) {
    case 1:
      return `${server} is not active, so no tenant can use it`;
    case 6:
      return `${tenant} may not use ${server}: no rule allows it (default deny)`;
    default:
      return `${tenant} ${tier === 3 || tier === 5 ? "may" : "may not"} use ${server}: decided by ${by ? what(by) : "a rule"} (${TIER_NAMES[tier]})`;
  }
}
