/** Groups, grant rules and the compiled policy: their changes (previewable) and what the served snapshot decides. */
import { z } from "zod";
import { disableServer, listServerTargets, publishServer } from "../catalog/servers";
import {
  ACCESS,
  grantCreateInput,
  grantListInput,
  grantPageInput,
  grantUpdateInput,
  groupCreateInput,
  groupPageInput,
  groupUpdateInput,
  serverPatternSchema,
  subjectSchema,
  tenantListInput,
} from "../policy/model";
import { duplicateRules } from "../policy/rule-check";
import type { PolicyReport } from "../policy/compile";
import { pageWarnings, warningPageInput, warningsOf, type Warning } from "../policy/warnings";
import { changeOrPreview } from "../policy/preview";
import { accessMatrix, currentSnapshot, explain } from "../snapshot/reads";
import {
  createGrant,
  createGroup,
  deleteGrant,
  deleteGroup,
  getGrant,
  getGroup,
  listGrants,
  listGroups,
  listTenants,
  pageGrants,
  pageGroups,
  policyCounts,
  updateGrant,
  updateGroup,
} from "../policy/store";
import { useCase } from "./use-case";

const identifier = z.string().min(1);
const dryRun = z.boolean().default(false);

// Groups

export const listGroupsUseCase = useCase({
  name: "groups.list",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: ({ services }) => listGroups(services.db),
});

/** The console's group list: filtered, sorted and paged here. */
export const pageGroupsUseCase = useCase({
  name: "groups.page",
  role: "viewer",
  mutates: false,
  args: groupPageInput,
  run: async ({ services }, query) => ({ ...(await pageGroups(services.db, query)), all: (await policyCounts(services.db)).groups }),
});

export const getGroupUseCase = useCase({
  name: "groups.get",
  role: "viewer",
  mutates: false,
  args: z.object({ name: identifier }),
  run: ({ services }, { name }) => getGroup(services.db, name),
});

export const createGroupUseCase = useCase({
  name: "groups.create",
  role: "editor",
  mutates: true,
  args: z.object({ group: groupCreateInput, dryRun }),
  invalid: () => "cannot create group",
  run: ({ services, change }, { group, dryRun }) => changeOrPreview(services.db, dryRun, (db) => createGroup(db, change, group)),
});

export const updateGroupUseCase = useCase({
  name: "groups.update",
  role: "editor",
  mutates: true,
  args: z.object({ name: identifier, patch: groupUpdateInput, dryRun }),
  invalid: (raw) => `cannot update group '${String(raw.name)}'`,
  run: ({ services, change }, { name, patch, dryRun }) => changeOrPreview(services.db, dryRun, (db) => updateGroup(db, change, name, patch)),
});

export const deleteGroupUseCase = useCase({
  name: "groups.delete",
  role: "editor",
  mutates: true,
  args: z.object({ name: identifier, dryRun }),
  run: ({ services, change }, { name, dryRun }) => changeOrPreview(services.db, dryRun, (db) => deleteGroup(db, change, name)),
});

// Grant rules

/** The rules, each with why the served policy finds it dead (null when it is not). */
export const listGrantsWithDeadReasons = useCase({
  name: "grants.list",
  role: "viewer",
  mutates: false,
  args: grantListInput,
  run: async ({ services }, filter) => {
    const dead = new Map(services.snapshots.current?.policy.report.deadRules.map((d) => [d.ruleId, d.reason]));
    return (await listGrants(services.db, filter)).map((grant) => ({ ...grant, deadReason: dead.get(grant.id) ?? null }));
  },
});

/** The console's rule list: filtered, sorted and paged here; `all` counts every rule, filtered or not. */
export const pageGrantsUseCase = useCase({
  name: "grants.page",
  role: "viewer",
  mutates: false,
  args: grantPageInput,
  run: async ({ services }, query) => {
    const dead = new Map(services.snapshots.current?.policy.report.deadRules.map((d) => [d.ruleId, d.reason]));
    const page = await pageGrants(services.db, query);
    return {
      ...page,
      items: page.items.map((grant) => ({ ...grant, deadReason: dead.get(grant.id) ?? null })),
      all: (await policyCounts(services.db)).rules,
    };
  },
});

export const getGrantUseCase = useCase({
  name: "grants.get",
  role: "viewer",
  mutates: false,
  args: z.object({ id: identifier }),
  run: ({ services }, { id }) => getGrant(services.db, id),
});

export const createGrantUseCase = useCase({
  name: "grants.create",
  role: "editor",
  mutates: true,
  args: z.object({ grant: grantCreateInput, dryRun }),
  invalid: () => "cannot save rule",
  run: ({ services, change }, { grant, dryRun }) => changeOrPreview(services.db, dryRun, (db) => createGrant(db, change, grant)),
});

export const updateGrantUseCase = useCase({
  name: "grants.update",
  role: "editor",
  mutates: true,
  args: z.object({ id: identifier, patch: grantUpdateInput, dryRun }),
  invalid: () => "cannot update rule",
  run: ({ services, change }, { id, patch, dryRun }) => changeOrPreview(services.db, dryRun, (db) => updateGrant(db, change, id, patch)),
});

export const deleteGrantUseCase = useCase({
  name: "grants.delete",
  role: "editor",
  mutates: true,
  args: z.object({ id: identifier, dryRun }),
  run: ({ services, change }, { id, dryRun }) => changeOrPreview(services.db, dryRun, (db) => deleteGrant(db, change, id)),
});

// The compiled policy

export const policyReport = useCase({
  name: "policy.report",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: async ({ services }) => {
    const snapshot = currentSnapshot(services);
    return {
      revision: snapshot.revision,
      compiledAt: snapshot.policy.compiledAt.toISOString(),
      nextExpiryAt: snapshot.policy.nextExpiryAt?.toISOString() ?? null,
      activeServers: snapshot.policy.servers.length,
      ...(await policyCounts(services.db)),
      report: snapshot.policy.report,
    };
  },
});

/** Each snapshot's warnings, worked out once: the rules page asks for them a kind and a page at a time. */
const warningsByReport = new WeakMap<PolicyReport, Warning[]>();

function warningsOfReport(report: PolicyReport): Warning[] {
  let warnings = warningsByReport.get(report);
  if (!warnings) warningsByReport.set(report, (warnings = warningsOf(report)));
  return warnings;
}

/** How many warnings the compiler has (every kind). */
export function warningCount(report: PolicyReport): number {
  return warningsOfReport(report).length;
}

/** The compiler's warnings for the rules page: counts by kind, and one kind's matching warnings a page at a time. */
export const policyWarnings = useCase({
  name: "policy.warnings",
  role: "viewer",
  mutates: false,
  args: warningPageInput,
  run: async ({ services }, query) => {
    const snapshot = currentSnapshot(services);
    return { revision: snapshot.revision, ...pageWarnings(warningsOfReport(snapshot.policy.report), query) };
  },
});

/** The active servers rules can match, with their scope: the hints of the rule form. */
export const policyServers = useCase({
  name: "policy.servers",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: async ({ services }) => {
    const policy = currentSnapshot(services).policy;
    return policy.servers.map((name) => ({ name, scope: policy.scopes.get(name)! }));
  },
});

/**
 * Every server a rule or override may name (active, draft, degraded) with its status, and an
 * active server's pinned tools when known: the forms' suggestions, typo and tool checks.
 */
export const policyServerTargets = useCase({
  name: "policy.serverTargets",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: async ({ services }) => {
    const targets = await listServerTargets(services.db);
    const serverTools = services.snapshots.current?.policy.serverTools;
    return targets.map((t) => {
      const tools = t.status === "active" ? serverTools?.get(t.name) : undefined;
      return tools ? { ...t, tools: tools.map((tool) => ({ name: tool.name, readOnly: tool.readOnly })) } : t;
    });
  },
});

/** The saved rules a rule being written would repeat (same subject, pattern and access), but for the one being edited. */
export const duplicateGrantsUseCase = useCase({
  name: "grants.duplicates",
  role: "viewer",
  mutates: false,
  args: z.object({
    subject: subjectSchema,
    servers: serverPatternSchema,
    access: z.enum(ACCESS, { error: "access must be allow or deny" }),
    exceptId: identifier.optional(),
  }),
  run: async ({ services }, { exceptId, ...candidate }) => {
    const subjectName = candidate.subject.type === "group" || candidate.subject.type === "tenant" ? candidate.subject.name : undefined;
    const sameKind = await listGrants(services.db, { subjectType: candidate.subject.type, subjectName, access: candidate.access });
    return duplicateRules(candidate, sameKind, exceptId);
  },
});

/** The tenants (filtered as the tenant list filters them) by the servers they may use. */
export const policyMatrix = useCase({
  name: "policy.matrix",
  role: "viewer",
  mutates: false,
  args: tenantListInput.extend({
    server: z.string().optional(),
    expand: z.string().max(200).optional().meta({ description: "A server whose tools get a column each, right after its own" }),
    // Coerced: a REST query string carries them as text.
    offset: z.coerce.number({ error: "offset must be a number" }).int("offset must be a whole number").min(0, "offset must be 0 or more").default(0),
    limit: z.coerce
      .number({ error: "limit must be a number" })
      .int("limit must be a whole number")
      .min(1)
      .max(20_000, "limit must be at most 20000")
      .default(5000),
  }),
  run: async ({ services }, { server, expand, offset, limit, ...filter }) => {
    const snapshot = currentSnapshot(services);
    const filtered = filter.group || filter.label || filter.q;
    const tenants = filtered ? (await listTenants(services.db, filter)).map((t) => t.name) : undefined;
    return accessMatrix(snapshot, { tenants, server, expand, offset, limit });
  },
});

/**
 * Why a tenant may or may not use a server, or one of its tools with `tool` (the console's matrix
 * cell, REST's /tenants/{name}/explain/{server}?tool=NAME).
 */
export const explainAccess = useCase({
  name: "policy.explain",
  role: "viewer",
  mutates: false,
  args: z.object({
    tenant: identifier,
    server: identifier,
    tool: z
      .string()
      .trim()
      .min(1, "tool must not be empty")
      .max(128, "tool must be at most 128 characters")
      .optional()
      .meta({ description: "Explain this tool of the server (one of its pinned tools) instead of the whole server" }),
  }),
  run: async ({ services }, { tenant, server, tool }) => explain(currentSnapshot(services), tenant, server, tool),
});

/** Publishing or disabling a server changes who can use it: preview that first (never applied here). */
export const previewServerStatus = useCase({
  name: "policy.previewServerStatus",
  role: "editor",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ name: z.string(), to: z.enum(["active", "disabled"]) }),
  run: ({ services, change }, { name, to }) =>
    changeOrPreview(services.db, true, (db) => (to === "active" ? publishServer(db, change, name) : disableServer(db, change, name))),
});
