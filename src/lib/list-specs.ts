/** The URL views of the console's paged lists (src/lib/list-url.ts), shared by their pages (prefetch) and components. */
import { GRANT_SORTS, GROUP_SORTS, TENANT_SORTS } from "@/server/policy/model";
import { pageQueryOf, type ListSpec, type ListView } from "./list-url";

export const RULES_LIST = {
  path: "/rules",
  sorts: GRANT_SORTS,
  defaultSort: "created",
  // Newest first: a rule just saved shows at the top of the first page.
  descFirst: ["created"],
  filters: {
    subjectType: ["everyone", "group", "tenant", "selector"],
    access: ["allow", "deny"],
    server: "text",
    expiry: ["active", "expired"],
    // Other pages link to the rules naming a group or a tenant.
    group: "text",
    tenant: "text",
    // A compiler warning links to the rule it names.
    id: "text",
  },
} as const satisfies ListSpec;
export type RulesView = ListView<(typeof GRANT_SORTS)[number], keyof typeof RULES_LIST.filters>;

/** grants.page's input for a view: `group` and `tenant` name the rules' subject. */
export function rulesQueryOf(view: RulesView) {
  const { group, tenant, subjectType, ...rest } = pageQueryOf(view);
  const subject = group ? { subjectType: "group" as const, subjectName: group } : tenant ? { subjectType: "tenant" as const, subjectName: tenant } : {};
  return {
    ...rest,
    ...(subjectType && !group && !tenant ? { subjectType: subjectType as "everyone" | "group" | "tenant" | "selector" } : {}),
    ...subject,
  } as Omit<typeof rest, "access" | "expiry"> & {
    subjectType?: "everyone" | "group" | "tenant" | "selector";
    subjectName?: string;
    access?: "allow" | "deny";
    expiry?: "active" | "expired";
  };
}

export const TENANTS_LIST = {
  path: "/tenants",
  sorts: TENANT_SORTS,
  defaultSort: "name",
  descFirst: ["updated"],
  filters: { group: "text", label: "text" },
} as const satisfies ListSpec;

export const GROUPS_LIST = {
  path: "/groups",
  sorts: GROUP_SORTS,
  defaultSort: "name",
  descFirst: ["members", "updated"],
  filters: {},
} as const satisfies ListSpec;

/** A tenant's servers on its page (`/tenants/{name}?decision=allow&q=…`). */
export function tenantAccessList(name: string) {
  return {
    path: `/tenants/${name}`,
    sorts: ["server"],
    defaultSort: "server",
    filters: { decision: ["allow", "deny"] },
  } as const satisfies ListSpec;
}
