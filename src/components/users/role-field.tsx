"use client";

import { useId } from "react";
import { atLeast, ROLE_DESCRIPTIONS, ROLES, type Role } from "@/server/auth/roles";
import { cn } from "@/lib/cn";

/** Roles as radio cards with what each may do; roles above `max` are shown but cannot be chosen. */
export function RoleField({
  legend,
  value,
  onChange,
  max = "admin",
  maxReason,
  error,
  name,
}: {
  legend: string;
  value: Role;
  onChange: (role: Role) => void;
  max?: Role;
  /** Why roles above `max` are off, e.g. "a token cannot have more rights than you". */
  maxReason?: string;
  error?: string;
  name?: string;
}) {
  const id = useId();
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1 text-sm font-medium text-slate-800">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-3">
        {ROLES.map((role) => {
          const allowed = atLeast(max, role);
          const checked = value === role;
          return (
            <label
              key={role}
              className={cn(
                "relative flex cursor-pointer flex-col rounded-md px-3 py-2 text-sm ring-1 ring-inset",
                "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-indigo-600",
                checked ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-300 hover:bg-slate-50",
                !allowed && "cursor-not-allowed opacity-50 hover:bg-white",
              )}
            >
              <span className="flex items-center gap-2">
                <input
                  type="radio"
                  name={name ?? id}
                  value={role}
                  checked={checked}
                  disabled={!allowed}
                  onChange={() => onChange(role)}
                  className="size-4 accent-indigo-600 focus:outline-none"
                />
                <span className="font-medium capitalize text-slate-900">{role}</span>
              </span>
              <span className="mt-1 text-xs text-slate-600">{ROLE_DESCRIPTIONS[role]}</span>
            </label>
          );
        })}
      </div>
      {!atLeast(max, "admin") && maxReason && <p className="mt-1.5 text-xs text-slate-500">{maxReason}</p>}
      {error && (
        <p id={`${id}-error`} className="mt-1.5 text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
