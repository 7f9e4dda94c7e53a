/**
 * Who is signed in, the console's users and everyone's own API tokens. Their arguments keep the
 * shapes the console's forms send (a form's fields at the root), so validation errors name the
 * fields the forms show; REST takes the same fields as its bodies.
 */
import { z } from "zod";
import { tokenPageInput, userPageInput, type ApiToken, type TokenPageInput, type User, type UserPageInput } from "../auth/model";
import { containsText, pageOf, sortedBy } from "../util/paging";
import type { Principal } from "../auth/principal";
import { apiTokenCreateInput, createApiToken, listApiTokens, revokeApiToken } from "../auth/tokens";
import { createUser, listUsers, passwordResetInput, resetPassword, updateUser, userCreateInput, userUpdateInput } from "../auth/users";
import { DomainError } from "../errors";
import { useCase } from "./use-case";

const id = z.uuid("not a valid id");
/** A yes/no the console sends as a boolean and a REST query string as "true" or "false". */
const flag = (description: string) =>
  z
    .union([z.boolean(), z.enum(["true", "false"], { error: "must be true or false" }).transform((value) => value === "true")])
    .default(false)
    .meta({ description });

/** Tokens belong to whoever asks: the role check lets no anonymous caller this far, this says so to the compiler. */
function signedIn(principal: Principal | null): Principal {
  if (!principal) throw new DomainError("UNAUTHORIZED", "sign in first");
  return principal;
}

/** The signed-in user, or null: the one public use case, so pages can decide what to show. */
export const currentSession = useCase({
  name: "session.me",
  role: "public",
  mutates: false,
  args: z.object({}),
  run: async ({ principal }) => (principal ? { email: principal.id, displayName: principal.displayName, role: principal.role, kind: principal.kind } : null),
});

export const listUsersUseCase = useCase({
  name: "users.list",
  role: "admin",
  mutates: false,
  args: z.object({}),
  run: ({ services }) => listUsers(services.db),
});

const USER_SORT_KEYS: Record<UserPageInput["sort"], (user: User) => string> = {
  email: (user) => user.email,
  name: (user) => user.displayName.toLowerCase(),
  role: (user) => user.role,
  // Never signed in sorts before every date (last when newest first).
  lastSignIn: (user) => user.lastSignInAt ?? "",
};

/** The console's users: filtered, sorted and paged here; `all` counts every user. */
export const pageUsersUseCase = useCase({
  name: "users.page",
  role: "admin",
  mutates: false,
  args: userPageInput,
  run: async ({ services }, query) => {
    const users = await listUsers(services.db);
    const matching = users.filter(
      (user) =>
        (!query.role || user.role === query.role) &&
        (!query.status || user.active === (query.status === "active")) &&
        containsText(query.q, user.email, user.displayName),
    );
    return {
      ...pageOf(
        sortedBy(matching, USER_SORT_KEYS[query.sort], query.order, (user) => user.email),
        query.offset,
        query.limit,
      ),
      all: users.length,
      activeAdmins: users.filter((user) => user.role === "admin" && user.active).length,
    };
  },
});

export const createUserUseCase = useCase({
  name: "users.create",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: userCreateInput,
  invalid: () => "cannot create user",
  run: ({ services, change }, user) => createUser(services.db, change, user),
});

export const updateUserUseCase = useCase({
  name: "users.update",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ id, patch: userUpdateInput }),
  invalid: () => "cannot update user",
  run: ({ services, change }, { id, patch }) => updateUser(services.db, change, id, patch),
});

export const resetPasswordUseCase = useCase({
  name: "users.resetPassword",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ id, ...passwordResetInput.shape }),
  invalid: () => "cannot reset password",
  run: ({ services, change }, { id, ...reset }) => resetPassword(services.db, change, id, reset),
});

/** Your tokens; admins may ask for everyone's. */
export const listApiTokensUseCase = useCase({
  name: "tokens.list",
  role: "viewer",
  mutates: false,
  args: z.object({ all: flag("Admins: everyone's tokens, not only your own") }),
  run: ({ services, principal }, { all }) => listApiTokens(services.db, signedIn(principal), all),
});

/** Whether a token still works at `now`. */
export function tokenState(token: Pick<ApiToken, "revokedAt" | "expiresAt">, now: number): NonNullable<TokenPageInput["state"]> {
  if (token.revokedAt) return "revoked";
  return token.expiresAt !== null && Date.parse(token.expiresAt) <= now ? "expired" : "active";
}

const TOKEN_SORT_KEYS: Record<TokenPageInput["sort"], (token: ApiToken) => string> = {
  created: (token) => token.createdAt,
  name: (token) => token.name.toLowerCase(),
  lastUsed: (token) => token.lastUsedAt ?? "",
  // Tokens that never expire sort after every date.
  expires: (token) => token.expiresAt ?? "~",
};

/** Your tokens (admins: everyone's with `all`), filtered, sorted and paged; `all` counts them unfiltered. */
export const pageApiTokensUseCase = useCase({
  name: "tokens.page",
  role: "viewer",
  mutates: false,
  args: tokenPageInput,
  run: async ({ services, principal }, query) => {
    const tokens = await listApiTokens(services.db, signedIn(principal), query.all);
    const now = Date.now();
    const matching = tokens.filter(
      (token) => (!query.state || tokenState(token, now) === query.state) && containsText(query.q, token.name, token.prefix, token.owner),
    );
    return {
      ...pageOf(
        sortedBy(matching, TOKEN_SORT_KEYS[query.sort], query.order, (token) => token.id),
        query.offset,
        query.limit,
      ),
      all: tokens.length,
    };
  },
});

export const createApiTokenUseCase = useCase({
  name: "tokens.create",
  role: "viewer",
  mutates: true,
  changesSnapshot: false,
  args: apiTokenCreateInput,
  invalid: () => "cannot create token",
  run: ({ services, change, principal }, token) => createApiToken(services.db, change, signedIn(principal), token),
});

export const revokeApiTokenUseCase = useCase({
  name: "tokens.revoke",
  role: "viewer",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ id }),
  run: ({ services, change, principal }, { id }) => revokeApiToken(services.db, change, signedIn(principal), id),
});
