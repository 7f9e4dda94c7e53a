"use client";

import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import type { LabelRow } from "@/lib/policy-view";

/** Key/value rows for tenant labels and label selectors; `error` gathers the messages about any of them, one per line. */
export function LabelEditor({
  id,
  legend,
  rows,
  onChange,
  error,
  hint,
}: {
  id: string;
  legend: string;
  rows: LabelRow[];
  onChange: (rows: LabelRow[]) => void;
  error?: string;
  hint?: React.ReactNode;
}) {
  const update = (index: number, patch: Partial<LabelRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1 text-sm font-medium text-slate-800">{legend}</legend>
      {rows.length === 0 && <p className="text-sm text-slate-500">No labels.</p>}
      <ul className="space-y-2">
        {rows.map((row, index) => (
          <li key={index} className="flex items-center gap-2">
            <input
              aria-label={`${legend} key ${index + 1}`}
              value={row.key}
              onChange={(e) => update(index, { key: e.target.value })}
              placeholder="key"
              className={inputClasses}
              autoComplete="off"
            />
            <span aria-hidden className="text-slate-400">
              =
            </span>
            <input
              aria-label={`${legend} value ${index + 1}`}
              value={row.value}
              onChange={(e) => update(index, { value: e.target.value })}
              placeholder="value"
              className={inputClasses}
              autoComplete="off"
            />
            <Button
              size="sm"
              variant="ghost"
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
              aria-label={`Remove ${legend.toLowerCase()} row ${index + 1}`}
            >
              Remove
            </Button>
          </li>
        ))}
      </ul>
      <Button size="sm" className="mt-2" onClick={() => onChange([...rows, { key: "", value: "" }])}>
        Add label
      </Button>
      {error && (
        <p id={`${id}-error`} data-field-error className="mt-1.5 whitespace-pre-line text-sm text-red-700">
          {error}
        </p>
      )}
      {hint && <p className="mt-1.5 text-xs text-slate-500">{hint}</p>}
    </fieldset>
  );
}
