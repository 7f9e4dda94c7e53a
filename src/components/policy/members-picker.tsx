"use client";

import { useState } from "react";
import { checkboxClasses, inputClasses } from "@/components/ui/field";

/** Tenant names as checkboxes, with a filter for long lists; the chosen ones stay listed first. */
export function MembersPicker({
  id,
  tenants,
  value,
  onChange,
  error,
}: {
  id: string;
  tenants: readonly string[];
  value: readonly string[];
  onChange: (members: string[]) => void;
  error?: string;
}) {
  const [filter, setFilter] = useState("");
  const chosen = new Set(value);
  const needle = filter.trim().toLowerCase();
  const shown = tenants.filter((t) => !needle || t.includes(needle)).sort((a, b) => Number(chosen.has(b)) - Number(chosen.has(a)));
  const toggle = (tenant: string) => onChange(chosen.has(tenant) ? value.filter((t) => t !== tenant) : [...value, tenant]);

  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1 text-sm font-medium text-slate-800">
        Members <span className="font-normal text-slate-500">({value.length} chosen)</span>
      </legend>
      {tenants.length === 0 ? (
        <p className="text-sm text-slate-500">There are no tenants yet.</p>
      ) : (
        <>
          <label>
            <span className="sr-only">Filter tenants</span>
            <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Filter tenants" className={inputClasses} />
          </label>
          <ul className="mt-2 max-h-56 space-y-1 overflow-y-auto rounded-md p-2 ring-1 ring-slate-200">
            {shown.map((tenant) => (
              <li key={tenant}>
                <label className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={chosen.has(tenant)} onChange={() => toggle(tenant)} className={checkboxClasses} />
                  <span className="font-mono">{tenant}</span>
                </label>
              </li>
            ))}
            {shown.length === 0 && <li className="text-sm text-slate-500">No tenant matches.</li>}
          </ul>
        </>
      )}
      {error && (
        <p id={`${id}-error`} data-field-error className="mt-1.5 whitespace-pre-line text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
