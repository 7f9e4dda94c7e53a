/**
 * What the rule and override forms say about a server pattern before it is saved: which active
 * servers it matches, whether it only reaches servers that are not active (a draft-only target),
 * the closest name when it matches nothing (most likely a typo), and which existing rules it would
 * duplicate. Pure: the forms and the server's duplicate query share it.
 */
import { noToolReason, patternMatches, toolMatches, type PolicyTool } from "./compile";
import { isToolPattern } from "./model";

/** A server a pattern may name: the active ones and those that could become active. */
export interface ServerTarget {
  name: string;
  status: "active" | "draft" | "degraded";
  /** An active server's pinned tools, when known. */
  tools?: readonly PolicyTool[];
}

export type PatternCheck =
  | { kind: "empty" }
  /**
   * Matches active servers (and perhaps some that are not active yet); `noTool` says why a
   * tool-qualified pattern (`github/create_*`) matches none of their pinned tools.
   */
  | { kind: "matches"; active: string[]; inactive: ServerTarget[]; noTool?: string }
  /** Matches only servers that are not active: the rule does nothing until one is published. */
  | { kind: "inactive-only"; inactive: ServerTarget[] }
  /** Matches no server at all; `suggestion` is the closest name, when one is close. */
  | { kind: "no-match"; suggestion: ServerTarget | null };

/** Levenshtein distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** How many edits a name of this length may be away and still count as "probably meant". */
const tolerance = (length: number) => (length <= 3 ? 1 : length <= 8 ? 2 : 3);

const STATUS_ORDER: Record<ServerTarget["status"], number> = { active: 0, degraded: 1, draft: 2 };

/**
 * The server most likely meant by a pattern that matches nothing: the nearest name within a few
 * edits, active servers first on a tie, then by name. For a glob, the nearest name to its text
 * before the first wildcard is not a useful guess, so globs get none.
 */
export function closestServer(pattern: string, targets: readonly ServerTarget[]): ServerTarget | null {
  const typed = pattern.trim();
  if (!typed || /[*?]/.test(typed)) return null;
  let best: { target: ServerTarget; distance: number } | null = null;
  for (const target of targets) {
    const distance = editDistance(typed, target.name);
    if (distance > tolerance(typed.length)) continue;
    if (
      !best ||
      distance < best.distance ||
      (distance === best.distance && STATUS_ORDER[target.status] < STATUS_ORDER[best.target.status]) ||
      (distance === best.distance && STATUS_ORDER[target.status] === STATUS_ORDER[best.target.status] && target.name < best.target.name)
    ) {
      best = { target, distance };
    }
  }
  return best?.target ?? null;
}

export function checkPattern(pattern: string, targets: readonly ServerTarget[]): PatternCheck {
  const typed = pattern.trim();
  if (!typed) return { kind: "empty" };
  const matched = targets.filter((t) => patternMatches(typed, t.name));
  const active = matched.filter((t) => t.status === "active").map((t) => t.name);
  const inactive = matched.filter((t) => t.status !== "active");
  if (active.length > 0) {
    if (!isToolPattern(typed)) return { kind: "matches", active, inactive };
    const activeTargets = matched.filter((t) => t.status === "active");
    if (activeTargets.some((t) => t.tools?.some((tool) => toolMatches(typed, tool)))) return { kind: "matches", active, inactive };
    const serverTools = new Map(activeTargets.flatMap((t) => (t.tools && t.tools.length > 0 ? [[t.name, t.tools] as const] : [])));
    return { kind: "matches", active, inactive, noTool: noToolReason(typed, active, serverTools) };
  }
  if (inactive.length > 0) return { kind: "inactive-only", inactive };
  return { kind: "no-match", suggestion: closestServer(typed, targets) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function listed(names: readonly string[], max = 12): string {
  return `${names.slice(0, max).join(", ")}${names.length > max ? ", …" : ""}`;
}

/** A pattern check as the one line the form shows under the field, with its tone. */
export function patternCheckText(check: PatternCheck): { tone: "info" | "warning"; text: string } | null {
  switch (check.kind) {
    case "empty":
      return null;
    case "matches":
      if (check.noTool) return { tone: "warning", text: `${check.noTool}.` };
      return {
        tone: "info",
        text:
          `Matches ${plural(check.active.length, "active server")}: ${listed(check.active)}` +
          (check.inactive.length > 0 ? ` (and ${plural(check.inactive.length, "server")} not active yet)` : ""),
      };
    case "inactive-only": {
      const byStatus = check.inactive.map((t) => `${t.name} (${t.status})`);
      return {
        tone: "warning",
        text: `Matches no active server, only ${listed(byStatus)}: it applies once ${check.inactive.length === 1 ? "that server is" : "one of them is"} published.`,
      };
    }
    case "no-match":
      return {
        tone: "warning",
        text: check.suggestion
          ? `Matches no server. Did you mean ${check.suggestion.name}${check.suggestion.status === "active" ? "" : ` (${check.suggestion.status})`}?`
          : "Matches no server in the catalog: check the spelling, or it applies once a matching server is published.",
      };
  }
}

/** The parts of a rule that decide what it does; a note or an expiry does not make two rules different. */
export interface RuleShape {
  subject: { type: string; name?: string; matchLabels?: Record<string, string> };
  servers: string;
  access: string;
}

function sameLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

export function sameSubject(a: RuleShape["subject"], b: RuleShape["subject"]): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "group" || a.type === "tenant") return a.name === b.name;
  if (a.type === "selector") return sameLabels(a.matchLabels, b.matchLabels);
  return true;
}

/** The existing rules that say what the candidate says (same subject, same pattern, same access), but for the rule being edited. */
export function duplicateRules<R extends RuleShape & { id: string }>(candidate: RuleShape, rules: readonly R[], exceptId?: string): R[] {
  const servers = candidate.servers.trim();
  return rules.filter((r) => r.id !== exceptId && r.access === candidate.access && r.servers === servers && sameSubject(r.subject, candidate.subject));
}
