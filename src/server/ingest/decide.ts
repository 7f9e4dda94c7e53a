/**
 * What a run does with each item, decided before anything is written: pure over the item, what
 * the source recorded for it before, and the catalog as the run sees it (RegisterState). The
 * pipeline persists the decisions through the catalog's and the policy store's write paths.
 */
import { candidateFor } from "../formats/import";
import { sanitizeObotName, type McpServer, type ServerSpec } from "../catalog/model";
import { changedUpstream, fieldsOfDiff, mergeUpstream, type FieldChange, type UpstreamField } from "../catalog/ownership";
import { specOf } from "../catalog/servers";
import type { sourceItems } from "../db/schema";
import { grantRefusal } from "../policy/compile";
import { describeSubject, type Subject } from "../policy/model";
import type { GrantRule } from "../policy/store";
import type { AnalyzedItem } from "./analyze";
import { isQuarantined } from "./scan";
import type { Source } from "./sources";

export type Outcome = "registered" | "updated" | "pending-update" | "unchanged" | "quarantined" | "rejected" | "removed-upstream";

export type ItemRow = typeof sourceItems.$inferSelect;

/** The catalog as a run sees it, kept current as the run writes: what its per-item decisions read. */
export interface RegisterState {
  serversById: Map<string, McpServer>;
  serversByName: Map<string, McpServer>;
  /** Obot key (the sanitized display name) → the name of the server that holds it. */
  displayKeys: Map<string, string>;
  newServers: McpServer[];
  changed: boolean;
}

/** The state of a catalog holding `servers`; `keys` are their stored Obot keys, when known. */
export function registerStateOf(servers: readonly McpServer[], keys: readonly string[] = servers.map((s) => sanitizeObotName(s.displayName))): RegisterState {
  return {
    serversById: new Map(servers.map((s) => [s.id, s])),
    serversByName: new Map(servers.map((s) => [s.name, s])),
    displayKeys: new Map(servers.map((s, i) => [keys[i]!, s.name])),
    newServers: [],
    changed: false,
  };
}

/** The states of an item whose server the source keeps in step with upstream. */
const REGISTERED_STATES: readonly string[] = ["registered", "pending-update", "removed-upstream"];

/**
 * What upstream's document said before this one, when it was a valid document the server was kept
 * in step with (a quarantined or rejected one never was: its changes count as unseen).
 */
export function previousUpstreamSpec(prior: Pick<ItemRow, "document" | "state"> | undefined): ServerSpec | null {
  if (!prior || !REGISTERED_STATES.includes(prior.state)) return null;
  const outcome = candidateFor(prior.document, 0);
  return outcome.ok ? outcome.candidate.spec : null;
}

export interface UpstreamDecision {
  /** The server's spec with upstream's changes to the fields it owns and the admin did not override. */
  spec: ServerSpec;
  /** What to write now: only a draft takes upstream's changes without review. */
  apply: boolean;
  /** What waits for an admin: every change of a server that is not a draft, and any conflict with an override. */
  review: FieldChange[];
}

/**
 * The per-item decision of what upstream may write (DESIGN §7): only the fields it owns and the
 * admin did not override; a draft takes them at once, any other server after review; a change to
 * an overridden field is a conflict for an admin to resolve. Pure.
 */
export function decideUpstream(
  current: Pick<McpServer, "status" | "overrides"> & ServerSpec,
  upstream: ServerSpec,
  previous: ServerSpec | null,
  /** Fields an update still waiting for review changes: they stay changed until it is decided. */
  staged: readonly UpstreamField[] = [],
): UpstreamDecision {
  const spec = specOf(current as McpServer);
  const changed = [...new Set([...changedUpstream(spec, upstream, previous, current.overrides), ...staged])];
  const merge = mergeUpstream(spec, upstream, current.overrides, changed);
  if (current.status === "draft") return { spec: merge.spec, apply: merge.changes.length > 0, review: merge.conflicts };
  return { spec: merge.spec, apply: false, review: [...merge.changes, ...merge.conflicts] };
}

export interface Pending {
  /** Upstream's spec as the document states it; the review applies it through the ownership rules. */
  spec: ServerSpec;
  diff: FieldChange[];
}

type Candidate = NonNullable<AnalyzedItem["candidate"]>;

/** A write of the catalog that registering an item makes, through the catalog's own write path. */
export type CatalogWrite =
  | { kind: "create"; name: string; spec: ServerSpec; provenance: Candidate["provenance"]; key: string }
  | { kind: "update"; current: McpServer; spec: ServerSpec; provenance: Candidate["provenance"]; key: string };

/** What registering one valid item comes to: a new draft, upstream's changes to a draft, an update staged for review, or a refusal. */
export type Registration =
  | { outcome: "rejected"; serverId: string | null; error: string; pending?: undefined; write: null }
  | { outcome: "registered"; serverId: null; pending?: undefined; write: Extract<CatalogWrite, { kind: "create" }> }
  | {
      outcome: "updated" | "pending-update" | "unchanged";
      serverId: string;
      pending: Pending | undefined;
      write: Extract<CatalogWrite, { kind: "update" }> | null;
    };

/** Decides how one valid item registers against the catalog as the run sees it. Pure. */
export function planRegistration(candidate: Candidate, prior: ItemRow | undefined, state: RegisterState): Registration {
  const current = prior?.serverId ? state.serversById.get(prior.serverId) : undefined;
  const decision = current
    ? decideUpstream(current, candidate.spec, previousUpstreamSpec(prior), prior?.state === "pending-update" ? fieldsOfDiff(prior.pendingDiff) : [])
    : null;
  const key = sanitizeObotName((decision?.spec ?? candidate.spec).displayName);
  const keyHolder = state.displayKeys.get(key);
  if (keyHolder && keyHolder !== (current?.name ?? candidate.name)) {
    return {
      outcome: "rejected",
      serverId: current?.id ?? null,
      error: `display name '${candidate.spec.displayName}' is taken by server '${keyHolder}'; Obot keys entries by it`,
      write: null,
    };
  }
  if (!current || !decision) {
    if (state.serversByName.has(candidate.name)) {
      return { outcome: "rejected", serverId: null, error: `catalog name '${candidate.name}' is taken by a server this source did not register`, write: null };
    }
    return {
      outcome: "registered",
      serverId: null,
      write: { kind: "create", name: candidate.name, spec: candidate.spec, provenance: candidate.provenance, key },
    };
  }
  const pending = decision.review.length > 0 ? { spec: candidate.spec, diff: decision.review } : undefined;
  if (!decision.apply) return { outcome: pending ? "pending-update" : "unchanged", serverId: current.id, pending, write: null };
  return {
    outcome: pending ? "pending-update" : "updated",
    serverId: current.id,
    pending,
    write: { kind: "update", current, spec: decision.spec, provenance: candidate.provenance, key },
  };
}

/** What a run does with one item. */
export interface ItemDecision {
  outcome: Outcome;
  errors: string[];
  /** The item's server as known before writing; a new draft's id comes from its insert. */
  serverId: string | null;
  pending: Pending | undefined;
  /** An admin's release or rejection that holds for this exact document. */
  reviewDecision: string | null;
  /** Null when the item is not registered (quarantined, rejected, or the document is the one already registered). */
  registration: Registration | null;
}

/**
 * The per-item decision of a run: keep an admin's rejection, quarantine, reject an invalid
 * document, leave an already registered one as it is, or register it (see planRegistration). Pure
 * over the item, what the source recorded for it before, and the catalog as the run sees it.
 */
export function decideItem(item: AnalyzedItem, before: ItemRow | undefined, state: RegisterState): ItemDecision {
  const sameDocument = before?.digest === item.digest;
  // An admin's release or rejection holds for this exact document; a changed one is judged afresh.
  const reviewDecision = sameDocument ? (before?.reviewDecision ?? null) : null;
  const stays = (outcome: Outcome, errors = item.errors): ItemDecision => ({
    outcome,
    errors: [...errors],
    serverId: before?.serverId ?? null,
    pending: undefined,
    reviewDecision,
    registration: null,
  });
  if (reviewDecision === "rejected") return stays("rejected", [...item.errors, ...before!.errors.filter((e) => !item.errors.includes(e))]);
  if (isQuarantined(item.findings) && reviewDecision !== "released") return stays("quarantined");
  if (!item.candidate) return stays("rejected");
  if (sameDocument && REGISTERED_STATES.includes(before!.state) && before!.serverId && state.serversById.has(before!.serverId)) {
    return stays(before!.state === "pending-update" ? "pending-update" : "unchanged");
  }
  const registration = planRegistration(item.candidate, before, state);
  return {
    outcome: registration.outcome,
    errors: registration.outcome === "rejected" ? [...item.errors, registration.error] : [...item.errors],
    serverId: registration.serverId,
    pending: registration.pending,
    reviewDecision,
    registration,
  };
}

/** The source's record of an item after this run. Pure. */
export function sourceItemValues(
  sourceId: string,
  item: AnalyzedItem,
  before: ItemRow | undefined,
  decision: ItemDecision,
  serverId: string | null,
  now: Date,
) {
  const { outcome, pending, reviewDecision } = decision;
  return {
    sourceId,
    upstreamId: item.upstreamId,
    name: item.name,
    upstreamVersion: item.version ?? null,
    format: item.format,
    digest: item.digest,
    document: item.doc,
    findings: item.findings,
    errors: decision.errors,
    state: outcome === "unchanged" || outcome === "updated" || outcome === "registered" ? "registered" : outcome,
    serverId,
    pendingSpec: pending?.spec ?? (outcome === "pending-update" ? (before?.pendingSpec ?? null) : null),
    pendingDiff: pending?.diff ?? (outcome === "pending-update" ? (before?.pendingDiff ?? null) : null),
    reviewDecision,
    reviewedBy: reviewDecision ? before!.reviewedBy : null,
    reviewedAt: reviewDecision ? before!.reviewedAt : null,
    lastSeenAt: now,
    updatedAt: now,
  };
}

/** Which count of the run an outcome adds to. */
export function countOf(outcome: Outcome) {
  return outcome === "pending-update" ? "updated" : outcome === "removed-upstream" ? "removedUpstream" : outcome;
}

/** Whether a source's default entitlement applies to a new server: the rule to save, or why it is skipped. Pure. */
export function entitlementFor(
  source: Pick<Source, "name">,
  entitlement: Source["defaultEntitlements"][number],
  server: Pick<McpServer, "name" | "scope" | "ownerTenant">,
): { rule: GrantRule } | { skipped: string } {
  const refusal = grantRefusal(entitlement.subject, server);
  if (refusal) return { skipped: skippedEntitlement(entitlement.subject, refusal) };
  return {
    rule: {
      subject: entitlement.subject,
      servers: server.name,
      access: "allow",
      note: entitlement.note || `default entitlement of source ${source.name}`,
      expiresAt: null,
    },
  };
}

export const skippedEntitlement = (subject: Subject, reason: string) => `default entitlement for ${describeSubject(subject)} skipped: ${reason}`;
