/**
 * Who is signed in, for server components: resolved once per request through session.me (the
 * same authentication as every tRPC call). Pages call requireUser() as well as the layout:
 * a client-side navigation renders the page again but not the layout.
 */
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { cache } from "react";
import { loginHref } from "@/lib/return-to";
import { readyServices } from "@/server/app";
import type { SignInOptions } from "@/server/auth/model";
import { signInOptions } from "@/server/auth/setup";
import { ControlPlaneStarting, getQueryClient, trpc } from "./server";

export type SessionUser = NonNullable<Awaited<ReturnType<typeof currentUser>>>;

export const currentUser = cache(async () => {
  // Never at build time: who is signed in is a question about a request.
  await connection();
  return getQueryClient().fetchQuery(trpc.session.me.queryOptions({}));
});

/** The path this request is for, as proxy.ts recorded it. */
export async function requestPath(): Promise<string> {
  return (await headers()).get("x-pathname") ?? "/";
}

/** The signed-in user; anyone else goes to the login page, and comes back here afterwards. */
export async function requireUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(loginHref(await requestPath()));
  return user;
}

/** How people sign in here, for the login and setup pages (what GET /api/auth/config answers). */
export async function currentSignInOptions(): Promise<SignInOptions> {
  await connection();
  const services = readyServices();
  if (!services) throw new ControlPlaneStarting();
  return signInOptions(services.db, services.config);
}
