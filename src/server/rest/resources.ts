/**
 * The shapes /api/v1 answers with, as zod schemas the OpenAPI document is generated from. The
 * domain's TypeScript types stay the source of truth for the code; the type checks at the end
 * keep these in step at compile time, and test/openapi.test.ts validates real answers against
 * the generated document, so a field added to an answer without being documented fails a test.
 */
import { z } from "zod";
import {
  envDeclarationSchema,
  packageProvenanceSchema,
  provenanceSchema,
  runtimeSchema,
  SCOPES,
  SERVER_BATCH_ACTIONS,
  SERVER_STATUSES,
  SERVER_USER_TYPES,
  toolPreviewSchema,
  TRANSPORTS,
  type McpServer,
} from "../catalog/model";
import { ACCESS, labelsSchema, mcpPolicySchema, subjectSchema, type Grant, type Group, type Tenant } from "../policy/model";
import type { SavedGrant } from "../policy/store";
import type { AuditEvent } from "../audit/query";
import type { Source } from "../ingest/sources";
import type { Run, RunItem } from "../ingest/runs";
import type { ReviewItem } from "../ingest/review";
import type { TenantToken } from "../policy/tenant-tokens";
import type { ImportResult } from "../ingest/upload";
import type { ImpactPreview } from "../policy/diff";
import type { Explanation } from "../policy/explain";
import type { EffectiveAccess } from "../snapshot/reads";
import type { TenantContract } from "../policy/contract";
import type { DiscoveryResult, ServerToolsView, ToolDriftEntry } from "../tools/store";

const dateTime = z.iso.datetime({ offset: true });
const nullableDateTime = dateTime.nullable();
const stamps = {
  version: z.number().int().min(1).meta({ description: "Send it back on change to refuse concurrent edits" }),
  createdAt: dateTime,
  updatedAt: dateTime,
  createdBy: z.string(),
  updatedBy: z.string(),
};
const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const errorResource = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable machine-readable code, e.g. VALIDATION_FAILED, NOT_FOUND, CONFLICT" }),
      message: z.string().meta({ description: "A sentence that says what to fix" }),
      details: z.record(z.string(), z.unknown()).meta({ description: "fieldErrors and formErrors for validation failures" }),
    }),
  })
  .meta({ id: "Error" });

export const mcpServerResource = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(SERVER_STATUSES),
    statusReason: z.string().nullable(),
    sourceId: z.string().nullable(),
    provenance: provenanceSchema.nullable(),
    overrides: z
      .array(z.string())
      .meta({ description: "Upstream-owned fields an admin changed after import: upstream changes leave them alone and show as conflicts" }),
    displayName: z.string(),
    shortDescription: z.string(),
    description: z.string(),
    transport: z.enum(TRANSPORTS),
    endpoint: z.string().nullable(),
    runtime: runtimeSchema.nullable(),
    package: packageProvenanceSchema.nullable(),
    env: z.array(envDeclarationSchema),
    serverUserType: z.enum(SERVER_USER_TYPES),
    scope: z.enum(SCOPES),
    ownerTenant: z
      .string()
      .nullable()
      .meta({ description: "The one tenant a personal server may be granted to (rules and the tenant's own allow list); null for other scopes" }),
    capabilities: z.array(z.string()),
    categories: z.array(z.string()),
    icon: z.string(),
    repoUrl: z.string(),
    toolPreview: z.array(toolPreviewSchema),
    metadata: z.record(z.string(), z.string()),
    ...stamps,
  })
  .meta({ id: "McpServer" });

export const serverBatchResultResource = z
  .object({
    action: z.enum(SERVER_BATCH_ACTIONS),
    servers: z.array(mcpServerResource).meta({ description: "Each server as the action left it (as it was, for a delete), in the order sent" }),
  })
  .meta({ id: "ServerBatchResult" });

export const serverPageResource = z
  .object({
    items: z.array(mcpServerResource),
    nextCursor: z.string().nullable().meta({ description: "Pass as cursor for the next page; null on the last page" }),
    total: z.number().int(),
  })
  .meta({ id: "McpServerPage" });

export const impactResource = z
  .object({
    changes: z.array(z.object({ server: z.string(), gained: z.array(z.string()), lost: z.array(z.string()) })),
    toolChanges: z
      .array(z.object({ server: z.string().meta({ description: "server/tool" }), gained: z.array(z.string()), lost: z.array(z.string()) }))
      .meta({ description: "Tools gained or lost by tenants that keep their server (a server gained or lost whole is in changes only)" }),
    tenantsAffected: z.number().int(),
    summary: z.string(),
  })
  .meta({ id: "ImpactPreview" });

/** What `?dryRun=true` answers instead of making the change. */
export const dryRunResource = <T extends z.ZodType>(result: T) =>
  z.object({
    dryRun: z.literal(true),
    impact: impactResource,
    result: result.meta({ description: "What the change would have answered; nothing was written" }),
  });

export const importResultResource = z
  .object({
    runId: z.uuid(),
    created: z.array(z.string()),
    updated: z.array(z.string()),
    unchanged: z.array(z.string()),
    rejected: z.array(z.object({ index: z.number().int(), name: z.string().nullable(), errors: z.array(z.string()) })),
    quarantined: z.array(z.object({ index: z.number().int(), name: z.string().nullable(), findings: z.array(z.unknown()) })),
    pendingUpdates: z.array(z.object({ index: z.number().int(), name: z.string().nullable() })),
    warnings: z.array(z.object({ index: z.number().int(), name: z.string(), messages: z.array(z.string()) })),
  })
  .meta({ id: "ImportResult" });

export const tenantResource = z
  .object({
    name: z.string(),
    displayName: z.string(),
    team: z.string(),
    labels: labelsSchema,
    mcpPolicy: mcpPolicySchema,
    ...stamps,
  })
  .meta({ id: "Tenant" });

const tier = z.number().int().min(1).max(6);

export const effectiveAccessResource = z
  .object({
    tenant: z.string(),
    revision: z.number().int(),
    servers: z.array(z.object({ server: z.string(), decision: z.enum(ACCESS), tier, tierName: z.string() })),
    allow: z.array(z.string()),
    deny: z.array(z.string()),
  })
  .meta({ id: "EffectiveAccess" });

export const tenantListResource = list(tenantResource.extend({ groups: z.array(z.string()), allowedServers: z.array(z.string()) }));
export const tenantDetailResource = tenantResource.extend({ groups: z.array(z.string()), access: effectiveAccessResource }).meta({ id: "TenantDetail" });

const match = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("override"), list: z.enum(ACCESS), pattern: z.string() }),
  z.object({
    kind: z.literal("rule"),
    ruleId: z.string(),
    ruleName: z.string(),
    access: z.enum(ACCESS),
    subject: subjectSchema,
    servers: z.string(),
    applies: z.boolean(),
    note: z.string().optional(),
  }),
]);

const toolExplanation = z.object({
  tool: z.string(),
  decision: z.enum(ACCESS),
  tier,
  tierName: z.string(),
  decidedBy: match.nullable(),
  summary: z.string(),
});

export const explanationResource = z
  .object({
    tenant: z.string(),
    server: z.string(),
    tool: z.string().optional().meta({ description: "The tool asked about with ?tool=" }),
    published: z.boolean(),
    decision: z.enum(["allow", "deny", "not-published"]),
    tier,
    tierName: z.string(),
    decidedBy: match.nullable(),
    matches: z.array(match).meta({ description: "Every override pattern and rule matching the server (with ?tool=, covering that tool)" }),
    tools: z.array(toolExplanation).optional().meta({
      description: "Per pinned tool of the server (without ?tool=): its decision, deciding tier and rule. A server is allowed when one of its tools is",
    }),
    summary: z.string(),
  })
  .meta({ id: "Explanation" });

export const contractResource = z
  .object({
    version: z.literal("opencrane-runtime/v1alpha1"),
    contractVersion: z.string(),
    revision: z.number().int(),
    tenant: z.object({ name: z.string(), team: z.string() }),
    policy: z.object({
      mcpServers: z.object({
        allow: z.array(z.string()),
        deny: z.array(z.string()),
        reserved: z.array(z.string()).meta({
          description:
            "Servers the tenant's own allow list matches that it may never be granted (another tenant's personal server): the pod does not enable them from that list",
        }),
        tools: z.record(z.string(), z.object({ allow: z.array(z.string()), deny: z.array(z.string()) })).meta({
          description:
            "Per server on which a tool-level rule or override decided something for this tenant: the tools allowed and those explicitly denied (DESIGN §11). Empty when there are none",
        }),
      }),
    }),
    mcp: z.object({
      servers: z.array(
        z.object({
          name: z.string(),
          tools: z
            .array(
              z.object({
                name: z.string(),
                sha256: z.string().meta({ description: "The tool's pinned digest (SHA-256 of its RFC 8785 canonical JSON)" }),
              }),
            )
            .optional()
            .meta({
              description:
                "The tools the tenant may use: pinned, not withheld by tool drift, allowed to it; byte order. Absent when no tool manifest is known for the server (only the server-level decision applies)",
            }),
          displayName: z.string(),
          transport: z.enum(TRANSPORTS),
          endpoint: z.string().nullable(),
        }),
      ),
    }),
    capabilities: z.object({ mcpPolicyEnforced: z.literal(true) }),
    workspace: z.object({ "TOOLS.md": z.string() }),
  })
  .meta({ id: "TenantContract", description: "Exactly what the tenant's pod receives from /api/internal/contract/{tenant}" });

export const tenantTokenResource = z
  .object({
    id: z.uuid(),
    tenant: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: dateTime,
    createdBy: z.string(),
    expiresAt: nullableDateTime,
    lastUsedAt: nullableDateTime,
    revokedAt: nullableDateTime,
  })
  .meta({ id: "TenantToken" });

export const issuedTenantTokenResource = z
  .object({
    token: z.string().meta({ description: "The secret (octt_…), shown in this answer only: store it in the pod's secret" }),
    tenantToken: tenantTokenResource,
  })
  .meta({ id: "IssuedTenantToken" });

export const groupResource = z.object({ name: z.string(), description: z.string(), members: z.array(z.string()), ...stamps }).meta({ id: "Group" });

export const grantResource = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ description: "Unique DNS-1123 label; URLs take it in place of the id" }),
    subject: subjectSchema,
    servers: z.string().meta({ description: "Server name or glob" }),
    access: z.enum(ACCESS),
    note: z.string(),
    expiresAt: nullableDateTime,
    ...stamps,
  })
  .meta({ id: "Grant" });

export const savedGrantResource = grantResource
  .extend({
    scopeExcluded: z
      .array(z.object({ server: z.string(), scope: z.string(), reason: z.string() }))
      .meta({ description: "Servers the pattern matches that this subject may not be granted (their scope), and why" }),
  })
  .meta({ id: "SavedGrant" });

export const grantListResource = list(
  grantResource.extend({ deadReason: z.string().nullable().meta({ description: "Why the rule cannot change any decision, if so" }) }),
);

export const policyStatusResource = z
  .object({
    revision: z.number().int(),
    compiledAt: dateTime,
    nextExpiryAt: nullableDateTime,
    activeServers: z.number().int(),
    tenants: z.number().int(),
    groups: z.number().int(),
    rules: z.number().int(),
    report: z.object({
      deadRules: z.array(z.object({ ruleId: z.string(), ruleName: z.string(), reason: z.string() })),
      unpublishedMatches: z.array(z.object({ pattern: z.string(), usedBy: z.array(z.string()), servers: z.array(z.string()) })),
      scopeExcluded: z.array(z.object({ ruleId: z.string(), ruleName: z.string(), servers: z.array(z.string()), reason: z.string() })),
      expiredRules: z.array(z.string()),
      overrideExcluded: z
        .array(z.object({ tenant: z.string(), servers: z.array(z.string()), reason: z.string() }))
        .meta({ description: "Tenants whose own allow list matches personal servers of other tenants (never granted to them)" }),
      ownerlessPersonal: z.array(z.string()).meta({ description: "Active personal servers without an owner tenant: nobody can be granted them" }),
    }),
  })
  .meta({ id: "PolicyStatus" });

const counts = z.object({
  fetched: z.number().int(),
  registered: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  quarantined: z.number().int(),
  rejected: z.number().int(),
  removedUpstream: z.number().int(),
  excluded: z.number().int().optional(),
});

export const runResource = z
  .object({
    id: z.uuid(),
    source: z.string(),
    trigger: z.enum(["manual", "scheduled", "upload"]),
    status: z.enum(["queued", "running", "succeeded", "failed"]),
    stage: z.string().meta({ description: "fetch, scan, validate, register or entitle" }),
    progress: z.record(z.string(), z.object({ done: z.number().int(), total: z.number().int() })),
    counts,
    error: z.string().nullable(),
    queuedAt: dateTime,
    startedAt: nullableDateTime,
    finishedAt: nullableDateTime,
    createdBy: z.string(),
  })
  .meta({ id: "Run" });

const runItem = z.object({
  upstreamId: z.string(),
  name: z.string().nullable(),
  outcome: z.string(),
  findings: z.array(z.unknown()),
  errors: z.array(z.string()),
});

export const runDetailResource = runResource.extend({ items: z.array(runItem) }).meta({ id: "RunDetail" });

export const sourceResource = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(["mcp-registry", "git", "manual-upload"]),
    url: z.string(),
    ref: z.string().nullable(),
    path: z.string().nullable(),
    include: z.array(z.string()),
    exclude: z.array(z.string()),
    syncMode: z.enum(["manual", "scheduled"]),
    intervalMinutes: z.number().int().nullable(),
    defaultEntitlements: z.array(z.object({ subject: subjectSchema, note: z.string().optional() })),
    status: z.enum(["pending-approval", "healthy", "syncing", "error"]),
    lastError: z.string().nullable(),
    lastSyncedAt: nullableDateTime,
    nextRunAt: nullableDateTime,
    approvedBy: z.string().nullable(),
    approvedAt: nullableDateTime,
    ...stamps,
  })
  .meta({ id: "Source" });

export const sourceListResource = list(sourceResource.extend({ lastRun: runResource.nullable() }));

export const queuedRunResource = z.object({ runId: z.uuid(), source: z.string().optional() }).meta({ id: "QueuedRun" });

export const reviewItemResource = z
  .object({
    id: z.uuid(),
    source: z.string(),
    upstreamId: z.string(),
    name: z.string().nullable(),
    upstreamVersion: z.string().nullable(),
    state: z.string(),
    findings: z.array(z.unknown()),
    errors: z.array(z.string()),
    pendingDiff: z.unknown(),
    server: z
      .object({ name: z.string(), status: z.string(), version: z.number().int(), displayName: z.string() })
      .nullable()
      .meta({ description: "The server the item registered; approve an update with this version" }),
    updatedAt: dateTime,
  })
  .meta({ id: "ReviewItem" });

export const reviewOutcomeResource = z.object({ outcome: z.string(), server: z.string().nullable().optional() }).meta({ id: "ReviewOutcome" });

export const auditEventResource = z
  .object({
    id: z.number().int(),
    at: dateTime,
    actor: z.string(),
    actorKind: z.string(),
    actorVia: z.string().nullable(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
    changeSet: z.string().nullable().meta({ description: "The state apply this event is part of; its events share it" }),
    sourceIp: z.string().nullable(),
  })
  .meta({ id: "AuditEvent" });

export const auditPageResource = z.object({ events: z.array(auditEventResource), nextCursor: z.string().nullable() }).meta({ id: "AuditPage" });

export const signInOptionsResource = z.object({ oidc: z.boolean(), local: z.boolean(), setupNeeded: z.boolean() }).meta({ id: "SignInOptions" });

export const sessionUserResource = z
  .object({
    user: z.object({
      email: z.string().meta({ description: "The user's email, or the token's owner" }),
      displayName: z.string(),
      role: z.enum(["viewer", "editor", "admin"]),
      kind: z.string().optional().meta({ description: "user, token or bootstrap-token" }),
    }),
  })
  .meta({ id: "SessionUser" });

export const obotEntryResource = z
  .record(z.string(), z.unknown())
  .meta({ id: "ObotCatalogEntry", description: "An Obot catalog entry (see DESIGN.md §5.1), as the Obot feed serves it" });

export const registryStandingResource = z
  .object({
    registryName: z.string().meta({ description: "The server's name in the MCP Registry v0.1 view: <namespace>/<name>" }),
    included: z.boolean().meta({ description: "Whether the view serves it (once active): only servers with a valid server.json are served" }),
    reasons: z.array(z.string()).optional().meta({ description: "Why it is left out of the view, e.g. 'image tag latest is not a pinned version'" }),
    server: z.record(z.string(), z.unknown()).optional().meta({ description: "The server.json the view serves for it" }),
  })
  .meta({ id: "RegistryStanding", description: "Where a server stands in the MCP Registry v0.1 view (DESIGN.md §5.2)" });

const findingResource = z
  .object({
    rule: z.string().meta({ description: "e.g. prompt-injection, invisible-unicode, secret-literal, tool-became-destructive, tool-removed" }),
    severity: z.enum(["critical", "high", "medium", "low"]),
    field: z.string().meta({ description: "Where: tools.<name>.<field>" }),
    message: z.string(),
  })
  .meta({ id: "Finding" });

const jsonObject = z.record(z.string(), z.unknown());

export const toolResource = z
  .object({
    name: z.string(),
    sha256: z.string().meta({ description: "SHA-256 (hex) of the RFC 8785 canonical JSON of the tool as tools/list returned it, without _meta" }),
    title: z.string().optional(),
    description: z.string(),
    inputSchema: jsonObject,
    outputSchema: jsonObject.optional(),
    annotations: jsonObject.optional().meta({ description: "readOnlyHint, destructiveHint, idempotentHint, openWorldHint, …" }),
  })
  .meta({ id: "Tool" });

const manifestSource = z
  .enum(["probe", "document", "upload"])
  .meta({ description: "A live probe, the ingested document's tool preview, or an admin's upload" });
const digest = z.string().meta({ description: 'SHA-256 (hex) of the tools\' sorted "name:sha256" lines joined by "\\n"' });

export const toolDriftResource = z
  .object({
    added: z.array(toolResource),
    removed: z.array(toolResource),
    changed: z.array(
      z.object({
        name: z.string(),
        fields: z.array(z.string()).meta({ description: "The top-level fields of the definition that changed" }),
        before: jsonObject.meta({ description: "Those fields in the pinned definition" }),
        after: jsonObject.meta({ description: "Those fields now" }),
      }),
    ),
    findings: z.array(findingResource),
  })
  .meta({ id: "ToolDrift", description: "The latest tools' difference from the pinned ones, and what the scan found in it" });

export const toolDiscoveryResource = z
  .object({ digest, tools: z.array(toolResource), drift: toolDriftResource.nullable() })
  .meta({ id: "ToolDiscovery", description: "The manifest now recorded as the server's latest" });

export const serverToolsResource = z
  .object({
    pinned: z.object({ digest, pinnedAt: dateTime, pinnedBy: z.string(), source: manifestSource, tools: z.array(toolResource) }).nullable(),
    latest: z
      .object({
        digest,
        discoveredAt: dateTime,
        discoveredBy: z.string(),
        source: manifestSource,
        tools: z.array(toolResource),
        findings: z.array(findingResource).meta({ description: "What the ingestion scan rules find in these tools" }),
      })
      .nullable(),
    drift: toolDriftResource.nullable(),
    driftRejected: z.boolean().meta({ description: "An admin rejected this drift: the pin stays, new and changed tools stay withheld" }),
    onToolDrift: z.enum(["hold-changed", "suspend-server"]),
    probe: z.object({
      probeable: z.boolean(),
      url: z.string().nullable(),
      reason: z.string().nullable().meta({ description: "Why the control plane cannot probe it" }),
      headers: z.array(z.string()).meta({ description: "The names of the probe headers set; their values are never shown" }),
    }),
    lastAttemptAt: nullableDateTime,
    lastError: z.string().nullable(),
  })
  .meta({ id: "ServerTools" });

export const toolDriftEntryResource = toolDriftResource
  .extend({
    server: z.string(),
    displayName: z.string(),
    status: z.enum(SERVER_STATUSES),
    onToolDrift: z.enum(["hold-changed", "suspend-server"]),
    pinnedDigest: z.string().nullable(),
    latestDigest: z.string(),
    discoveredAt: dateTime,
    source: manifestSource,
  })
  .meta({ id: "ToolDriftEntry" });

export const probeHeadersResource = z
  .object({ headers: z.array(z.string()).meta({ description: "The names of the probe headers now set" }) })
  .meta({ id: "ProbeHeaders" });

// Compile-time checks: what the domain returns must fit what is documented.
type Fits<Actual, Documented> = Actual extends Documented ? true : never;
type Out<S extends z.ZodType> = z.output<S>;
export const DOCUMENTED_SHAPES_FIT: [
  Fits<McpServer, Out<typeof mcpServerResource>>,
  Fits<Tenant, Out<typeof tenantResource>>,
  Fits<Group, Out<typeof groupResource>>,
  Fits<Grant, Out<typeof grantResource>>,
  Fits<SavedGrant, Out<typeof savedGrantResource>>,
  Fits<Source, Out<typeof sourceResource>>,
  Fits<Run, Out<typeof runResource>>,
  Fits<RunItem, Out<typeof runItem>>,
  Fits<ReviewItem, Out<typeof reviewItemResource>>,
  Fits<AuditEvent, Out<typeof auditEventResource>>,
  Fits<TenantToken, Out<typeof tenantTokenResource>>,
  Fits<ImportResult, Out<typeof importResultResource>>,
  Fits<ImpactPreview, Out<typeof impactResource>>,
  Fits<Explanation, Out<typeof explanationResource>>,
  Fits<EffectiveAccess, Out<typeof effectiveAccessResource>>,
  Fits<TenantContract, Out<typeof contractResource>>,
  Fits<ServerToolsView, Out<typeof serverToolsResource>>,
  Fits<DiscoveryResult, Out<typeof toolDiscoveryResource>>,
  Fits<ToolDriftEntry, Out<typeof toolDriftEntryResource>>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
