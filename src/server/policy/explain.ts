/**
 * Why a tenant may or may not use a server, or one of its tools (DESIGN §4, §11): the deciding
 * tier and rule, and every rule that matched.
 */
import { hasBit } from "./bits";
import {
  decide,
  decideTool,
  grantRefusal,
  ownerRefusal,
  patternMatches,
  subjectCovers,
  TIER_NAMES,
  toolMatches,
  type CompiledPolicy,
  type Decision,
  type PolicyTool,
  type Tier,
} from "./compile";
import { describeSubject, isToolPattern, type Subject } from "./model";

export type Match =
  | { kind: "override"; list: "allow" | "deny"; pattern: string; note?: string }
  | { kind: "rule"; ruleId: string; ruleName: string; access: "allow" | "deny"; subject: Subject; servers: string; applies: boolean; note?: string };

/** One tool's decision: the deciding tier and the override or rule that decided it. */
export interface ToolExplanation {
  tool: string;
  decision: "allow" | "deny";
  tier: Tier;
  tierName: string;
  decidedBy: Match | null;
  summary: string;
}

export interface Explanation {
  tenant: string;
  server: string;
  /** The tool asked about (`?tool=`), when one was. */
  tool?: string;
  published: boolean;
  decision: "allow" | "deny" | "not-published";
  tier: Tier;
  tierName: string;
  /** The override pattern or rule that decided, or null for the default deny / unpublished server. */
  decidedBy: Match | null;
  /** Every override pattern and rule that matches the server (with a tool asked about: that tool). */
  matches: Match[];
  /**
   * Per tool of a server with known tools (and no tool asked about): each tool's decision. A
   * server is allowed when one of its tools is.
   */
  tools?: ToolExplanation[];
  summary: string;
}

/** The override or rule that decides at this tier among matches that apply (covering the tool, if any). */
function decider(matches: readonly Match[], tier: Tier): Match | undefined {
  switch (tier) {
    case 2:
      return matches.find((m) => m.kind === "override" && m.list === "deny");
    case 3:
      return matches.find((m) => m.kind === "override" && m.list === "allow" && !m.note);
    case 4:
      return matches.find((m) => m.kind === "rule" && m.access === "deny" && m.applies);
    case 5:
      return matches.find((m) => m.kind === "rule" && m.access === "allow" && m.applies);
    default:
      return undefined;
  }
}

const patternOf = (m: Match) => (m.kind === "override" ? m.pattern : m.servers);

/**
 * The explanation of one cell, or of one tool with `tool`; null for an unknown tenant, or a tool
 * the server does not expose (see `CompiledPolicy.serverTools`).
 */
export function explainAccess(policy: CompiledPolicy, tenant: string, server: string, tool?: string): Explanation | null {
  const access = policy.tenants.get(tenant);
  const decision = tool === undefined ? decide(policy, tenant, server) : decideTool(policy, tenant, server, tool);
  if (!access || !decision) return null;
  const published = decision.tier !== 1;
  const scope = policy.scopes.get(server);
  const index = policy.serverIndex.get(server);
  const serverTools = policy.serverTools.get(server) ?? null;
  const asked = tool === undefined ? null : (serverTools?.find((t) => t.name === tool) ?? null);

  const owner = policy.owners.get(server) ?? null;
  const reserved = access.reserved.includes(server) ? ownerRefusal(tenant, owner) : null;
  const all: Match[] = [];
  for (const list of ["deny", "allow"] as const) {
    for (const pattern of access.mcpPolicy[list]) {
      if (patternMatches(pattern, server)) all.push({ kind: "override", list, pattern, ...(list === "allow" && reserved ? { note: reserved } : {}) });
    }
  }
  policy.rules.forEach((rule, r) => {
    if (!patternMatches(rule.servers, server) || !subjectCovers(rule.subject, access, policy.groupMembers)) return;
    const refusal = rule.access === "allow" && scope ? grantRefusal(rule.subject, { scope, ownerTenant: owner }) : null;
    all.push({
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
  // A tool-qualified pattern says nothing about a server without known tools, nor about tools it does not name.
  const covering = (t: PolicyTool | null) => all.filter((m) => (t ? toolMatches(patternOf(m), t) : !isToolPattern(patternOf(m))));
  const matches = asked ? covering(asked) : all;

  const perTool =
    tool === undefined && published && serverTools
      ? serverTools.map((t) => toolExplanation(tenant, server, t, decideTool(policy, tenant, server, t.name)!, covering(t)))
      : undefined;
  let decidedBy: Match | undefined;
  if (asked) decidedBy = decider(matches, decision.tier);
  else if (perTool && access.tools.has(server)) decidedBy = perTool.find((t) => t.tier === decision.tier)?.decidedBy ?? undefined;
  else decidedBy = decider(covering(null), decision.tier);

  return {
    tenant,
    server,
    ...(tool !== undefined ? { tool } : {}),
    published,
    decision: decision.decision,
    tier: decision.tier,
    tierName: TIER_NAMES[decision.tier],
    decidedBy: decidedBy ?? null,
    matches,
    ...(perTool ? { tools: perTool } : {}),
    summary:
      decision.tier === 6 && reserved && matches.some((m) => m.kind === "override" && m.list === "allow")
        ? `${tenant} may not use ${server}: the tenant's own allow list matches it, but ${reserved} (default deny)`
        : summarize(tenant, asked ? `${server}/${asked.name}` : server, decision.tier, decidedBy ?? null, perTool),
  };
}

function toolExplanation(tenant: string, server: string, tool: PolicyTool, decision: Decision, matches: readonly Match[]): ToolExplanation {
  const by = decider(matches, decision.tier) ?? null;
  return {
    tool: tool.name,
    decision: decision.decision === "allow" ? "allow" : "deny",
    tier: decision.tier,
    tierName: TIER_NAMES[decision.tier],
    decidedBy: by,
    summary: summarize(tenant, `${server}/${tool.name}`, decision.tier, by),
  };
}

function summarize(tenant: string, what: string, tier: Tier, by: Match | null, perTool?: readonly ToolExplanation[]): string {
  const source = (m: Match) =>
    m.kind === "override"
      ? `the tenant's own mcpPolicy.${m.list} entry '${m.pattern}'`
      : `rule ${m.ruleName} (${m.access} ${describeSubject(m.subject)} on '${m.servers}')`;
  const partly = perTool && perTool.some((t) => t.decision === "deny") && perTool.some((t) => t.decision === "allow");
  const tools = partly ? ` (${perTool.filter((t) => t.decision === "allow").length} of its ${perTool.length} tools)` : "";
  switch (tier) {
    case 1:
      return `${what} is not active, so no tenant can use it`;
    case 6:
      return `${tenant} may not use ${what}: no rule allows it (default deny)`;
    default:
      return `${tenant} ${tier === 3 || tier === 5 ? "may" : "may not"} use ${what}${tools}: decided by ${by ? source(by) : "a rule"} (${TIER_NAMES[tier]})`;
  }
}
