"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { signInInput, type SignInOptions } from "@/server/auth/model";
import { Button, buttonClasses } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";
import { fieldsNamed, showServerErrors } from "@/lib/form";
import { sentence, waitText } from "@/lib/messages";
import { postAuth } from "./auth-api";
import { AuthCard, Notice } from "./auth-card";

type Values = z.input<typeof signInInput>;

/** Why an OIDC sign-in was refused, and what the person can do about it. */
const REFUSALS: Record<string, { title: string; todo: string }> = {
  no_role: {
    title: "Your account has no access to this console",
    todo: "Once an administrator of your identity provider has added you to one of those groups, sign in again.",
  },
  inactive: {
    title: "Your account is deactivated",
    todo: "Ask an administrator of this console to reactivate your account.",
  },
};

const DEFAULT_REFUSAL = {
  title: "Sign-in with your identity provider did not work",
  todo: "Try again. If it keeps failing, tell an administrator the time of this attempt: the server log has the details.",
};

export interface LoginPageState {
  options: SignInOptions;
  returnTo: string;
  /** From the OIDC callback: `?error=<code>&message=<text>`. */
  refusal: { code: string; message: string } | null;
  notice: "expired" | "signed-out" | null;
}

export function Login({ options, returnTo, refusal, notice }: LoginPageState) {
  const oidcHref = `/api/auth/oidc/start?${new URLSearchParams({ returnTo })}`;
  const refused = refusal ? (REFUSALS[refusal.code] ?? DEFAULT_REFUSAL) : null;

  return (
    <AuthCard
      title="Sign in to OpenCrane"
      description={options.setupNeeded ? "This console has no administrator yet." : "The MCP catalog and grants of your platform."}
    >
      <div className="space-y-5">
        {refusal && refused && (
          <Notice tone="error" title={refused.title}>
            <p className="whitespace-pre-line">{sentence(refusal.message)}</p>
            <p>{refused.todo}</p>
          </Notice>
        )}
        {!refusal && notice === "expired" && <Notice tone="info">Your session has ended. Sign in again to continue where you were.</Notice>}
        {!refusal && notice === "signed-out" && <Notice tone="success">You are signed out.</Notice>}

        {options.setupNeeded ? (
          <SetupNeeded />
        ) : (
          <>
            {options.oidc && (
              <a href={oidcHref} className={cn(buttonClasses({ variant: "primary" }), "w-full")}>
                Sign in with your identity provider
              </a>
            )}
            {options.local && <PasswordForm returnTo={returnTo} />}
          </>
        )}
      </div>
    </AuthCard>
  );
}

function SetupNeeded() {
  return (
    <div className="space-y-3 text-sm text-slate-700">
      <p>
        The first administrator is created with the one-time <strong>setup link</strong> the server printed to its console when it started. Look in the
        server&apos;s log for a line like this, and open the link:
      </p>
      <pre className="whitespace-pre-wrap rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100 [overflow-wrap:anywhere]">
        [opencrane] no users yet: open http://…/setup#token=… to create the first admin
      </pre>
      <p>
        The link is valid for 24 hours and works once. Restarting the server prints a new link and voids the old one. For unattended installs, set{" "}
        <code className="font-mono text-[0.85em]">OPENCRANE_ADMIN_EMAIL</code> and <code className="font-mono text-[0.85em]">OPENCRANE_ADMIN_PASSWORD</code>{" "}
        instead.
      </p>
    </div>
  );
}

function PasswordForm({ returnTo }: { returnTo: string }) {
  const [failure, setFailure] = useState<{ title: string; message: string } | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    setValue,
    setFocus,
    formState: { errors, isSubmitting },
  } = useForm<Values>({ resolver: zodResolver(signInInput), defaultValues: { email: "", password: "" } });

  async function signIn(values: Values) {
    setFailure(null);
    const result = await postAuth("/api/auth/login", values);
    if (result.ok) {
      // A full load, so every page and the shell start from the new session.
      window.location.assign(returnTo);
      return new Promise(() => undefined);
    }
    if (result.code === "VALIDATION_FAILED") {
      showServerErrors(setError, { ...result, formErrors: [] }, fieldsNamed(["email", "password"]), { focus: false });
      return;
    }
    if (result.status === 429) {
      const seconds = Number(result.details.retryAfter);
      setFailure({
        title: "Too many failed sign-ins",
        message: `Sign-in for this e-mail from your address is paused${Number.isFinite(seconds) ? `: try again in ${waitText(seconds)}` : " for a while"}. If you forgot your password, ask an administrator to reset it.`,
      });
      return;
    }
    if (result.status === 401) {
      const deactivated = /deactivated/i.test(result.message);
      setFailure({
        title: deactivated ? "This account is deactivated" : "Sign-in failed",
        message: deactivated ? "Ask an administrator of this console to reactivate it." : sentence(result.message),
      });
      setValue("password", "");
      setFocus("password");
      return;
    }
    setFailure({ title: "Sign-in failed", message: sentence(result.message) });
  }

  return (
    <form onSubmit={handleSubmit(signIn)} noValidate className="space-y-4" aria-describedby={failure ? "login-failure" : undefined}>
      {failure && (
        <Notice id="login-failure" tone="error" title={failure.title}>
          <p>{failure.message}</p>
        </Notice>
      )}
      <Field id="login-email" label="E-mail" error={errors.email?.message}>
        {(p) => <input {...p} {...register("email")} type="email" autoComplete="username" autoFocus className={inputClasses} />}
      </Field>
      <Field id="login-password" label="Password" error={errors.password?.message}>
        {(p) => <input {...p} {...register("password")} type="password" autoComplete="current-password" className={inputClasses} />}
      </Field>
      <Button type="submit" variant="primary" className="w-full" disabled={isSubmitting}>
        {isSubmitting ? "Signing in…" : "Sign in"}
      </Button>
      <p className="text-xs text-slate-500">Forgot your password? An administrator can reset it under Users.</p>
    </form>
  );
}
