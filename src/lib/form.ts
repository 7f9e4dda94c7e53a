/**
 * The console's one form style: react-hook-form, its values turned into the input the server takes
 * and judged by zodResolver over the server's own schema. Every error — the resolver's, or the
 * server's refusal (tRPC `data.domain.details.fieldErrors`) — goes from its input path
 * ("subject.name", "labels.team", "env.0.key") through one mapping to the form field that shows it.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { get, set, type FieldErrors, type FieldValues, type Path, type Resolver, type UseFormSetError } from "react-hook-form";
import type { z } from "zod";
import type { DomainErrorInfo } from "./domain-error";

/** Where a form keeps the errors that belong to no field (shown as its summary). */
export const FORM_ERROR = "root.form" as const;

export interface ErrorTarget {
  /** The form field to show the message next to, or null for the form's summary. */
  field: string | null;
  message: string;
}

/** Where an error at an input path belongs in a form, and how to word it there. */
export type ErrorTargetOf<V = unknown> = (path: string, message: string, values?: V) => ErrorTarget;

export interface MappedErrors {
  fields: Record<string, string>;
  form: string[];
}

export interface MapOptions<V> {
  /** The values the errors are about, for mappings that depend on them. */
  values?: V;
  /**
   * A field that edits a whole map or list (labels, members) gathers the first message of each of
   * its paths, one per line; otherwise a field shows only its first message.
   */
  gather?: boolean;
}

/** For forms whose fields are named like the input's top-level keys: those paths land on their field, the rest in the summary. */
export function fieldsNamed(fields: readonly string[]): ErrorTargetOf {
  return (path, message) => (fields.includes(path) ? { field: path, message } : { field: null, message: path ? `${path}: ${message}` : message });
}

/** Errors keyed by input path (a resolver's or the server's), regrouped by form field. */
export function mapErrors<V>(
  fieldErrors: Record<string, readonly string[] | undefined>,
  formErrors: readonly string[],
  targetOf: ErrorTargetOf<V>,
  { values, gather = false }: MapOptions<V> = {},
): MappedErrors {
  const mapped: MappedErrors = { fields: {}, form: [...formErrors] };
  for (const [path, messages] of Object.entries(fieldErrors)) {
    for (const raw of (gather ? messages?.slice(0, 1) : messages) ?? []) {
      const { field, message } = targetOf(path, raw, values);
      if (field === null) mapped.form.push(message);
      else if (mapped.fields[field] === undefined) mapped.fields[field] = message;
      else if (gather) mapped.fields[field] += `\n${message}`;
    }
  }
  return mapped;
}

/**
 * The paths of a procedure's nested input as paths of the form's own input: with prefix "grant",
 * "grant.servers" becomes "servers" (errors outside the prefix keep their path).
 */
export function withoutPrefix(fieldErrors: Record<string, string[]>, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [path, messages] of Object.entries(fieldErrors)) {
    const key = path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path;
    (out[key] ??= []).push(...messages);
  }
  return out;
}

/** react-hook-form's nested errors (from zodResolver) as input path → messages. */
export function flattenErrors(errors: FieldErrors, prefix = ""): Record<string, string[]> {
  const flat: Record<string, string[]> = {};
  for (const [key, node] of Object.entries(errors)) {
    if (!node || typeof node !== "object") continue;
    // toNestErrors files an error on a list itself under "<list>.root" when its items have errors too.
    const path = key === "root" ? prefix : prefix ? `${prefix}.${key}` : key;
    const { message } = node as { message?: unknown };
    if (typeof message === "string") (flat[path] ??= []).push(message);
    for (const [nestedPath, messages] of Object.entries(flattenErrors(node as FieldErrors, path))) {
      if (nestedPath !== path) (flat[nestedPath] ??= []).push(...messages);
    }
  }
  return flat;
}

/** Builds react-hook-form's nested errors from mapped ones; summary messages go to FORM_ERROR. */
export function nestErrors<V extends FieldValues>(mapped: MappedErrors, type = "validate"): FieldErrors<V> {
  const errors: FieldErrors<V> = {};
  for (const [field, message] of Object.entries(mapped.fields)) set(errors, field, { type, message });
  if (mapped.form.length > 0) set(errors, FORM_ERROR, { type, message: mapped.form.join("\n") });
  return errors;
}

export function errorMessageAt(errors: FieldErrors, field: string): string | undefined {
  const message = (get(errors, field) as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
}

/** Text typed into a form that cannot become input at all (say, tool preview that is not JSON or YAML). */
export class FormInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** The input built without the unreadable field, when there is one: the other fields are still checked, so their errors show too. */
    readonly input?: unknown,
  ) {
    super(message);
  }
}

/** zod reports a bad record key as "Invalid key in record" around the message that says why: show that one. */
const recordKeyMessage: z.core.$ZodErrorMap = (issue) =>
  issue.code === "invalid_key" ? (issue.issues as { message?: string }[] | undefined)?.[0]?.message : undefined;

/**
 * zodResolver over a shared input schema, for a form whose values are not the input itself:
 * `inputOf` builds the input (and may refuse text with a FormInputError), `targetOf` puts each
 * error on the field it came from. Valid values pass through unchanged.
 */
export function inputResolver<V extends FieldValues>(
  schema: z.ZodType,
  inputOf: (values: V) => unknown,
  targetOf: ErrorTargetOf<V>,
  options: Pick<MapOptions<V>, "gather"> = {},
): Resolver<V> {
  const validate = zodResolver(schema as z.ZodType<FieldValues, FieldValues>, { error: recordKeyMessage }, { raw: true });
  return async (values, context, resolverOptions) => {
    let input: unknown;
    let unreadable: FormInputError | null = null;
    try {
      input = inputOf(values);
    } catch (error) {
      if (!(error instanceof FormInputError)) throw error;
      if (error.input === undefined) return { values: {}, errors: nestErrors<V>({ fields: { [error.field]: error.message }, form: [] }) };
      unreadable = error;
      input = error.input;
    }
    const result = await validate(input as FieldValues, context, {
      ...resolverOptions,
      names: undefined,
      fields: {},
      shouldUseNativeValidation: false,
    } as Parameters<typeof validate>[2]);
    const flat = flattenErrors(result.errors);
    if (Object.keys(flat).length === 0 && !unreadable) return { values, errors: {} };
    const mapped = mapErrors(flat, [], targetOf, { values, ...options });
    if (unreadable) mapped.fields = { ...mapped.fields, [unreadable.field]: unreadable.message };
    return { values: {}, errors: nestErrors<V>(mapped) };
  };
}

/**
 * The server's refusal on the form: each field error next to its field (the first one focused
 * unless `focus` is false), the rest as the form's summary (at `summaryField`, by default
 * FORM_ERROR); when no field is to blame, the summary is the error's message. Returns the
 * summary, or null.
 */
export function showServerErrors<V extends FieldValues>(
  setError: UseFormSetError<V>,
  info: Pick<DomainErrorInfo, "message" | "fieldErrors" | "formErrors">,
  targetOf: ErrorTargetOf<V>,
  options: MapOptions<V> & { focus?: boolean; summaryField?: Path<V> } = {},
): string | null {
  const mapped = mapErrors(info.fieldErrors, info.formErrors, targetOf, options);
  const fields = Object.entries(mapped.fields);
  fields.forEach(([field, message], index) => setError(field as Path<V>, { type: "server", message }, { shouldFocus: options.focus !== false && index === 0 }));
  const summary = mapped.form.length > 0 ? mapped.form.join("\n") : fields.length === 0 ? info.message : null;
  if (summary !== null) setError(options.summaryField ?? (FORM_ERROR as Path<V>), { type: "server", message: summary });
  return summary;
}
