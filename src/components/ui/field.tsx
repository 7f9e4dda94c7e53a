import { cn } from "@/lib/cn";

export const inputClasses = cn(
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 shadow-xs",
  "placeholder:text-slate-400 focus:border-indigo-500 focus:outline-2 focus:outline-offset-0 focus:outline-indigo-500/30",
  "disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-500 read-only:bg-slate-50",
  "aria-invalid:border-red-500 aria-invalid:focus:outline-red-500/30",
);

export const checkboxClasses =
  "size-4 rounded border-slate-300 text-indigo-600 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50";

/** Props that tie an input to its label, hint and error. */
export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

export function controlProps(id: string, { hint, error }: { hint?: React.ReactNode; error?: string }): ControlProps {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return { id, "aria-describedby": describedBy || undefined, ...(error ? { "aria-invalid": true as const } : {}) };
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={`${id}-error`} data-field-error className="mt-1.5 whitespace-pre-line text-sm text-red-700">
      {message}
    </p>
  );
}

/** A labelled control with its hint and error; `children` renders the control with the wiring props. */
export function Field({
  id,
  label,
  hint,
  error,
  required,
  className,
  trailing,
  children,
}: {
  id: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  error?: string;
  required?: boolean;
  className?: string;
  /** Shown at the right of the label line, e.g. a character counter. */
  trailing?: React.ReactNode;
  children: (props: ControlProps) => React.ReactNode;
}) {
  return (
    <div className={className}>
      <div className="mb-1 flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
          {required && (
            <span className="text-red-600" aria-hidden>
              {" "}
              *
            </span>
          )}
        </label>
        {trailing}
      </div>
      {children(controlProps(id, { hint, error }))}
      <FieldError id={id} message={error} />
      {hint && (
        <p id={`${id}-hint`} className="mt-1.5 text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}
