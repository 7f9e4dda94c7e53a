import type { UseFormRegisterReturn } from "react-hook-form";
import { Field, inputClasses } from "@/components/ui/field";

/** The name of a tenant or group: typed when creating it, read-only when editing (names cannot change). */
export function NameField({ id, field, editing, error }: { id: string; field: UseFormRegisterReturn; editing: boolean; error?: string }) {
  return (
    <Field id={id} label="Name" required error={error} hint={editing ? "Names cannot change." : "Lowercase letters, digits and '-'."}>
      {(p) => <input {...p} {...field} readOnly={editing} data-autofocus autoComplete="off" className={inputClasses} />}
    </Field>
  );
}
