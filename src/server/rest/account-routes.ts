/** The console's users (admins) and the caller's own API tokens. */
import { z } from "zod";
import * as auth from "../application/auth";
import { apiTokenResource, issuedApiTokenResource, userResource } from "./admin-resources";
import { json } from "./http";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

const items = <T>(items: T) => json({ items });

export const accountRoutes: RestRoute[] = [
  useCaseRoute(auth.listUsersUseCase, {
    method: "GET",
    path: "/api/v1/users",
    summary: "List the console's users",
    response: { status: 200, description: "Users, by e-mail", schema: z.object({ items: z.array(userResource) }) },
    respond: items,
  }),
  useCaseRoute(auth.createUserUseCase, {
    method: "POST",
    path: "/api/v1/users",
    summary: "Create a local user with a password",
    description: "Users of an identity provider (OIDC) are created by their first sign-in; their role can then be changed here.",
    body: { arguments: true },
    response: { status: 201, description: "The user", schema: userResource, headers: { Location: "The user's URL" } },
    respond: (user) => json(user, 201, { Location: `/api/v1/users/${user.id}` }),
  }),
  useCaseRoute(auth.updateUserUseCase, {
    method: "PATCH",
    path: "/api/v1/users/{id}",
    summary: "Change a user's name or role, or deactivate or reactivate them",
    description:
      "Deactivating or demoting ends the user's sessions at once; a deactivated user's API tokens are refused. The last active admin cannot be demoted or deactivated (409).",
    body: "patch",
    response: { status: 200, description: "The changed user", schema: userResource },
  }),
  useCaseRoute(auth.resetPasswordUseCase, {
    method: "POST",
    path: "/api/v1/users/{id}/password",
    summary: "Set a local user's password; their sessions end",
    body: { arguments: true },
    response: { status: 200, description: "The user", schema: userResource },
  }),
  useCaseRoute(auth.listApiTokensUseCase, {
    method: "GET",
    path: "/api/v1/api-tokens",
    summary: "Your API tokens (admins: everyone's, with all=true), never the secrets",
    response: { status: 200, description: "Tokens, newest first", schema: z.object({ items: z.array(apiTokenResource) }) },
    respond: items,
  }),
  useCaseRoute(auth.createApiTokenUseCase, {
    method: "POST",
    path: "/api/v1/api-tokens",
    summary: "Create an API token for yourself; the secret is in this answer only",
    description:
      "Its role is at most yours. Created with an API token, it expires no later than that token. The bootstrap token owns no tokens (403): create a user first.",
    body: { arguments: true },
    response: { status: 201, description: "The token and its secret", schema: issuedApiTokenResource },
    respond: (issued) => json(issued, 201),
  }),
  useCaseRoute(auth.revokeApiTokenUseCase, {
    method: "DELETE",
    path: "/api/v1/api-tokens/{id}",
    summary: "Revoke one of your API tokens (admins: anyone's)",
    response: { status: 204, description: "Revoked: it is refused from now on" },
  }),
];
