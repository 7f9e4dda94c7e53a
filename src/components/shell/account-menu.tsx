"use client";

import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { RoleBadge } from "@/components/ui/role-badge";
import { cn } from "@/lib/cn";
import { ROLE_DESCRIPTIONS } from "@/server/auth/roles";
import { useSession } from "./session";

function initials(name: string): string {
  const words = name
    .replace(/@.*/, "")
    .split(/[\s._-]+/)
    .filter(Boolean);
  return ((words[0]?.[0] ?? "?") + (words[1]?.[0] ?? "")).toUpperCase();
}

/** Who is signed in, with their API tokens and sign-out: a disclosure, so it is plain Tab order inside. */
export function AccountMenu() {
  const user = useSession();
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const name = user.displayName || user.email;

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  async function signOut() {
    setSigningOut(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/logout", { method: "POST" });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      // replace(): the signed-in page leaves the history, so Back does not return to it.
      window.location.replace("/login?signedOut=1");
    } catch (failure) {
      setSigningOut(false);
      setError(`Could not sign out: ${(failure as Error).message}. Try again.`);
    }
  }

  return (
    <div ref={root} className="relative">
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`Account: ${name}, ${user.role}`}
        onClick={() => setOpen(!open)}
        className={cn(
          "flex w-full items-center gap-3 rounded-md p-1.5 text-left text-sm md:px-2 md:py-2",
          "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-400",
          open ? "bg-slate-800" : "hover:bg-slate-800/60",
        )}
      >
        <span aria-hidden className="flex size-8 shrink-0 items-center justify-center rounded-full bg-indigo-500 text-xs font-semibold text-white">
          {initials(name)}
        </span>
        <span className="hidden min-w-0 flex-1 md:block">
          <span className="block truncate font-medium text-white">{name}</span>
          <span className="mt-0.5 block">
            <RoleBadge role={user.role} tone="dark" />
          </span>
        </span>
        <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className={cn("hidden size-4 text-slate-400 md:block", open && "rotate-180")}>
          <path d="M5.23 12.79a.75.75 0 001.06-.02L10 8.832l3.71 3.938a.75.75 0 101.08-1.04l-4.25-4.5a.75.75 0 00-1.08 0l-4.25 4.5a.75.75 0 00.02 1.06z" />
        </svg>
      </button>

      <div
        id={panelId}
        hidden={!open}
        className="absolute right-0 top-full z-40 mt-2 w-72 rounded-lg bg-white p-1 text-sm shadow-lg ring-1 ring-slate-900/10 md:bottom-full md:left-0 md:right-auto md:top-auto md:mb-2 md:mt-0 md:w-64"
      >
        <div className="px-3 py-2.5">
          <p className="font-medium text-slate-900">{name}</p>
          {user.displayName && <p className="truncate text-slate-600">{user.email}</p>}
          <p className="mt-1.5 flex items-center gap-2 text-xs text-slate-600">
            <RoleBadge role={user.role} />
            <span>{ROLE_DESCRIPTIONS[user.role]}</span>
          </p>
        </div>
        <div className="border-t border-slate-100 pt-1">
          <Link
            href="/settings/tokens"
            onClick={() => setOpen(false)}
            className="block rounded-md px-3 py-2 text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
          >
            API tokens
          </Link>
          <Link
            href="/api-reference"
            onClick={() => setOpen(false)}
            className="block rounded-md px-3 py-2 text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
          >
            API reference
          </Link>
          <button
            type="button"
            onClick={signOut}
            disabled={signingOut}
            className="block w-full rounded-md px-3 py-2 text-left text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:text-slate-400"
          >
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
          {error && (
            <p role="alert" className="px-3 py-2 text-xs text-red-700">
              {error}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
