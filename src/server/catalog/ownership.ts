/**
 * Field ownership between an upstream document and the admin (DESIGN §7). Pure: the ingestion
 * pipeline, the review queue and the server page share these rules.
 *
 * The upstream document owns what it states: descriptions, display name, the runtime (with its
 * endpoint, transport and package provenance), env declarations, icon, repository URL and tool
 * preview — and categories and Obot metadata when the document carries them. The admin owns
 * everything else (scope, status, capabilities, user type, …) and every upstream-owned field they
 * edited after import, recorded as an override.
 */
import { stableStringify } from "../util/stable-json";
import type { ServerSpec } from "./model";

export const UPSTREAM_FIELDS = [
  "displayName",
  "shortDescription",
  "description",
  "runtime",
  "env",
  "icon",
  "repoUrl",
  "toolPreview",
  "categories",
  "metadata",
] as const;
export type UpstreamField = (typeof UPSTREAM_FIELDS)[number];

/** The spec fields each upstream-owned field covers: a runtime comes with its endpoint, transport and package. */
const COVERS: Record<UpstreamField, readonly (keyof ServerSpec)[]> = {
  displayName: ["displayName"],
  shortDescription: ["shortDescription"],
  description: ["description"],
  runtime: ["runtime", "endpoint", "transport", "package"],
  env: ["env"],
  icon: ["icon"],
  repoUrl: ["repoUrl"],
  toolPreview: ["toolPreview"],
  categories: ["categories"],
  metadata: ["metadata"],
};

/** Owned by upstream only when the document carries them; otherwise they are the admin's. */
const WHEN_CARRIED: readonly UpstreamField[] = ["categories", "metadata"];

export const UPSTREAM_FIELD_LABELS: Record<UpstreamField, string> = {
  displayName: "display name",
  shortDescription: "short description",
  description: "description",
  runtime: "runtime",
  env: "environment variables",
  icon: "icon",
  repoUrl: "repository URL",
  toolPreview: "tool preview",
  categories: "categories",
  metadata: "Obot metadata",
};

export function isUpstreamField(value: string): value is UpstreamField {
  return (UPSTREAM_FIELDS as readonly string[]).includes(value);
}

/** The upstream-owned field a spec field belongs to (endpoint → runtime), or null for an admin-owned one. */
export function upstreamFieldOf(field: string): UpstreamField | null {
  for (const owner of UPSTREAM_FIELDS) if ((COVERS[owner] as readonly string[]).includes(field)) return owner;
  return null;
}

const same = (a: ServerSpec, b: ServerSpec, field: UpstreamField) => COVERS[field].every((key) => stableStringify(a[key]) === stableStringify(b[key]));

const carries = (spec: ServerSpec | null, field: UpstreamField) => {
  const value = spec?.[field as keyof ServerSpec];
  return Array.isArray(value) ? value.length > 0 : value !== null && typeof value === "object" ? Object.keys(value).length > 0 : false;
};

/** The upstream-owned fields an admin's edit changes: these become overrides of a server that has a source. */
export function overriddenBy(before: ServerSpec, after: ServerSpec): UpstreamField[] {
  return UPSTREAM_FIELDS.filter((field) => !same(before, after, field));
}

/**
 * The fields upstream changed: for a field the admin did not override, any difference from the
 * server (which holds upstream's last value); for an overridden one, a difference from upstream's
 * previous document (when it is known), so an override is not reported again at every sync.
 */
export function changedUpstream(current: ServerSpec, upstream: ServerSpec, previous: ServerSpec | null, overrides: readonly string[]): UpstreamField[] {
  return UPSTREAM_FIELDS.filter((field) => {
    if (WHEN_CARRIED.includes(field) && !carries(upstream, field) && !carries(previous, field)) return false;
    if (overrides.includes(field) && previous) return !same(previous, upstream, field) && !same(current, upstream, field);
    return !same(current, upstream, field);
  });
}

export interface FieldChange {
  field: keyof ServerSpec;
  before: unknown;
  after: unknown;
  /** The admin overrode this field and upstream changed it too: kept as the admin set it unless they take upstream's value. */
  conflict?: true;
}

export interface UpstreamMerge {
  /** The server's spec with upstream's changes applied to the fields it owns and the admin did not override. */
  spec: ServerSpec;
  changes: FieldChange[];
  conflicts: FieldChange[];
}

/**
 * Applies upstream's changes of `changed` fields to the server: fields the admin overrode keep
 * their value and come back as conflicts, unless listed in `takeUpstream`. Admin-owned fields are
 * never touched.
 */
export function mergeUpstream(
  current: ServerSpec,
  upstream: ServerSpec,
  overrides: readonly string[],
  changed: readonly UpstreamField[],
  takeUpstream: readonly UpstreamField[] = [],
): UpstreamMerge {
  const spec: ServerSpec = { ...current };
  const changes: FieldChange[] = [];
  const conflicts: FieldChange[] = [];
  for (const field of UPSTREAM_FIELDS) {
    if (!changed.includes(field) || same(current, upstream, field)) continue;
    const keepLocal = overrides.includes(field) && !takeUpstream.includes(field);
    for (const key of COVERS[field]) {
      if (stableStringify(current[key]) === stableStringify(upstream[key])) continue;
      const change: FieldChange = { field: key, before: current[key], after: upstream[key] };
      if (keepLocal) conflicts.push({ ...change, conflict: true });
      else {
        changes.push(change);
        (spec as unknown as Record<string, unknown>)[key] = upstream[key];
      }
    }
  }
  return { spec, changes, conflicts };
}

/** The upstream-owned fields a stored review diff names. */
export function fieldsOfDiff(diff: unknown): UpstreamField[] {
  if (!Array.isArray(diff)) return [];
  const fields = new Set<UpstreamField>();
  for (const entry of diff) {
    const owner = entry && typeof entry === "object" && typeof entry.field === "string" ? upstreamFieldOf(entry.field) : null;
    if (owner) fields.add(owner);
  }
  return [...fields];
}
