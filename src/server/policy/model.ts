/**
 * Tenants, groups and grant rules: the inputs of the policy compiler, and the one zod schema per
 * input shared by the UI, tRPC, REST and the CLI. Pure: safe for client components too.
 */
import { z } from "zod";
import { DNS_LABEL, tenantNameSchema } from "../tenant-name";
import { pageArgs } from "../util/paging";

export { tenantNameSchema };

export const groupNameSchema = z
  .string({ error: "group name is required" })
  .min(1, "group name is required")
  .max(63, "group name must be at most 63 characters")
  .regex(DNS_LABEL, { error: (iss) => `group name '${String(iss.input)}' must be lowercase letters, digits and '-'` });

const SERVER_PART = /^[a-z0-9*?-]+$/;
const TOOL_PART = /^[A-Za-z0-9_.*?-]+$/;
/** The one tool selector: tools whose pinned annotations say `readOnlyHint: true` (DESIGN §11). */
export const READ_ONLY_SELECTOR = "@read-only";

/**
 * A pattern's parts: the server name-or-glob, and the tool part (`create_*`, `@read-only`), null
 * when the pattern covers every tool of the servers it matches (`github`, `github/*`).
 */
export interface PatternParts {
  server: string;
  tool: string | null;
}

const partsCache = new Map<string, PatternParts>();

export function splitPattern(pattern: string): PatternParts {
  let parts = partsCache.get(pattern);
  if (!parts) {
    const slash = pattern.indexOf("/");
    const tool = slash < 0 ? null : pattern.slice(slash + 1);
    parts = { server: slash < 0 ? pattern : pattern.slice(0, slash), tool: tool === null || tool === "*" ? null : tool };
    if (partsCache.size > 10_000) partsCache.clear();
    partsCache.set(pattern, parts);
  }
  return parts;
}

/** Whether a pattern names tools (`server/tool-glob`, `server/@read-only`) rather than whole servers. */
export const isToolPattern = (pattern: string) => splitPattern(pattern).tool !== null;

/** Why a pattern is malformed, or null. */
function patternProblem(pattern: string): string | null {
  const slash = pattern.indexOf("/");
  const server = slash < 0 ? pattern : pattern.slice(0, slash);
  if (server === "") return `'${pattern}' has no server part: write 'server' or 'server/tool-glob'`;
  if (!SERVER_PART.test(server)) {
    return slash < 0
      ? `'${pattern}' is not a server name or glob: use lowercase letters, digits, '-', and the wildcards '*' and '?'`
      : `'${server}' in '${pattern}' is not a server name or glob: use lowercase letters, digits, '-', and the wildcards '*' and '?'`;
  }
  if (slash < 0) return null;
  const tool = pattern.slice(slash + 1);
  if (tool === "") return `'${pattern}' has an empty tool part: write '${server}' for every tool, or '${server}/TOOL' such as '${server}/create_*'`;
  if (tool.includes("/")) return `'${pattern}' has more than one '/': write 'server/tool-glob' or 'server/${READ_ONLY_SELECTOR}'`;
  if (tool.startsWith("@")) {
    return tool === READ_ONLY_SELECTOR ? null : `'${tool}' in '${pattern}' is not a tool selector: the only selector is '${READ_ONLY_SELECTOR}'`;
  }
  if (tool.length > 128) return `the tool part of '${pattern}' is longer than 128 characters`;
  if (!TOOL_PART.test(tool)) {
    return `'${tool}' in '${pattern}' is not a tool name or glob: use letters, digits, '_', '-', '.', and the wildcards '*' and '?'`;
  }
  return null;
}

/**
 * A server name or a glob over server names, optionally with a tool part (DESIGN §11):
 * `github`, `github-*`, `github/create_*`, `github/@read-only` (`github/*` = `github`). Only `*`
 * and `?` are wildcards, so the in-pod shell library (POSIX `case` patterns) matches exactly what
 * the compiler matches.
 */
export const serverPatternSchema = z
  .string({ error: "servers is required: a server name or a glob such as 'github-*'" })
  .trim()
  .min(1, "servers is required: a server name or a glob such as 'github-*'")
  .max(240, "a server pattern must be at most 240 characters")
  .superRefine((pattern, ctx) => {
    const problem = patternProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: pattern });
    else if (splitPattern(pattern).server.length > 100)
      ctx.addIssue({ code: "custom", message: "the server part of a pattern must be at most 100 characters", input: pattern });
  });

/** Whether a pattern's server part is a glob (a tool part does not make it one). */
export const isGlob = (pattern: string) => /[*?]/.test(splitPattern(pattern).server);

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes label key: `[prefix/]name`. */
export const labelKeySchema = z.string().refine(
  (key) => {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : null;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    return name.length <= 63 && LABEL_NAME.test(name) && (prefix === null || (prefix.length <= 253 && LABEL_PREFIX.test(prefix)));
  },
  { error: (iss) => `label key '${String(iss.input)}' is not a Kubernetes label key such as 'team' or 'example.com/tier'` },
);

export const labelValueSchema = z
  .string()
  .max(63, "a label value must be at most 63 characters")
  .refine((v) => v === "" || LABEL_NAME.test(v), {
    error: (iss) => `label value '${String(iss.input)}' must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
  });

export const labelsSchema = z.record(labelKeySchema, labelValueSchema);

export const mcpPolicySchema = z.object({
  allow: z.array(serverPatternSchema).max(200, "at most 200 patterns").default([]),
  deny: z.array(serverPatternSchema).max(200, "at most 200 patterns").default([]),
});
export type McpPolicy = z.output<typeof mcpPolicySchema>;

export const tenantCreateInput = z.object({
  name: tenantNameSchema,
  displayName: z.string().trim().max(100, "display name must be at most 100 characters").default(""),
  team: z.string().trim().max(100, "team must be at most 100 characters").default(""),
  labels: labelsSchema.default({}),
  mcpPolicy: mcpPolicySchema.default({ allow: [], deny: [] }),
});
export type TenantCreateInput = z.input<typeof tenantCreateInput>;

const filterText = (max: number, description: string) => z.string().trim().max(max).optional().meta({ description });

/** The tenant list's filters (REST query string, tRPC input, the console's search). */
export const tenantListInput = z.object({
  q: filterText(200, "Part of the name, display name or team"),
  group: filterText(63, "Only members of this group"),
  label: z
    .string()
    .trim()
    .regex(/^[^=]+=.*$/, "label must be key=value")
    .optional()
    .meta({ description: "Only tenants with this label, as key=value" }),
});
export type TenantListInput = z.output<typeof tenantListInput>;

export const tenantUpdateInput = z.object({
  /** When given, the change is refused if the tenant changed since. */
  version: z.number().int().min(1).optional(),
  name: z.string().optional(),
  displayName: z.string().trim().max(100, "display name must be at most 100 characters").optional(),
  team: z.string().trim().max(100, "team must be at most 100 characters").optional(),
  labels: labelsSchema.optional(),
  mcpPolicy: mcpPolicySchema.optional(),
});
export type TenantUpdateInput = z.input<typeof tenantUpdateInput>;

/** A bearer token for a tenant pod outside Kubernetes (src/server/policy/tenant-tokens.ts issues it). */
export const tenantTokenCreateInput = z.object({
  name: z.string({ error: "name is required" }).trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  expiresInDays: z.number().int().min(1, "at least 1 day").max(730, "at most 730 days").nullable().default(365),
});

export const groupCreateInput = z.object({
  name: groupNameSchema,
  description: z.string().trim().max(500, "description must be at most 500 characters").default(""),
  members: z.array(tenantNameSchema).max(100_000).default([]),
});
export type GroupCreateInput = z.input<typeof groupCreateInput>;

export const groupUpdateInput = z.object({
  version: z.number().int().min(1).optional(),
  name: z.string().optional(),
  description: z.string().trim().max(500, "description must be at most 500 characters").optional(),
  members: z.array(tenantNameSchema).max(100_000).optional(),
});
export type GroupUpdateInput = z.input<typeof groupUpdateInput>;

export const subjectSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("everyone") }),
    z.object({ type: z.literal("group"), name: groupNameSchema }),
    z.object({ type: z.literal("tenant"), name: tenantNameSchema }),
    z.object({
      type: z.literal("selector"),
      matchLabels: labelsSchema.refine((m) => Object.keys(m).length > 0, "a label selector needs at least one label"),
    }),
  ],
  { error: "subject type must be everyone, group, tenant or selector" },
);
export type Subject = z.output<typeof subjectSchema>;

export const ACCESS = ["allow", "deny"] as const;
export type Access = (typeof ACCESS)[number];

const UUID_SHAPED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A rule's name: a DNS-1123 label, unique among rules, that is never shaped like a rule id (URLs take either). */
export const ruleNameSchema = z
  .string({ error: "rule name must be a string" })
  .trim()
  .min(1, "rule name must not be empty")
  .max(63, { error: (iss) => `rule name '${String(iss.input)}' is longer than 63 characters` })
  .regex(DNS_LABEL, { error: (iss) => `rule name '${String(iss.input)}' must be lowercase letters, digits and '-' (a DNS-1123 label)` })
  .refine((name) => !UUID_SHAPED.test(name), { error: (iss) => `rule name '${String(iss.input)}' looks like a rule id: choose another` });

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");

/**
 * The name a rule gets when it is saved without one: its subject and servers, e.g.
 * `group-platform-github`, `everyone-github-all` for `github-*`. The store makes it unique with a
 * suffix (`-2`, `-3`…); the migration that named existing rules computes the same.
 */
export function generatedRuleName(subject: Subject, servers: string): string {
  const who =
    subject.type === "everyone"
      ? "everyone"
      : subject.type === "selector"
        ? `selector-${Object.keys(subject.matchLabels)
            .sort()
            .map((key) => `${key}-${subject.matchLabels[key]}`)
            .join("-")}`
        : `${subject.type}-${subject.name}`;
  const base = slug(`${who}-${servers.replace(/\*/g, "all").replace(/\?/g, "x")}`)
    .slice(0, 56)
    .replace(/-+$/, "");
  return base === "" ? "rule" : base;
}

const expiresAtSchema = z.union([z.iso.datetime({ offset: true, error: "expiresAt must be a date-time such as 2026-12-31T23:59:59Z" }), z.null()]).optional();

export const grantCreateInput = z.object({
  name: ruleNameSchema.optional().meta({ description: "Unique; generated from the subject and servers when absent" }),
  subject: subjectSchema,
  servers: serverPatternSchema,
  access: z.enum(ACCESS, { error: "access must be allow or deny" }),
  note: z.string().trim().max(500, "note must be at most 500 characters").default(""),
  expiresAt: expiresAtSchema,
});
export type GrantCreateInput = z.input<typeof grantCreateInput>;

export const grantUpdateInput = z.object({
  version: z.number().int().min(1).optional(),
  name: ruleNameSchema.optional(),
  subject: subjectSchema.optional(),
  servers: serverPatternSchema.optional(),
  access: z.enum(ACCESS, { error: "access must be allow or deny" }).optional(),
  note: z.string().trim().max(500, "note must be at most 500 characters").optional(),
  expiresAt: expiresAtSchema,
});
export type GrantUpdateInput = z.input<typeof grantUpdateInput>;

/** The rule list's filters (REST query string, tRPC input). */
export const grantListInput = z.object({
  subjectType: z.enum(["everyone", "group", "tenant", "selector"], { error: "subjectType must be everyone, group, tenant or selector" }).optional(),
  subjectName: filterText(63, "The group or tenant the rule names"),
  access: z.enum(ACCESS, { error: "access must be allow or deny" }).optional(),
  server: filterText(200, "Only rules whose pattern matches this server name"),
});
export type GrantListInput = z.output<typeof grantListInput>;

/** The console's paged lists: the list filters plus a sort, an order and a page (src/server/util/paging.ts). */
export const GRANT_SORTS = ["created", "access", "subject", "servers", "expires"] as const;
export const grantPageInput = grantListInput.extend({
  id: filterText(100, "Only the rule with this id (a compiler warning links to it)"),
  expiry: z.enum(["all", "active", "expired"], { error: "expiry must be all, active or expired" }).default("all"),
  sort: z.enum(GRANT_SORTS, { error: `sort must be one of ${GRANT_SORTS.join(", ")}` }).default("created"),
  ...pageArgs,
});
export type GrantPageInput = z.output<typeof grantPageInput>;

export const TENANT_SORTS = ["name", "team", "updated"] as const;
export const tenantPageInput = tenantListInput.extend({
  sort: z.enum(TENANT_SORTS, { error: `sort must be one of ${TENANT_SORTS.join(", ")}` }).default("name"),
  ...pageArgs,
});
export type TenantPageInput = z.output<typeof tenantPageInput>;

export const GROUP_SORTS = ["name", "members", "updated"] as const;
export const groupPageInput = z.object({
  q: filterText(200, "Part of the name or description"),
  sort: z.enum(GROUP_SORTS, { error: `sort must be one of ${GROUP_SORTS.join(", ")}` }).default("name"),
  ...pageArgs,
});
export type GroupPageInput = z.output<typeof groupPageInput>;

/** A tenant's decision on each active server, a page at a time. */
export const tenantAccessPageInput = z.object({
  name: z.string().min(1, "name is required"),
  q: filterText(200, "Part of the server name"),
  decision: z.enum(["all", "allow", "deny"], { error: "decision must be all, allow or deny" }).default("all"),
  ...pageArgs,
});

export interface Tenant {
  name: string;
  displayName: string;
  team: string;
  labels: Record<string, string>;
  mcpPolicy: McpPolicy;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface Group {
  name: string;
  description: string;
  members: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface Grant {
  id: string;
  name: string;
  subject: Subject;
  servers: string;
  access: Access;
  note: string;
  expiresAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

/** "group platform", "everyone", "tenants with team=payments" */
export function describeSubject(subject: Subject): string {
  switch (subject.type) {
    case "everyone":
      return "everyone";
    case "group":
      return `group ${subject.name}`;
    case "tenant":
      return `tenant ${subject.name}`;
    case "selector":
      return `tenants with ${Object.entries(subject.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}`;
  }
}
