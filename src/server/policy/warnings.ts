/**
 * The compiler's warnings (PolicyReport) as the rules page reads them: one line each, grouped by
 * kind with counts, filtered by text and cut into pages here, so the page never loads the whole
 * report (at 5,000 rules it has over a thousand entries). Pure.
 */
import { z } from "zod";
import { pageArgs, pageOf, type Page } from "../util/paging";
import type { PolicyReport } from "./compile";

export const WARNING_KINDS = ["dead", "unpublished", "scope", "override", "ownerless"] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

export const WARNING_TITLES: Record<WarningKind, string> = {
  dead: "Dead rules",
  unpublished: "Patterns matching only servers that are not active",
  scope: "Rules their servers' scope excludes",
  override: "Tenant overrides that allow what they are never granted",
  ownerless: "Personal servers without an owner",
};

export const warningPageInput = z.object({
  kind: z
    .enum(WARNING_KINDS, { error: `kind must be one of ${WARNING_KINDS.join(", ")}` })
    .optional()
    .meta({ description: "The kind whose warnings to list; without it, only the counts" }),
  q: z.string().trim().max(200, "q must be at most 200 characters").optional().meta({ description: "Text the warning contains (rule id, server, tenant)" }),
  ...pageArgs,
});
export type WarningPageInput = z.output<typeof warningPageInput>;

export interface Warning {
  key: string;
  kind: WarningKind;
  /** The rule the warning names, linked by the console. */
  rule: { id: string; name: string } | null;
  /** The whole line, as the filter searches it; with `rule`, `message` follows the rule's name. */
  text: string;
  message: string;
}

/** Every warning of the report, kind by kind, in the report's order. */
export function warningsOf(report: PolicyReport): Warning[] {
  return [
    ...report.deadRules.map((d) => ({
      key: `dead-${d.ruleId}`,
      kind: "dead" as const,
      rule: { id: d.ruleId, name: d.ruleName },
      text: `Rule ${d.ruleName} (${d.ruleId}) is dead: ${d.reason}`,
      message: `is dead: ${d.reason}`,
    })),
    ...report.unpublishedMatches.map((u) => {
      const text = `'${u.pattern}' (${u.usedBy.join(", ")}) matches only servers that are not active: ${u.servers.join(", ")}`;
      return { key: `unpublished-${u.pattern}`, kind: "unpublished" as const, rule: null, text, message: text };
    }),
    ...report.scopeExcluded.map((s) => ({
      key: `scope-${s.ruleId}`,
      kind: "scope" as const,
      rule: { id: s.ruleId, name: s.ruleName },
      text: `Rule ${s.ruleName} (${s.ruleId}) cannot grant ${s.servers.join(", ")}: ${s.reason}`,
      message: `cannot grant ${s.servers.join(", ")}: ${s.reason}`,
    })),
    ...report.overrideExcluded.map((o) => {
      const text = `Tenant ${o.tenant}'s own allow list matches ${o.servers.join(", ")}, which it is never granted: ${o.reason}`;
      return { key: `override-${o.tenant}`, kind: "override" as const, rule: null, text, message: text };
    }),
    ...report.ownerlessPersonal.map((server) => {
      const text = `Personal server ${server} has no owner tenant, so nobody can be granted it: set its owner tenant`;
      return { key: `ownerless-${server}`, kind: "ownerless" as const, rule: null, text, message: text };
    }),
  ];
}

export interface WarningPage extends Page<Warning> {
  /** Every warning, whatever the filter. */
  all: number;
  /** The kinds that have warnings, in a fixed order: how many each has, and how many match the filter. */
  kinds: { kind: WarningKind; title: string; count: number; matching: number }[];
}

/** The counts by kind, and with `kind` that kind's matching warnings a page at a time. */
export function pageWarnings(warnings: readonly Warning[], query: WarningPageInput): WarningPage {
  const needle = query.q?.toLowerCase() ?? "";
  const matches = (w: Warning) => !needle || w.text.toLowerCase().includes(needle);
  const kinds = WARNING_KINDS.map((kind) => {
    const ofKind = warnings.filter((w) => w.kind === kind);
    return { kind, title: WARNING_TITLES[kind], count: ofKind.length, matching: needle ? ofKind.filter(matches).length : ofKind.length };
  }).filter((k) => k.count > 0);
  const listed = query.kind ? warnings.filter((w) => w.kind === query.kind && matches(w)) : [];
  return { ...pageOf(listed, query.offset, query.limit), all: warnings.length, kinds };
}
