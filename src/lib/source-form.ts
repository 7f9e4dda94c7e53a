/**
 * The source form's values (text as typed) and their translation to and from the API's input,
 * validated by the same zod schema the server uses.
 */
import type { z } from "zod";
import { sourceCreateInput, storedSourceSettings, type Source, type SourceKind } from "@/server/ingest/source-model";
import { inputResolver, mapErrors, type ErrorTargetOf } from "./form";

export interface SourceFormValues {
  name: string;
  kind: SourceKind;
  url: string;
  ref: string;
  path: string;
  /** One glob per line. */
  include: string;
  exclude: string;
  syncMode: "manual" | "scheduled";
  intervalMinutes: string;
  /** One subject per line: `everyone`, `group:NAME`, `tenant:NAME` or `labels:k=v,k2=v2`, then an optional `# note`. */
  entitlements: string;
}

export type SourceField = keyof SourceFormValues;
export type SourceFieldErrors = Partial<Record<SourceField | "form", string>>;

export const emptySourceFormValues = (): SourceFormValues => ({
  name: "",
  kind: "git",
  url: "",
  ref: "",
  path: "",
  include: "",
  exclude: "",
  syncMode: "manual",
  intervalMinutes: "60",
  entitlements: "",
});

type Entitlement = Source["defaultEntitlements"][number];

export function entitlementLine({ subject, note }: Entitlement): string {
  const text =
    subject.type === "everyone"
      ? "everyone"
      : subject.type === "selector"
        ? `labels:${Object.entries(subject.matchLabels)
            .map(([k, v]) => `${k}=${v}`)
            .join(",")}`
        : `${subject.type}:${subject.name}`;
  return note ? `${text} # ${note}` : text;
}

export function sourceFormValuesOf(source: Source): SourceFormValues {
  return {
    name: source.name,
    kind: source.kind,
    url: source.url,
    ref: source.ref ?? "",
    path: source.path ?? "",
    include: source.include.join("\n"),
    exclude: source.exclude.join("\n"),
    syncMode: source.syncMode,
    intervalMinutes: source.intervalMinutes ? String(source.intervalMinutes) : "60",
    entitlements: source.defaultEntitlements.map(entitlementLine).join("\n"),
  };
}

const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

/** A line the schema will judge: unknown prefixes become a subject type it refuses with its own message. */
export function parseEntitlementLine(line: string): { subject: Record<string, unknown>; note?: string } {
  const hash = line.indexOf("#");
  const subjectText = (hash === -1 ? line : line.slice(0, hash)).trim();
  const note = hash === -1 ? undefined : line.slice(hash + 1).trim() || undefined;
  const withNote = (subject: Record<string, unknown>) => (note ? { subject, note } : { subject });
  if (subjectText === "everyone") return withNote({ type: "everyone" });
  const colon = subjectText.indexOf(":");
  const type = colon === -1 ? subjectText : subjectText.slice(0, colon).trim();
  const value = colon === -1 ? "" : subjectText.slice(colon + 1).trim();
  if (type === "labels") {
    const matchLabels = Object.fromEntries(
      value
        .split(",")
        .map((pair) => pair.split("=").map((part) => part.trim()))
        .filter(([key]) => key)
        .map(([key, v]) => [key, v ?? ""]),
    );
    return withNote({ type: "selector", matchLabels });
  }
  return withNote({ type, name: value });
}

/** The create input the form's values stand for (the schema fills in defaults and judges it). */
export function sourceInputOf(values: SourceFormValues): Record<string, unknown> {
  const git = values.kind === "git";
  const upload = values.kind === "manual-upload";
  const interval = Number(values.intervalMinutes);
  return {
    name: values.name.trim(),
    kind: values.kind,
    url: upload ? "" : values.url.trim(),
    ...(git && values.ref.trim() ? { ref: values.ref.trim() } : {}),
    ...(git && values.path.trim() ? { path: values.path.trim() } : {}),
    include: lines(values.include),
    exclude: lines(values.exclude),
    syncMode: upload ? "manual" : values.syncMode,
    ...(values.syncMode === "scheduled" && !upload
      ? { intervalMinutes: values.intervalMinutes.trim() === "" || Number.isNaN(interval) ? undefined : interval }
      : {}),
    defaultEntitlements: lines(values.entitlements).map(parseEntitlementLine),
  };
}

/** "include.2" → "include", "defaultEntitlements.0.subject.name" → "entitlements": the field a person typed it in. */
export function formFieldOf(path: string): SourceField | "form" {
  const head = path.split(".")[0] ?? "";
  if (head === "defaultEntitlements") return "entitlements";
  const fields: SourceField[] = ["name", "kind", "url", "ref", "path", "include", "exclude", "syncMode", "intervalMinutes"];
  return (fields as string[]).includes(head) ? (head as SourceField) : "form";
}

/** Where an error at an input path shows in the form; an entitlement's error names its line. */
export const sourceErrorTarget: ErrorTargetOf = (path, message) => {
  const field = formFieldOf(path);
  const line = /^defaultEntitlements\.(\d+)/.exec(path);
  return { field: field === "form" ? null : field, message: line ? `line ${Number(line[1]) + 1}: ${message}` : message };
};

/** Field errors keyed by form field, from dotted paths (a zod error or the server's fieldErrors); the first message per field wins. */
export function sourceFieldErrors(fieldErrors: Record<string, string[] | undefined>, formErrors: readonly string[] = []): SourceFieldErrors {
  const mapped = mapErrors(fieldErrors, [], sourceErrorTarget);
  const out: SourceFieldErrors = mapped.fields;
  const form = mapped.form[0] ?? formErrors[0];
  if (form) out.form = form;
  return out;
}

/** zodResolver over the server's sourceCreateInput, its errors beside the fields they are about. */
export const sourceFormResolver = inputResolver<SourceFormValues>(sourceCreateInput, sourceInputOf, sourceErrorTarget);

export type SourceCreateOutput = z.output<typeof sourceCreateInput>;

/** Validates the form with the server's own schema: the input to send, or the errors to show beside each field. */
export function checkSourceForm(values: SourceFormValues): { ok: true; input: SourceCreateOutput } | { ok: false; errors: SourceFieldErrors } {
  const parsed = sourceCreateInput.safeParse(sourceInputOf(values));
  if (parsed.success) return { ok: true, input: parsed.data };
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.path.length === 0) formErrors.push(issue.message);
    else (fieldErrors[issue.path.join(".")] ??= []).push(issue.message);
  }
  return { ok: false, errors: sourceFieldErrors(fieldErrors, formErrors) };
}

/** The update for an existing source: every editable field, and the version it was loaded at. */
export function sourcePatchOf(input: SourceCreateOutput, version: number) {
  return { version, ...storedSourceSettings(input) };
}
