/**
 * The input schemas of sign-in, setup, users and API tokens: no I/O, so the console's forms
 * validate with the same schemas the REST routes and tRPC procedures parse with.
 */
import { z } from "zod";
import { pageArgs } from "../util/paging";
import { ROLES, type Role } from "./roles";

export const emailSchema = z
  .string({ error: "e-mail is required" })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (iss) => `'${String(iss.input)}' is not an e-mail address` }));

export const passwordSchema = z
  .string({ error: "password is required" })
  .min(12, "password must be at least 12 characters")
  .max(256, "password must be at most 256 characters");

export const roleSchema = z.enum(ROLES, { error: "role must be viewer, editor or admin" });

const displayNameSchema = z.string().trim().max(100, "name must be at most 100 characters");

export const userCreateInput = z.object({
  email: emailSchema,
  displayName: displayNameSchema.default(""),
  role: roleSchema,
  password: passwordSchema,
});

export const userUpdateInput = z.object({
  displayName: displayNameSchema.optional(),
  role: roleSchema.optional(),
  active: z.boolean().optional(),
});

export const passwordResetInput = z.object({ password: passwordSchema });

export const signInInput = z.object({
  email: z.string({ error: "e-mail is required" }).trim().toLowerCase().min(1, "e-mail is required").max(320),
  password: z.string({ error: "password is required" }).min(1, "password is required").max(256),
});

export const setupInput = z.object({
  token: z.string({ error: "the setup link is incomplete" }).min(10, "the setup link is incomplete"),
  email: emailSchema,
  displayName: z.string().trim().max(100).default(""),
  password: passwordSchema,
});

export const TOKEN_PREFIX = "oct_";

export const apiTokenCreateInput = z.object({
  name: z.string({ error: "name is required" }).trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  role: z.enum(ROLES, { error: "role must be viewer, editor or admin" }),
  /** Days until it expires; null for a token that does not expire. */
  expiresInDays: z.number().int().min(1, "at least 1 day").max(365, "at most 365 days").nullable().default(90),
});

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  active: boolean;
  /** How the user signs in. */
  kind: "local" | "oidc";
  createdAt: string;
  updatedAt: string;
  lastSignInAt: string | null;
  createdBy: string;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  owner: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** How people sign in here: what the login page offers. */
export interface SignInOptions {
  oidc: boolean;
  local: boolean;
  /** No users yet and no OIDC: the first admin comes from the setup link printed at start. */
  setupNeeded: boolean;
}

const listText = (description: string) => z.string().trim().max(200, "q must be at most 200 characters").optional().meta({ description });

/** The console's paged users (src/server/util/paging.ts). */
export const USER_SORTS = ["email", "name", "role", "lastSignIn"] as const;
export const userPageInput = z.object({
  q: listText("Part of the e-mail or name"),
  role: z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` }).optional(),
  status: z.enum(["active", "deactivated"], { error: "status must be active or deactivated" }).optional(),
  sort: z.enum(USER_SORTS, { error: `sort must be one of ${USER_SORTS.join(", ")}` }).default("email"),
  ...pageArgs,
});
export type UserPageInput = z.output<typeof userPageInput>;

/** The console's paged API tokens: yours, or (admins) everyone's. */
export const TOKEN_SORTS = ["created", "name", "lastUsed", "expires"] as const;
export const TOKEN_STATES = ["active", "expired", "revoked"] as const;
export const tokenPageInput = z.object({
  all: z.boolean().default(false).meta({ description: "Admins: everyone's tokens, not only your own" }),
  q: listText("Part of the name, prefix or owner"),
  state: z.enum(TOKEN_STATES, { error: `state must be one of ${TOKEN_STATES.join(", ")}` }).optional(),
  sort: z.enum(TOKEN_SORTS, { error: `sort must be one of ${TOKEN_SORTS.join(", ")}` }).default("created"),
  ...pageArgs,
  order: pageArgs.order.removeDefault().default("desc"),
});
export type TokenPageInput = z.output<typeof tokenPageInput>;
