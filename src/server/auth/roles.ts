/** Roles, smallest first. Each role may do everything the ones before it may. */
export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What a procedure or route requires: a role, or nothing at all (sign-in endpoints, health). */
export type Requirement = Role | "public";

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

export function atLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export function lowerOf(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: "reads the catalog, grants and audit log",
  editor: "also changes the catalog, grants and sources",
  admin: "also manages users, tokens and approvals",
};
