import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { Login } from "@/components/auth/login-form";
import { returnToAfterSignIn } from "@/lib/return-to";
import { currentSignInOptions, currentUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  await connection();
  const params = await searchParams;
  const returnTo = returnToAfterSignIn(first(params.returnTo));
  const error = first(params.error);
  const refusal = error ? { code: error.slice(0, 50), message: (first(params.message) ?? "").slice(0, 1000) } : null;
  // Someone already signed in has nothing to do here, unless the page is telling them why a sign-in failed.
  if (!refusal && (await currentUser())) redirect(returnTo);
  return (
    <Login
      options={await currentSignInOptions()}
      returnTo={returnTo}
      refusal={refusal}
      notice={first(params.session) === "expired" ? "expired" : first(params.signedOut) ? "signed-out" : null}
    />
  );
}
