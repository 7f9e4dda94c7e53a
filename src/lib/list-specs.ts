/** The URL views of the console's paged lists (src/lib/list-url.ts), shared by their pages (prefetch) and components. */
import { TOKEN_SORTS, TOKEN_STATES, USER_SORTS } from "@/server/auth/model";
import { ROLES } from "@/server/auth/roles";
import { REVIEW_SORTS, RUN_SORTS, RUN_STATUSES, RUN_TRIGGERS, SOURCE_KINDS, SOURCE_SORTS, SOURCE_STATUSES } from "@/server/ingest/source-model";
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

export const SOURCES_LIST = {
  path: "/sources",
  sorts: SOURCE_SORTS,
  defaultSort: "name",
  descFirst: ["lastSync"],
  filters: { kind: SOURCE_KINDS, status: SOURCE_STATUSES },
} as const satisfies ListSpec;

/** sources.page's input for a view. */
export function sourcesQueryOf(view: ListView<(typeof SOURCE_SORTS)[number], keyof typeof SOURCES_LIST.filters>) {
  return pageQueryOf(view) as { q?: string; order: "asc" | "desc"; offset: number; limit: number } & {
    sort: (typeof SOURCE_SORTS)[number];
    kind?: (typeof SOURCE_KINDS)[number];
    status?: (typeof SOURCE_STATUSES)[number];
  };
}

/** A source's runs on its page (`/sources/{name}?status=failed&page=2`), newest first. */
export function sourceRunsList(name: string) {
  return {
    path: `/sources/${name}`,
    sorts: RUN_SORTS,
    defaultSort: "queued",
    descFirst: ["queued"],
    filters: { status: RUN_STATUSES, trigger: RUN_TRIGGERS },
  } as const satisfies ListSpec;
}
export const RUNS_PAGE_SIZE = 20;

/** sources.runsPage's input for a view (the runs list has no search box). */
export function runsQueryOf(name: string, view: ListView<(typeof RUN_SORTS)[number], "status" | "trigger">) {
  const { q: _q, ...query } = pageQueryOf(view, RUNS_PAGE_SIZE);
  return { name, ...query } as typeof query & { name: string; status?: (typeof RUN_STATUSES)[number]; trigger?: (typeof RUN_TRIGGERS)[number] };
}

/**
 * The review page (`/review?q=…&source=…`): its three queues share the search, the source and
 * the sort, and each has its own page (`held`, `updates`, `drift`), so paging one keeps the others.
 */
export const REVIEW_LIST = {
  path: "/review",
  sorts: REVIEW_SORTS,
  defaultSort: "updated",
  // Newest first: an item just held shows on the first page.
  descFirst: ["updated"],
  filters: { source: "text", held: "text", updates: "text", drift: "text" },
} as const satisfies ListSpec;
export type ReviewView = ListView<(typeof REVIEW_SORTS)[number], keyof typeof REVIEW_LIST.filters>;
export type ReviewSection = "held" | "updates" | "drift";
export const REVIEW_PAGE_SIZE = 20;

/** A queue's page in the view: 1 unless its parameter is a page number. */
export function reviewPageOf(view: ReviewView, section: ReviewSection): number {
  const page = Number.parseInt(view.filters[section], 10);
  return Number.isFinite(page) && page > 1 ? Math.min(page, 100_000) : 1;
}

/** sources.reviewPage's input for a queue of the view. */
export function reviewQueryOf(view: ReviewView, state: "quarantined" | "pending-update") {
  const page = reviewPageOf(view, state === "quarantined" ? "held" : "updates");
  return {
    state,
    ...(view.q ? { q: view.q } : {}),
    ...(view.filters.source ? { source: view.filters.source } : {}),
    sort: view.sort,
    order: view.order,
    offset: (page - 1) * REVIEW_PAGE_SIZE,
    limit: REVIEW_PAGE_SIZE,
  };
}

/** tools.driftPage's input for the view: drift has no source; by name when sorted by name or source. */
export function driftQueryOf(view: ReviewView) {
  const page = reviewPageOf(view, "drift");
  return {
    ...(view.q ? { q: view.q } : {}),
    sort: view.sort === "updated" ? ("discovered" as const) : ("server" as const),
    order: view.order,
    offset: (page - 1) * REVIEW_PAGE_SIZE,
    limit: REVIEW_PAGE_SIZE,
  };
}

export const USERS_LIST = {
  path: "/users",
  sorts: USER_SORTS,
  defaultSort: "email",
  descFirst: ["lastSignIn"],
  filters: { role: ROLES, status: ["active", "deactivated"] },
} as const satisfies ListSpec;

/** users.page's input for a view. */
export function usersQueryOf(view: ListView<(typeof USER_SORTS)[number], keyof typeof USERS_LIST.filters>) {
  return pageQueryOf(view) as { q?: string; order: "asc" | "desc"; offset: number; limit: number } & {
    sort: (typeof USER_SORTS)[number];
    role?: (typeof ROLES)[number];
    status?: "active" | "deactivated";
  };
}

export const TOKENS_LIST = {
  path: "/settings/tokens",
  sorts: TOKEN_SORTS,
  defaultSort: "created",
  descFirst: ["created", "lastUsed"],
  // `all=true`: an admin's view of everyone's tokens.
  filters: { state: TOKEN_STATES, all: ["true"] },
} as const satisfies ListSpec;

/** tokens.page's input for a view: `all` is a yes/no. */
export function tokensQueryOf(view: ListView<(typeof TOKEN_SORTS)[number], keyof typeof TOKENS_LIST.filters>) {
  const { all, ...query } = pageQueryOf(view);
  return { ...query, all: all === "true" } as Omit<typeof query, "state"> & { all: boolean; state?: (typeof TOKEN_STATES)[number] };
}
