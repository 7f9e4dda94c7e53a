"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { setupInput } from "@/server/auth/model";
import { Button, LinkButton } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { fieldsNamed, showServerErrors } from "@/lib/form";
import { sentence } from "@/lib/messages";
import { postAuth } from "./auth-api";
import { AuthCard, Notice } from "./auth-card";

const setupFormSchema = setupInput
  .omit({ token: true })
  .extend({ confirmPassword: z.string() })
  .refine((values) => values.password === values.confirmPassword, { path: ["confirmPassword"], message: "the two passwords differ" });

type Values = z.input<typeof setupFormSchema>;

/** The token of the printed setup link: it is in the fragment, which never reaches a server log. */
function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token");
}

const LINK_HELP =
  "Open the link exactly as the server printed it; after a restart only the newest link works. If the link has expired (after 24 hours), restart the server to print a new one.";

export function Setup({ setupNeeded, oidc }: { setupNeeded: boolean; oidc: boolean }) {
  // undefined until read in the browser: the server never sees the fragment.
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [outcome, setOutcome] = useState<{ kind: "invalid-link" | "done" | "error"; message: string } | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<Values>({
    resolver: zodResolver(setupFormSchema),
    defaultValues: { email: "", displayName: "", password: "", confirmPassword: "" },
  });

  useEffect(() => {
    const read = () => setToken(tokenFromHash(window.location.hash));
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, []);

  if (!setupNeeded) {
    return (
      <AuthCard title={oidc ? "No setup needed" : "Setup is done"}>
        <p className="text-sm text-slate-700">
          {oidc
            ? "This console signs people in through your identity provider: the first person to sign in with an admin group becomes an administrator."
            : "This console already has its administrator, so the setup link is no longer needed."}
        </p>
        <LinkButton href="/login" variant="primary" className="mt-5 w-full">
          Go to sign-in
        </LinkButton>
      </AuthCard>
    );
  }

  async function create(values: Values) {
    setOutcome(null);
    const result = await postAuth("/api/auth/setup", {
      token,
      email: values.email,
      displayName: values.displayName,
      password: values.password,
    });
    if (result.ok) {
      // A full page load on purpose: the new session cookie must reach the server components and the proxy.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/");
      return new Promise(() => undefined);
    }
    if (result.status === 401) return setOutcome({ kind: "invalid-link", message: result.message });
    if (result.status === 409) return setOutcome({ kind: "done", message: result.message });
    const summary = showServerErrors(setError, { ...result, formErrors: [] }, fieldsNamed(["email", "displayName", "password"]));
    if (summary !== null) setOutcome({ kind: "error", message: result.message });
  }

  return (
    <AuthCard
      title="Create the first administrator"
      description={
        token === null
          ? "The first administrator is created from the one-time setup link the server printed when it started."
          : "You opened the one-time setup link. The account you create here can then add everyone else under Users."
      }
    >
      {token === null ? (
        <Notice tone="warning" title="This page needs the setup link">
          <p>
            The address has no setup token. The server printed a link ending in <code className="font-mono">/setup#token=…</code> to its console when it
            started.
          </p>
          <p>{LINK_HELP}</p>
        </Notice>
      ) : (
        <form onSubmit={handleSubmit(create)} noValidate className="space-y-4">
          {outcome?.kind === "invalid-link" && (
            <Notice tone="error" title="This setup link does not work">
              <p>{sentence(outcome.message)}</p>
              <p>{LINK_HELP}</p>
            </Notice>
          )}
          {outcome?.kind === "done" && (
            <Notice tone="warning" title="Setup is already done">
              <p>{sentence(outcome.message)}</p>
              <Link href="/login" className="font-medium underline">
                Go to sign-in
              </Link>
            </Notice>
          )}
          {outcome?.kind === "error" && (
            <Notice tone="error" title="The administrator could not be created">
              <p>{sentence(outcome.message)}</p>
            </Notice>
          )}
          <Field id="setup-email" label="E-mail" required error={errors.email?.message}>
            {(p) => <input {...p} {...register("email")} type="email" autoComplete="username" autoFocus className={inputClasses} />}
          </Field>
          <Field id="setup-name" label="Name" error={errors.displayName?.message} hint="How the console shows you, e.g. in the audit log.">
            {(p) => <input {...p} {...register("displayName")} autoComplete="name" className={inputClasses} />}
          </Field>
          <Field id="setup-password" label="Password" required error={errors.password?.message} hint="At least 12 characters.">
            {(p) => <input {...p} {...register("password")} type="password" autoComplete="new-password" className={inputClasses} />}
          </Field>
          <Field id="setup-confirm" label="Confirm password" required error={errors.confirmPassword?.message}>
            {(p) => <input {...p} {...register("confirmPassword")} type="password" autoComplete="new-password" className={inputClasses} />}
          </Field>
          <Button type="submit" variant="primary" className="w-full" disabled={isSubmitting || token === undefined}>
            {isSubmitting ? "Creating the administrator…" : "Create administrator and sign in"}
          </Button>
        </form>
      )}
    </AuthCard>
  );
}
