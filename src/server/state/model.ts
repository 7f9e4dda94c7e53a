/**
 * The state document (DESIGN §12): servers, tenants, groups, rules and sources as one document, or
 * as a stream of per-object documents. Each object is validated by the schema its own API uses,
 * then put in a canonical form (every field, defaults applied, keys in a fixed order), so that an
 * export is byte-stable and comparing two states is comparing canonical objects. Pure: the CLI
 * reads and writes these documents too.
 */
import { z } from "zod";
import { SERVER_STATUSES, serverCreateInput, toServerSpec, type McpServer, type ServerStatus } from "../catalog/model";
import { sourceCreateInput, storedSourceSettings, type Source } from "../ingest/source-model";
import { grantCreateInput, groupCreateInput, tenantCreateInput, type Grant, type Group, type Tenant } from "../policy/model";
import { DomainError } from "../errors";
import { deepEqual } from "../util/stable-json";
import { unknownFieldMessage, unknownFields } from "../util/unknown-fields";

export const STATE_API_VERSION = "opencrane.io/v1alpha1";
export const STATE_KIND = "ControlPlaneState";

export const OBJECT_KINDS = ["server", "tenant", "group", "rule", "source"] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** The kind of an object's own document in a stream, and the document's list that holds it. */
export const DOCUMENT_KIND: Record<ObjectKind, string> = { server: "McpServer", tenant: "Tenant", group: "Group", rule: "Rule", source: "Source" };
export const LIST: Record<ObjectKind, "servers" | "tenants" | "groups" | "rules" | "sources"> = {
  server: "servers",
  tenant: "tenants",
  group: "groups",
  rule: "rules",
  source: "sources",
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type StateObject = { name: string } & Record<string, Json>;

export interface StateDocument {
  apiVersion: typeof STATE_API_VERSION;
  kind: typeof STATE_KIND;
  /** The catalog revision it was exported at; absent in a hand-written document (then nothing is checked for staleness). */
  revision?: number;
  servers: StateObject[];
  tenants: StateObject[];
  groups: StateObject[];
  rules: StateObject[];
  sources: StateObject[];
}

/** The canonical state: per kind, objects by name. */
export type CanonicalState = Record<ObjectKind, Map<string, StateObject>>;

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface StateChange {
  kind: ObjectKind;
  name: string;
  action: "create" | "update" | "delete";
  fields?: FieldChange[];
}

export interface Problem {
  /** `rules.platform-github.subject.name`: the document's list, the object's name (or position), the field. */
  field: string;
  message: string;
}

/** A refusal that names every object and field at fault. */
export function invalidState(problems: readonly Problem[], code: "VALIDATION_FAILED" | "CONFLICT" = "VALIDATION_FAILED"): DomainError {
  const fieldErrors: Record<string, string[]> = {};
  for (const p of problems) (fieldErrors[p.field] ??= []).push(p.message);
  return new DomainError(code, `the state document cannot be applied: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`, { fieldErrors });
}

const json = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null)) as Json;

// ---------------------------------------------------------------------------------------------
// Canonical objects, from what the store returns (export) and from a document (input)

const SERVER_FIELDS = [
  "name",
  "displayName",
  "shortDescription",
  "description",
  "status",
  "scope",
  "ownerTenant",
  "transport",
  "runtime",
  "package",
  "env",
  "serverUserType",
  "capabilities",
  "categories",
  "icon",
  "repoUrl",
  "toolPreview",
  "metadata",
] as const;
const TENANT_FIELDS = ["name", "displayName", "team", "labels", "mcpPolicy"] as const;
const GROUP_FIELDS = ["name", "description", "members"] as const;
const RULE_FIELDS = ["name", "subject", "servers", "access", "note", "expiresAt"] as const;
const SOURCE_FIELDS = ["name", "kind", "url", "ref", "path", "include", "exclude", "syncMode", "intervalMinutes", "defaultEntitlements"] as const;

export const FIELDS: Record<ObjectKind, readonly string[]> = {
  server: SERVER_FIELDS,
  tenant: TENANT_FIELDS,
  group: GROUP_FIELDS,
  rule: RULE_FIELDS,
  source: SOURCE_FIELDS,
};
/** The create schema each kind's objects are read with (what parseObject parses). */
const INPUT_SCHEMA: Record<ObjectKind, z.ZodType> = {
  server: serverCreateInput,
  tenant: tenantCreateInput,
  group: groupCreateInput,
  rule: grantCreateInput,
  source: sourceCreateInput,
};

/** Accepted on input, never exported: a remote runtime's fixed URL said the §3 way. */
const INPUT_ONLY: Partial<Record<ObjectKind, readonly string[]>> = { server: ["endpoint"] };

function pick(kind: ObjectKind, value: object): StateObject {
  return Object.fromEntries(FIELDS[kind].map((field) => [field, json((value as Record<string, unknown>)[field])])) as StateObject;
}

export const canonicalServer = (server: Pick<McpServer, (typeof SERVER_FIELDS)[number]>) => pick("server", server);
export const canonicalTenant = (tenant: Tenant) => pick("tenant", tenant);
export const canonicalGroup = (group: Group) => pick("group", { ...group, members: [...new Set(group.members)].sort() });
export const canonicalRule = (rule: Grant) => pick("rule", { ...rule, expiresAt: rule.expiresAt ? new Date(rule.expiresAt).toISOString() : null });
export const canonicalSource = (source: Source) => pick("source", source);

type Issue = { path: PropertyKey[]; message: string };
const issuesOf = (error: z.ZodError): Issue[] => error.issues.map((i) => ({ path: i.path, message: i.message }));

/** Absent optional values are exported as null; the create schemas want them left out. */
const withoutNulls = (value: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(Object.entries(value).filter(([key, v]) => !(keys.includes(key) && v === null)));

function parseObject(kind: ObjectKind, raw: Record<string, unknown>): { object: StateObject } | { issues: Issue[] } {
  switch (kind) {
    case "server": {
      const { status = "draft", ...rest } = raw;
      const issues: Issue[] = [];
      if (!SERVER_STATUSES.includes(status as ServerStatus)) issues.push({ path: ["status"], message: `status must be one of ${SERVER_STATUSES.join(", ")}` });
      const parsed = serverCreateInput.safeParse(rest);
      if (!parsed.success) return { issues: [...issues, ...issuesOf(parsed.error)] };
      if (issues.length > 0) return { issues };
      return { object: canonicalServer({ name: parsed.data.name, status: status as ServerStatus, ...toServerSpec(parsed.data) }) };
    }
    case "tenant": {
      const parsed = tenantCreateInput.safeParse(raw);
      return parsed.success ? { object: pick("tenant", parsed.data) } : { issues: issuesOf(parsed.error) };
    }
    case "group": {
      const parsed = groupCreateInput.safeParse(raw);
      return parsed.success
        ? { object: pick("group", { ...parsed.data, members: [...new Set(parsed.data.members)].sort() }) }
        : { issues: issuesOf(parsed.error) };
    }
    case "rule": {
      const parsed = grantCreateInput.safeParse(raw);
      if (!parsed.success) return { issues: issuesOf(parsed.error) };
      if (parsed.data.name === undefined) return { issues: [{ path: ["name"], message: "a rule in a state document needs a name" }] };
      return { object: pick("rule", { ...parsed.data, expiresAt: parsed.data.expiresAt ? new Date(parsed.data.expiresAt).toISOString() : null }) };
    }
    case "source": {
      const parsed = sourceCreateInput.safeParse(withoutNulls(raw, ["ref", "path", "intervalMinutes"]));
      return parsed.success
        ? { object: pick("source", { name: parsed.data.name, kind: parsed.data.kind, ...storedSourceSettings(parsed.data) }) }
        : { issues: issuesOf(parsed.error) };
    }
  }
}

const documentHeader = z.object({
  apiVersion: z.literal(STATE_API_VERSION, { error: `apiVersion must be ${STATE_API_VERSION}` }),
  kind: z.literal(STATE_KIND, { error: `kind must be ${STATE_KIND}` }),
  revision: z.number().int().min(0, "revision must be a catalog revision (0 or more)").optional(),
  servers: z.array(z.unknown(), { error: "servers must be a list" }).default([]),
  tenants: z.array(z.unknown(), { error: "tenants must be a list" }).default([]),
  groups: z.array(z.unknown(), { error: "groups must be a list" }).default([]),
  rules: z.array(z.unknown(), { error: "rules must be a list" }).default([]),
  sources: z.array(z.unknown(), { error: "sources must be a list" }).default([]),
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** One document, or a stream of per-object documents (and at most one ControlPlaneState), as one state document's raw lists. */
export function assembleDocuments(documents: readonly unknown[]): { revision?: number; lists: Record<ObjectKind, unknown[]> } {
  const lists: Record<ObjectKind, unknown[]> = { server: [], tenant: [], group: [], rule: [], source: [] };
  const problems: Problem[] = [];
  let revision: number | undefined;
  let headers = 0;
  documents.forEach((doc, index) => {
    const where = documents.length === 1 ? "" : `documents.${index}.`;
    if (!isRecord(doc)) {
      problems.push({ field: `${where}kind`, message: "each document must be an object" });
      return;
    }
    if (doc.kind === STATE_KIND) {
      headers++;
      // A misspelt list (`tenant:` for `tenants:`) would otherwise read as an empty one, which
      // --prune takes as "delete every tenant".
      for (const key of Object.keys(doc)) {
        if (!Object.hasOwn(documentHeader.shape, key))
          problems.push({ field: `${where}${key}`, message: unknownFieldMessage({ path: [key], known: Object.keys(documentHeader.shape) }) });
      }
      const parsed = documentHeader.safeParse(doc);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push({ field: `${where}${issue.path.join(".")}`, message: issue.message });
        return;
      }
      revision = parsed.data.revision;
      for (const kind of OBJECT_KINDS) lists[kind].push(...parsed.data[LIST[kind]]);
      return;
    }
    const kind = OBJECT_KINDS.find((k) => DOCUMENT_KIND[k] === doc.kind);
    if (!kind) {
      problems.push({
        field: `${where}kind`,
        message: `kind must be ${STATE_KIND} or one of ${Object.values(DOCUMENT_KIND).join(", ")} (got ${JSON.stringify(doc.kind ?? null)})`,
      });
      return;
    }
    if (doc.apiVersion !== STATE_API_VERSION) problems.push({ field: `${where}apiVersion`, message: `apiVersion must be ${STATE_API_VERSION}` });
    const metadata = isRecord(doc.metadata) ? doc.metadata : null;
    if (!metadata || typeof metadata.name !== "string")
      problems.push({ field: `${where}metadata.name`, message: `a ${doc.kind} document names its object: metadata.name` });
    for (const key of Object.keys(metadata ?? {})) {
      if (key !== "name")
        problems.push({ field: `${where}metadata.${key}`, message: "unknown field: metadata holds only the name; an object's fields go under spec" });
    }
    const extra = Object.keys(doc).filter((key) => !["apiVersion", "kind", "metadata", "spec"].includes(key));
    for (const key of extra) problems.push({ field: `${where}${key}`, message: "unknown field: an object's fields go under spec" });
    if (doc.spec !== undefined && !isRecord(doc.spec)) problems.push({ field: `${where}spec`, message: "spec must be an object" });
    if (metadata && typeof metadata.name === "string") lists[kind].push({ name: metadata.name, ...(isRecord(doc.spec) ? doc.spec : {}) });
  });
  if (headers > 1) problems.push({ field: "kind", message: `at most one ${STATE_KIND} document in a stream` });
  if (documents.length === 0) problems.push({ field: "kind", message: "the body holds no document" });
  if (problems.length > 0) throw invalidState(problems);
  return { revision, lists };
}

/**
 * Validates every object with its kind's schema and answers the canonical state. Every problem
 * is reported, each named by list, object and field: `rules.platform-github.subject.name`.
 */
export function parseState(documents: readonly unknown[]): { revision?: number; state: CanonicalState } {
  const { revision, lists } = assembleDocuments(documents);
  const problems: Problem[] = [];
  const state = emptyState();
  for (const kind of OBJECT_KINDS) {
    lists[kind].forEach((raw, index) => {
      const label = isRecord(raw) && typeof raw.name === "string" && raw.name !== "" ? raw.name : String(index);
      const where = `${LIST[kind]}.${label}`;
      if (!isRecord(raw)) {
        problems.push({ field: where, message: `each ${kind} must be an object` });
        return;
      }
      const allowed = new Set([...FIELDS[kind], ...(INPUT_ONLY[kind] ?? [])]);
      for (const key of Object.keys(raw)) if (!allowed.has(key)) problems.push({ field: `${where}.${key}`, message: `unknown field of a ${kind}` });
      // Deeper down too: `mcpPolicy.alow` would otherwise be dropped, and the deny meant never made.
      for (const field of unknownFields(INPUT_SCHEMA[kind], raw)) {
        if (field.path.length > 1) problems.push({ field: [where, ...field.path.map(String)].join("."), message: unknownFieldMessage(field) });
      }
      const parsed = parseObject(kind, raw);
      if ("issues" in parsed) {
        for (const issue of parsed.issues) problems.push({ field: [where, ...issue.path.map(String)].join("."), message: issue.message });
        return;
      }
      if (state[kind].has(parsed.object.name)) {
        problems.push({ field: `${where}.name`, message: `a second ${kind} named '${parsed.object.name}'` });
        return;
      }
      state[kind].set(parsed.object.name, parsed.object);
    });
  }
  if (problems.length > 0) throw invalidState(problems);
  return { revision, state };
}

export function emptyState(): CanonicalState {
  return { server: new Map(), tenant: new Map(), group: new Map(), rule: new Map(), source: new Map() };
}

// ---------------------------------------------------------------------------------------------
// Comparing states

/** Field-level differences: objects key by key (e.g. `runtime.fixedURL`), anything else as a whole. */
export function fieldChanges(before: Json, after: Json, path = ""): FieldChange[] {
  if (deepEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after) && path !== "") {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => fieldChanges((before as Record<string, Json>)[key] ?? null, (after as Record<string, Json>)[key] ?? null, `${path}.${key}`));
  }
  if (isRecord(before) && isRecord(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].flatMap((key) =>
      fieldChanges((before as Record<string, Json>)[key] ?? null, (after as Record<string, Json>)[key] ?? null, key),
    );
  }
  return [{ path, before, after }];
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What applying `desired` to `current` changes: creates and updates, and with prune the deletes. */
export function planChanges(current: CanonicalState, desired: CanonicalState, prune: boolean): StateChange[] {
  const changes: StateChange[] = [];
  for (const kind of OBJECT_KINDS) {
    const names = [...new Set([...current[kind].keys(), ...desired[kind].keys()])].sort(byteOrder);
    for (const name of names) {
      const before = current[kind].get(name);
      const after = desired[kind].get(name);
      if (!before && after) changes.push({ kind, name, action: "create" });
      else if (before && after) {
        const fields = fieldChanges(before, after);
        if (fields.length > 0) changes.push({ kind, name, action: "update", fields });
      } else if (before && !after && prune) changes.push({ kind, name, action: "delete" });
    }
  }
  return changes;
}

/**
 * References the result would break: a rule's group or tenant, a group's members, a personal
 * server's owner, that the result does not have (the store would delete the rule or refuse).
 */
export function danglingReferences(result: CanonicalState): Problem[] {
  const problems: Problem[] = [];
  for (const rule of result.rule.values()) {
    const subject = rule.subject as { type: string; name?: string };
    if (subject.type === "group" && !result.group.has(subject.name!)) {
      problems.push({ field: `rules.${rule.name}.subject.name`, message: `group '${subject.name}' is not in the resulting state` });
    }
    if (subject.type === "tenant" && !result.tenant.has(subject.name!)) {
      problems.push({ field: `rules.${rule.name}.subject.name`, message: `tenant '${subject.name}' is not in the resulting state` });
    }
  }
  for (const group of result.group.values()) {
    for (const member of group.members as string[]) {
      if (!result.tenant.has(member)) problems.push({ field: `groups.${group.name}.members`, message: `tenant '${member}' is not in the resulting state` });
    }
  }
  for (const server of result.server.values()) {
    if (typeof server.ownerTenant === "string" && !result.tenant.has(server.ownerTenant)) {
      problems.push({ field: `servers.${server.name}.ownerTenant`, message: `tenant '${server.ownerTenant}' is not in the resulting state` });
    }
  }
  return problems;
}

/** The state after applying: the document's objects, and with no prune the current objects it leaves out. */
export function resultingState(current: CanonicalState, desired: CanonicalState, prune: boolean): CanonicalState {
  const result = emptyState();
  for (const kind of OBJECT_KINDS) {
    if (!prune) for (const [name, object] of current[kind]) result[kind].set(name, object);
    for (const [name, object] of desired[kind]) result[kind].set(name, object);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The document itself

export function stateDocument(state: CanonicalState, revision: number): StateDocument {
  const list = (kind: ObjectKind) => [...state[kind].values()].sort((a, b) => byteOrder(a.name, b.name));
  return {
    apiVersion: STATE_API_VERSION,
    kind: STATE_KIND,
    revision,
    servers: list("server"),
    tenants: list("tenant"),
    groups: list("group"),
    rules: list("rule"),
    sources: list("source"),
  };
}

/**
 * The per-object documents of a state document, one file per object in a repository:
 * `{apiVersion, kind: Rule, metadata: {name}, spec: {…the object's other fields}}` (a source's own
 * `kind` stays in its spec).
 */
export function objectDocuments(document: StateDocument): { kind: ObjectKind; name: string; document: Record<string, Json> }[] {
  return OBJECT_KINDS.flatMap((kind) =>
    document[LIST[kind]].map(({ name, ...spec }) => ({
      kind,
      name,
      document: { apiVersion: STATE_API_VERSION, kind: DOCUMENT_KIND[kind], metadata: { name }, spec },
    })),
  );
}
