import { sql } from "drizzle-orm";
import { type AnyPgColumn, bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { EnvDeclaration, Provenance, PackageProvenance, Runtime, ToolPreview } from "../catalog/model";
import type { Subject } from "../policy/model";
import type { ToolManifest } from "../tools/model";

export const mcpServers = pgTable(
  "mcp_servers",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    displayName: text().notNull(),
    /** Obot keys an entry by this sanitized form of the display name, so it must be unique too. */
    displayNameKey: text().notNull(),
    shortDescription: text().notNull().default(""),
    description: text().notNull().default(""),
    transport: text().notNull(),
    endpoint: text(),
    runtime: jsonb().$type<Runtime | null>(),
    package: jsonb().$type<PackageProvenance | null>(),
    env: jsonb().$type<EnvDeclaration[]>().notNull().default([]),
    serverUserType: text().notNull().default("singleUser"),
    scope: text().notNull().default("org"),
    /**
     * The one tenant a personal server may be granted to. A tenant that owns servers cannot be
     * deleted (restrict): the admin gives them another owner or deletes them first.
     */
    ownerTenant: text().references((): AnyPgColumn => tenants.name, { onDelete: "restrict" }),
    status: text().notNull().default("draft"),
    statusReason: text(),
    capabilities: jsonb().$type<string[]>().notNull().default([]),
    categories: jsonb().$type<string[]>().notNull().default([]),
    icon: text().notNull().default(""),
    repoUrl: text().notNull().default(""),
    toolPreview: jsonb().$type<ToolPreview[]>().notNull().default([]),
    metadata: jsonb().$type<Record<string, string>>().notNull().default({}),
    sourceId: uuid().references((): AnyPgColumn => thirdPartySources.id, { onDelete: "set null" }),
    provenance: jsonb().$type<Provenance | null>(),
    /**
     * Upstream-owned fields an admin changed after import (DESIGN §7): later upstream changes leave
     * them alone and show a change to them as a conflict in the review diff.
     */
    overrides: jsonb().$type<string[]>().notNull().default([]),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
    createdBy: text().notNull(),
    updatedBy: text().notNull(),
  },
  (t) => [
    uniqueIndex("mcp_servers_name_key").on(t.name),
    uniqueIndex("mcp_servers_display_name_key_key").on(t.displayNameKey),
    index("mcp_servers_status_idx").on(t.status),
    index("mcp_servers_updated_at_idx").on(t.updatedAt),
    check("mcp_servers_status_check", sql`${t.status} in ('draft', 'active', 'degraded', 'disabled')`),
    check("mcp_servers_transport_check", sql`${t.transport} in ('streamable-http', 'sse', 'stdio')`),
    check("mcp_servers_scope_check", sql`${t.scope} in ('org', 'department', 'project', 'personal')`),
    check("mcp_servers_owner_tenant_check", sql`${t.ownerTenant} is null or ${t.scope} = 'personal'`),
    index("mcp_servers_owner_tenant_idx").on(t.ownerTenant),
    check("mcp_servers_version_check", sql`${t.version} >= 1`),
    // Every active server has an Obot entry: the domain refuses such a change with a clear 422
    // first; this is the backstop for any write path that would forget to ask it.
    check("mcp_servers_active_runtime_check", sql`${t.status} <> 'active' or (${t.runtime} is not null and ${t.runtime} <> 'null'::jsonb)`),
  ],
);

/**
 * One row (id = 1). The revision is bumped in the same transaction as any change that can alter a
 * published feed, so every replica can tell whether its in-memory snapshot is current.
 */
export const catalogState = pgTable(
  "catalog_state",
  {
    id: integer().primaryKey(),
    revision: bigint({ mode: "number" }).notNull().default(0),
    /** The transaction that last bumped it: a transaction bumps once, however many writers it runs. */
    tx: bigint({ mode: "number" }),
    updatedAt: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
  },
  (t) => [check("catalog_state_singleton", sql`${t.id} = 1`)],
);

/**
 * Which transaction made each revision. With the transaction of each audit event, it tells which
 * objects changed after a given revision: what a state document exported then must not overwrite.
 */
export const catalogRevisions = pgTable("catalog_revisions", {
  revision: bigint({ mode: "number" }).primaryKey(),
  tx: bigint({ mode: "number" }).notNull(),
});

/**
 * Per tenant, a digest of its contract's own part (its details, its allow, deny and reserved lists,
 * its tool decisions and the servers it sees restricted by them) and the catalog revision at which
 * that last changed. Derived state, shared by replicas, so every replica serves the same `revision`
 * and ETag: the contract's is the latest of this one and its allowed servers' shared parts'
 * (contract_server_revisions).
 */
// No index on revision (migration 0014): every build's settle rewrites the revision of each
// tenant whose contract moved (thousands for a widely allowed server), and an indexed revision
// made each of those an index insert and kept the update from being HOT; "the rows written
// since" reads the table's few hundred pages instead. Fillfactor 50 leaves room on each page
// for the updated row.
export const contractRevisions = pgTable("contract_revisions", {
  tenant: text().primaryKey(),
  fingerprint: text().notNull(),
  revision: bigint({ mode: "number" }).notNull(),
});

/**
 * Per active server, a digest of what every contract allowed it says of it (its shared part: its
 * entry and TOOLS.md section) and the catalog revision at which that last changed. A contract's
 * `revision` is the latest of its tenant's own part's (contract_revisions) and its allowed
 * servers' shared parts': a change to a server allowed to every tenant settles one row here
 * instead of one per tenant. Small (one row per server), rewritten one row per changed server.
 */
export const contractServerRevisions = pgTable("contract_server_revisions", {
  server: text().primaryKey(),
  fingerprint: text().notNull(),
  revision: bigint({ mode: "number" }).notNull(),
});

/**
 * Which catalog rows each transaction changed, written by triggers on mcp_servers, tenants, groups,
 * group_members and grants (migration 0008), so a snapshot rebuild reloads only those rows. `txid`
 * is the writing transaction's id (txid_current()): a reader that saw every transaction below its
 * snapshot's xmin needs only the rows at or above it. Pruned after an hour; older readers reload all.
 */
export const catalogChanges = pgTable(
  "catalog_changes",
  {
    txid: bigint({ mode: "number" })
      .notNull()
      .default(sql`txid_current()`),
    entity: text().notNull(),
    key: text().notNull(),
    recordedAt: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("catalog_changes_txid_idx").on(t.txid), index("catalog_changes_recorded_at_idx").on(t.recordedAt)],
);

/** Append-only: a trigger in the migrations refuses UPDATE, DELETE and TRUNCATE. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
    actor: text().notNull(),
    actorKind: text().notNull(),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text().notNull(),
    before: jsonb().$type<unknown>(),
    after: jsonb().$type<unknown>(),
    /** How the actor authenticated when it was not a browser session, e.g. "token ci-deploy". */
    actorVia: text(),
    requestId: text(),
    sourceIp: text(),
    /** The state apply (or other multi-object change) this event is part of: its events share it. */
    changeSet: text(),
    /** The transaction that wrote it (see catalogRevisions). */
    tx: bigint({ mode: "number" }).default(sql`txid_current()`),
  },
  (t) => [
    index("audit_events_entity_idx").on(t.entityType, t.entityId, t.id),
    index("audit_events_at_idx").on(t.at),
    index("audit_events_change_set_idx").on(t.changeSet),
    index("audit_events_tx_idx").on(t.tx),
  ],
);

/**
 * Who polled a feed, aggregated per (feed, user agent, status) so that a busy poller costs one
 * row update per flush, not one insert per request.
 */
export const feedFetches = pgTable(
  "feed_fetches",
  {
    feed: text().notNull(),
    userAgent: text().notNull(),
    status: integer().notNull(),
    lastAt: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull(),
    firstAt: timestamp({ withTimezone: true, mode: "date", precision: 3 }).notNull(),
    count: bigint({ mode: "number" }).notNull().default(0),
    lastRemoteAddr: text(),
  },
  (t) => [uniqueIndex("feed_fetches_key").on(t.feed, t.userAgent, t.status), index("feed_fetches_last_at_idx").on(t.feed, t.lastAt)],
);

const ts = (name?: string) =>
  name ? timestamp(name, { withTimezone: true, mode: "date", precision: 3 }) : timestamp({ withTimezone: true, mode: "date", precision: 3 });

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Lower-cased; the identity shown in the audit log. */
    email: text().notNull(),
    displayName: text().notNull().default(""),
    role: text().notNull(),
    /** argon2id hash for local accounts; null for accounts that sign in through OIDC. */
    passwordHash: text(),
    /** `<issuer> <sub>` for OIDC accounts. */
    oidcSubject: text(),
    active: boolean().notNull().default(true),
    createdAt: ts().notNull().defaultNow(),
    updatedAt: ts().notNull().defaultNow(),
    lastSignInAt: ts(),
    createdBy: text().notNull(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(t.email),
    uniqueIndex("users_oidc_subject_key").on(t.oidcSubject),
    check("users_role_check", sql`${t.role} in ('viewer', 'editor', 'admin')`),
  ],
);

/** Server-side sessions: the cookie holds a random secret, the table its SHA-256. */
export const sessions = pgTable(
  "sessions",
  {
    id: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts().notNull().defaultNow(),
    lastSeenAt: ts().notNull().defaultNow(),
    expiresAt: ts().notNull(),
    userAgent: text(),
    sourceIp: text(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    role: text().notNull(),
    /** SHA-256 of the secret; the secret itself is shown once and never stored. */
    tokenHash: text().notNull(),
    /** The first characters of the secret, so a user can tell their tokens apart. */
    prefix: text().notNull(),
    createdAt: ts().notNull().defaultNow(),
    expiresAt: ts(),
    lastUsedAt: ts(),
    revokedAt: ts(),
  },
  (t) => [
    uniqueIndex("api_tokens_hash_key").on(t.tokenHash),
    uniqueIndex("api_tokens_user_name_key").on(t.userId, t.name),
    check("api_tokens_role_check", sql`${t.role} in ('viewer', 'editor', 'admin')`),
  ],
);

/**
 * Short-lived state of sign-in flows, kept in the database so any replica can finish them:
 * an OIDC authorization (state → PKCE verifier, nonce) or the first-start setup link.
 */
export const authFlows = pgTable(
  "auth_flows",
  {
    id: text().primaryKey(),
    kind: text().notNull(),
    data: jsonb().$type<Record<string, string>>().notNull().default({}),
    expiresAt: ts().notNull(),
    createdAt: ts().notNull().defaultNow(),
  },
  (t) => [index("auth_flows_expires_idx").on(t.expiresAt)],
);

export const tenants = pgTable("tenants", {
  /** DNS-1123 label; also the tenant's ServiceAccount name. */
  name: text().primaryKey(),
  displayName: text().notNull().default(""),
  team: text().notNull().default(""),
  labels: jsonb().$type<Record<string, string>>().notNull().default({}),
  /** The tenant-CRD override tier: allow/deny server names or globs. */
  mcpPolicy: jsonb().$type<{ allow: string[]; deny: string[] }>().notNull().default({ allow: [], deny: [] }),
  version: integer().notNull().default(1),
  createdAt: ts().notNull().defaultNow(),
  updatedAt: ts().notNull().defaultNow(),
  createdBy: text().notNull(),
  updatedBy: text().notNull(),
});

export const groups = pgTable("groups", {
  name: text().primaryKey(),
  description: text().notNull().default(""),
  version: integer().notNull().default(1),
  createdAt: ts().notNull().defaultNow(),
  updatedAt: ts().notNull().defaultNow(),
  createdBy: text().notNull(),
  updatedBy: text().notNull(),
});

export const groupMembers = pgTable(
  "group_members",
  {
    groupName: text()
      .notNull()
      .references(() => groups.name, { onDelete: "cascade" }),
    tenantName: text()
      .notNull()
      .references(() => tenants.name, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupName, t.tenantName] }), index("group_members_tenant_idx").on(t.tenantName)],
);

/** Access rules. `subject` holds the whole subject; type and name are split out for lookups. */
export const grants = pgTable(
  "grants",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Unique, given by an admin or generated from the subject and servers; the state document names rules by it. */
    name: text().notNull(),
    subject: jsonb().$type<Subject>().notNull(),
    subjectType: text().notNull(),
    subjectName: text(),
    servers: text().notNull(),
    access: text().notNull(),
    note: text().notNull().default(""),
    expiresAt: ts(),
    version: integer().notNull().default(1),
    createdAt: ts().notNull().defaultNow(),
    updatedAt: ts().notNull().defaultNow(),
    createdBy: text().notNull(),
    updatedBy: text().notNull(),
  },
  (t) => [
    uniqueIndex("grants_name_key").on(t.name),
    // Byte order, whatever the database's collation: generated names `<base>`, `<base>-2`… are one
    // range of it, found without reading every rule (freeRuleName).
    index("grants_name_bytes_idx").on(sql`${t.name} collate "C"`),
    index("grants_subject_idx").on(t.subjectType, t.subjectName),
    index("grants_created_idx").on(t.createdAt, t.id),
    check("grants_access_check", sql`${t.access} in ('allow', 'deny')`),
    check("grants_subject_type_check", sql`${t.subjectType} in ('everyone', 'group', 'tenant', 'selector')`),
  ],
);

/** Bearer tokens for tenants outside Kubernetes: shown once, stored as SHA-256. */
export const tenantTokens = pgTable(
  "tenant_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantName: text()
      .notNull()
      .references(() => tenants.name, { onDelete: "cascade" }),
    name: text().notNull(),
    tokenHash: text().notNull(),
    prefix: text().notNull(),
    createdAt: ts().notNull().defaultNow(),
    expiresAt: ts(),
    lastUsedAt: ts(),
    revokedAt: ts(),
    createdBy: text().notNull(),
  },
  (t) => [uniqueIndex("tenant_tokens_hash_key").on(t.tokenHash), uniqueIndex("tenant_tokens_name_key").on(t.tenantName, t.name)],
);

export const thirdPartySources = pgTable(
  "third_party_sources",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    kind: text().notNull(),
    url: text().notNull().default(""),
    ref: text(),
    path: text(),
    include: jsonb().$type<string[]>().notNull().default([]),
    exclude: jsonb().$type<string[]>().notNull().default([]),
    syncMode: text().notNull().default("manual"),
    intervalMinutes: integer(),
    /** Rule templates applied to items this source registers for the first time. */
    defaultEntitlements: jsonb().$type<{ subject: Subject; note?: string }[]>().notNull().default([]),
    status: text().notNull().default("pending-approval"),
    lastError: text(),
    lastSyncedAt: ts(),
    nextRunAt: ts(),
    approvedBy: text(),
    approvedAt: ts(),
    version: integer().notNull().default(1),
    createdAt: ts().notNull().defaultNow(),
    updatedAt: ts().notNull().defaultNow(),
    createdBy: text().notNull(),
    updatedBy: text().notNull(),
  },
  (t) => [
    uniqueIndex("third_party_sources_name_key").on(t.name),
    index("third_party_sources_next_run_idx").on(t.nextRunAt),
    check("third_party_sources_kind_check", sql`${t.kind} in ('mcp-registry', 'git', 'manual-upload')`),
    check("third_party_sources_status_check", sql`${t.status} in ('pending-approval', 'healthy', 'syncing', 'error')`),
    check("third_party_sources_sync_mode_check", sql`${t.syncMode} in ('manual', 'scheduled')`),
  ],
);

/** One upstream document of a source, as last seen, and what became of it. */
export const sourceItems = pgTable(
  "source_items",
  {
    id: uuid().primaryKey().defaultRandom(),
    sourceId: uuid()
      .notNull()
      .references(() => thirdPartySources.id, { onDelete: "cascade" }),
    upstreamId: text().notNull(),
    name: text(),
    upstreamVersion: text(),
    format: text(),
    digest: text().notNull(),
    document: jsonb().$type<unknown>().notNull(),
    findings: jsonb().$type<unknown[]>().notNull().default([]),
    errors: jsonb().$type<string[]>().notNull().default([]),
    state: text().notNull(),
    serverId: uuid().references(() => mcpServers.id, { onDelete: "set null" }),
    /** For a pending update: the server's proposed spec and the field diff against the current one. */
    pendingSpec: jsonb().$type<unknown>(),
    pendingDiff: jsonb().$type<unknown>(),
    /**
     * An admin's decision on this quarantined document (its digest): it stands at every later run
     * until upstream changes the document, which is then scanned and judged afresh.
     */
    reviewDecision: text(),
    reviewedBy: text(),
    reviewedAt: ts(),
    firstSeenAt: ts().notNull().defaultNow(),
    lastSeenAt: ts().notNull().defaultNow(),
    updatedAt: ts().notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("source_items_upstream_key").on(t.sourceId, t.upstreamId),
    index("source_items_state_idx").on(t.state),
    check("source_items_state_check", sql`${t.state} in ('registered', 'quarantined', 'rejected', 'pending-update', 'removed-upstream')`),
    check("source_items_review_decision_check", sql`${t.reviewDecision} in ('released', 'rejected')`),
  ],
);

export const ingestionRuns = pgTable(
  "ingestion_runs",
  {
    id: uuid().primaryKey().defaultRandom(),
    sourceId: uuid()
      .notNull()
      .references(() => thirdPartySources.id, { onDelete: "cascade" }),
    trigger: text().notNull(),
    status: text().notNull().default("queued"),
    stage: text().notNull().default("queued"),
    progress: jsonb().$type<Record<string, { done: number; total: number }>>().notNull().default({}),
    counts: jsonb().$type<Record<string, number>>().notNull().default({}),
    error: text(),
    /** Which process runs it, and when it last said it was alive. */
    worker: text(),
    heartbeatAt: ts(),
    queuedAt: ts().notNull().defaultNow(),
    startedAt: ts(),
    finishedAt: ts(),
    createdBy: text().notNull(),
    /** An upload's documents travel with its run. */
    payload: jsonb().$type<unknown>(),
  },
  (t) => [
    index("ingestion_runs_source_idx").on(t.sourceId, t.queuedAt),
    index("ingestion_runs_status_idx").on(t.status),
    // At most one queued or running run per source, whichever process asks: the database refuses a second.
    uniqueIndex("ingestion_runs_one_active_per_source")
      .on(t.sourceId)
      .where(sql`${t.status} in ('queued', 'running')`),
    check("ingestion_runs_status_check", sql`${t.status} in ('queued', 'running', 'succeeded', 'failed')`),
  ],
);

export const ingestionRunItems = pgTable(
  "ingestion_run_items",
  {
    runId: uuid()
      .notNull()
      .references(() => ingestionRuns.id, { onDelete: "cascade" }),
    position: integer().notNull(),
    upstreamId: text().notNull(),
    name: text(),
    outcome: text().notNull(),
    findings: jsonb().$type<unknown[]>().notNull().default([]),
    errors: jsonb().$type<string[]>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.runId, t.position] })],
);

/**
 * What a running run changed, so that a run which does not finish can be undone. Registration
 * commits in short batches (the embedded database serializes every other query behind an open
 * transaction); each batch records here, in its own transaction, the row images it replaced
 * (`before`, null for a row it created) and, for servers, the version it left (an admin's later
 * edit wins over the undo). Emptied when the run ends either way.
 */
export const ingestionRunUndo = pgTable(
  "ingestion_run_undo",
  {
    runId: uuid()
      .notNull()
      .references(() => ingestionRuns.id, { onDelete: "cascade" }),
    tableName: text().notNull(),
    rowId: uuid().notNull(),
    before: jsonb().$type<unknown>(),
    afterVersion: integer(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.tableName, t.rowId] }),
    check("ingestion_run_undo_table_check", sql`${t.tableName} in ('mcp_servers', 'source_items')`),
  ],
);

/**
 * Tool governance per server (DESIGN §11): the pinned manifest (what an admin approved), the
 * latest one discovered, and how drift between them is handled. One row per server that has any.
 */
export const serverTools = pgTable(
  "server_tools",
  {
    serverId: uuid()
      .primaryKey()
      .references(() => mcpServers.id, { onDelete: "cascade" }),
    onToolDrift: text().notNull().default("hold-changed"),
    pinned: jsonb().$type<ToolManifest | null>(),
    pinnedAt: ts(),
    pinnedBy: text(),
    latest: jsonb().$type<ToolManifest | null>(),
    /** The latest manifest's digest when an admin rejected it: it leaves the review queue until the tools change again. */
    rejectedDigest: text(),
    /** The last discovery attempt (claimed by the scheduler before it probes) and why it failed, if it did. */
    lastAttemptAt: ts(),
    lastError: text(),
    version: integer().notNull().default(1),
    updatedAt: ts().notNull().defaultNow(),
  },
  (t) => [check("server_tools_on_tool_drift_check", sql`${t.onToolDrift} in ('hold-changed', 'suspend-server')`)],
);

/**
 * Headers an admin gave for probing a server (an API key, say): secrets, never returned by any
 * read nor written to the audit log (which records only their names).
 */
export const serverProbeHeaders = pgTable(
  "server_probe_headers",
  {
    serverId: uuid()
      .notNull()
      .references(() => mcpServers.id, { onDelete: "cascade" }),
    name: text().notNull(),
    value: text().notNull(),
    setAt: ts().notNull().defaultNow(),
    setBy: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.serverId, t.name] })],
);

export const schema = {
  mcpServers,
  catalogState,
  catalogRevisions,
  auditEvents,
  feedFetches,
  users,
  sessions,
  apiTokens,
  authFlows,
  tenants,
  groups,
  groupMembers,
  grants,
  tenantTokens,
  thirdPartySources,
  sourceItems,
  ingestionRuns,
  ingestionRunItems,
  ingestionRunUndo,
  serverTools,
  serverProbeHeaders,
};
