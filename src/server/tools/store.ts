/**
 * Tool governance state per server (DESIGN §11): pinned and latest manifests, their drift, the
 * onToolDrift setting and the write-only probe headers. Every write is one transaction with its
 * audit event and, when what a contract may expose changes, a catalog revision bump.
 */
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { inList } from "../db/in-list";
import { recordAudit, recordChange, type ChangeContext } from "../audit/audit";
import { ENTITY, getServer, toServer } from "../catalog/servers";
import type { McpServer } from "../catalog/model";
import type { Db } from "../db/client";
import { mcpServers, serverProbeHeaders, serverTools } from "../db/schema";
import { DomainError } from "../errors";
import { scanTools, toolDrift, toolView } from "./diff";
import type { Finding } from "../ingest/scan";
import type { ToolGovernanceState } from "./effective";
import type { OnToolDrift, ToolDrift, ToolManifest, ToolView } from "./model";

type Row = typeof serverTools.$inferSelect;

export interface PinnedManifestView {
  digest: string;
  pinnedAt: string;
  pinnedBy: string;
  source: ToolManifest["source"];
  tools: ToolView[];
}

export interface LatestManifestView {
  digest: string;
  discoveredAt: string;
  discoveredBy: string;
  source: ToolManifest["source"];
  tools: ToolView[];
  /** What the ingestion scan finds in these tools, so that whoever publishes sees it before the pin. */
  findings: Finding[];
}

/** Whether the control plane can probe a server itself, and if not, why. */
export interface Probeability {
  probeable: boolean;
  url: string | null;
  reason: string | null;
}

export interface ServerToolsView {
  pinned: PinnedManifestView | null;
  latest: LatestManifestView | null;
  /** The latest manifest's difference from the pin, when it has one that is not yet approved. */
  drift: ToolDrift | null;
  /** An admin rejected this drift: the pin stays, and it leaves the review queue until the tools change again. */
  driftRejected: boolean;
  onToolDrift: OnToolDrift;
  probe: Probeability & { headers: string[] };
  lastAttemptAt: string | null;
  lastError: string | null;
}

export interface DiscoveryResult {
  digest: string;
  tools: ToolView[];
  drift: ToolDrift | null;
}

export interface ToolDriftEntry extends ToolDrift {
  server: string;
  displayName: string;
  status: McpServer["status"];
  onToolDrift: OnToolDrift;
  pinnedDigest: string | null;
  latestDigest: string;
  discoveredAt: string;
  source: ToolManifest["source"];
}

/** A remote server with a fixed URL is probed; the others cannot be reached without per-user values or a running package. */
export function probeabilityOf(server: McpServer): Probeability {
  const runtime = server.runtime;
  if (runtime?.type === "remote" && runtime.fixedURL) return { probeable: true, url: runtime.fixedURL, reason: null };
  if (runtime?.type === "remote") {
    return { probeable: false, url: null, reason: "its URL is built per user (hostname or URL template): upload its tools/list instead" };
  }
  if (!runtime) return { probeable: false, url: null, reason: "it has no runtime yet" };
  return {
    probeable: false,
    url: null,
    reason: `a ${runtime.type} server runs in Obot, not at a URL the control plane can reach: upload its tools/list instead`,
  };
}

const wasPublished = (server: McpServer) => server.status === "active" || server.status === "degraded";

/** Drift exists once a server is pinned or published, and the latest manifest differs from the pin. */
function driftOf(server: McpServer, row: Row | undefined): ToolDrift | null {
  if (!row?.latest) return null;
  if (!row.pinned && !wasPublished(server)) return null;
  return toolDrift(row.pinned ?? null, row.latest);
}

async function rowOf(db: Db, serverId: string, lock = false): Promise<Row | undefined> {
  const query = db.select().from(serverTools).where(eq(serverTools.serverId, serverId)).limit(1);
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

/** The server's row, created (with defaults) when it has none, locked for the transaction. */
async function lockedRowOf(tx: Db, serverId: string): Promise<Row> {
  await tx.insert(serverTools).values({ serverId }).onConflictDoNothing();
  return (await rowOf(tx, serverId, true))!;
}

export async function probeHeaderNames(db: Db, serverId: string): Promise<string[]> {
  const rows = await db.select({ name: serverProbeHeaders.name }).from(serverProbeHeaders).where(eq(serverProbeHeaders.serverId, serverId));
  return rows.map((r) => r.name).sort();
}

/** The headers to probe with. Only discovery reads the values. */
export async function probeHeadersFor(db: Db, serverId: string): Promise<Record<string, string>> {
  const rows = await db.select().from(serverProbeHeaders).where(eq(serverProbeHeaders.serverId, serverId));
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

function pinnedView(row: Row): PinnedManifestView | null {
  if (!row.pinned) return null;
  return {
    digest: row.pinned.digest,
    pinnedAt: (row.pinnedAt ?? new Date(row.pinned.discoveredAt)).toISOString(),
    pinnedBy: row.pinnedBy ?? row.pinned.discoveredBy,
    source: row.pinned.source,
    tools: row.pinned.tools.map(toolView),
  };
}

function latestView(manifest: ToolManifest | null): LatestManifestView | null {
  if (!manifest) return null;
  return {
    digest: manifest.digest,
    discoveredAt: manifest.discoveredAt,
    discoveredBy: manifest.discoveredBy,
    source: manifest.source,
    tools: manifest.tools.map(toolView),
    findings: scanTools(manifest.tools),
  };
}

export async function serverToolsOf(db: Db, server: McpServer): Promise<ServerToolsView> {
  const row = await rowOf(db, server.id);
  const drift = driftOf(server, row);
  return {
    pinned: row ? pinnedView(row) : null,
    latest: latestView(row?.latest ?? null),
    drift,
    driftRejected: Boolean(drift && row?.rejectedDigest && row.rejectedDigest === row.latest?.digest),
    onToolDrift: (row?.onToolDrift ?? "hold-changed") as OnToolDrift,
    probe: { ...probeabilityOf(server), headers: await probeHeaderNames(db, server.id) },
    lastAttemptAt: row?.lastAttemptAt?.toISOString() ?? null,
    lastError: row?.lastError ?? null,
  };
}

/** Records a discovered manifest as the server's latest. Audited, and the revision bumped, only when the tools changed. */
export async function recordManifest(db: Db, ctx: ChangeContext, serverName: string, manifest: ToolManifest): Promise<DiscoveryResult> {
  return db.transaction(async (tx) => {
    const server = await getServer(tx, serverName);
    const row = await lockedRowOf(tx, server.id);
    const changed = row.latest?.digest !== manifest.digest;
    // An unchanged manifest keeps its first discovery's time and author: "latest" says since when the server lists these tools.
    const latest = changed ? manifest : row.latest!;
    const [updated] = await tx
      .update(serverTools)
      .set({ latest, lastAttemptAt: new Date(), lastError: null, updatedAt: new Date(), version: row.version + (changed ? 1 : 0) })
      .where(eq(serverTools.serverId, server.id))
      .returning();
    const drift = driftOf(server, updated);
    if (changed) {
      await recordChange(tx, ctx, {
        action: "mcp_server.tools_discovered",
        entityType: ENTITY,
        entityId: server.name,
        before: row.latest ? { digest: row.latest.digest, tools: row.latest.tools.length } : null,
        after: { digest: manifest.digest, tools: manifest.tools.length, source: manifest.source, drift: drift !== null },
      });
    }
    return { digest: latest.digest, tools: latest.tools.map(toolView), drift };
  });
}

/** A discovery that failed: kept for the server page, the latest manifest stays. */
export async function recordDiscoveryFailure(db: Db, serverName: string, error: string): Promise<void> {
  await db.transaction(async (tx) => {
    const server = await getServer(tx, serverName);
    await lockedRowOf(tx, server.id);
    await tx
      .update(serverTools)
      .set({ lastAttemptAt: new Date(), lastError: error.slice(0, 2000) })
      .where(eq(serverTools.serverId, server.id));
  });
}

async function pin(tx: Db, ctx: ChangeContext, server: McpServer, row: Row, action: string): Promise<void> {
  const now = new Date();
  await tx
    .update(serverTools)
    .set({ pinned: row.latest, pinnedAt: now, pinnedBy: ctx.actor.id, rejectedDigest: null, updatedAt: now, version: row.version + 1 })
    .where(eq(serverTools.serverId, server.id));
  await recordChange(tx, ctx, {
    action,
    entityType: ENTITY,
    entityId: server.name,
    before: row.pinned ? { digest: row.pinned.digest, tools: row.pinned.tools.map((t) => t.name) } : null,
    after: { digest: row.latest!.digest, tools: row.latest!.tools.map((t) => t.name) },
  });
}

/**
 * The first publish pins the latest manifest (in the publish's transaction); nothing to pin when
 * none was discovered. A server pinned before keeps its pin when published again: tools that
 * changed since are drift, and only an admin's approval re-pins them — otherwise an editor could
 * disable and re-publish a server to let its drift through.
 */
export async function pinLatestOnPublish(tx: Db, ctx: ChangeContext, server: McpServer): Promise<boolean> {
  const row = await rowOf(tx, server.id, true);
  if (!row?.latest || row.pinned) return false;
  await pin(tx, ctx, server, row, "mcp_server.tools_pin");
  return true;
}

async function driftUnderReview(tx: Db, name: string, digest: string | undefined) {
  const server = await getServer(tx, name);
  const row = await rowOf(tx, server.id, true);
  const drift = driftOf(server, row);
  if (!row || !drift) throw new DomainError("CONFLICT", `server '${name}' has no tool drift to review`);
  if (digest !== undefined && digest !== row.latest!.digest) {
    throw new DomainError("CONFLICT", `the tools of '${name}' changed since you reviewed them (now ${row.latest!.digest.slice(0, 12)}…): review them again`);
  }
  return { server, row, drift };
}

/** Approving drift re-pins the latest manifest: new and changed tools become available. */
export async function approveToolDrift(db: Db, ctx: ChangeContext, name: string, digest?: string): Promise<ServerToolsView> {
  await db.transaction(async (tx) => {
    const { server, row } = await driftUnderReview(tx, name, digest);
    await pin(tx, ctx, server, row, "mcp_server.tool_drift_approve");
  });
  return serverToolsOf(db, await getServer(db, name));
}

/** Rejecting keeps the pin (new and changed tools stay withheld) and takes the drift off the queue until the tools change again. */
export async function rejectToolDrift(db: Db, ctx: ChangeContext, name: string, review: { digest?: string; reason?: string }): Promise<ServerToolsView> {
  await db.transaction(async (tx) => {
    const { server, row, drift } = await driftUnderReview(tx, name, review.digest);
    await tx
      .update(serverTools)
      .set({ rejectedDigest: row.latest!.digest, updatedAt: new Date(), version: row.version + 1 })
      .where(eq(serverTools.serverId, server.id));
    await recordAudit(tx, ctx, {
      action: "mcp_server.tool_drift_reject",
      entityType: ENTITY,
      entityId: server.name,
      before: { pinned: row.pinned?.digest ?? null },
      after: {
        rejected: row.latest!.digest,
        reason: review.reason ?? "",
        added: drift.added.map((t) => t.name),
        removed: drift.removed.map((t) => t.name),
        changed: drift.changed.map((c) => c.name),
      },
    });
  });
  return serverToolsOf(db, await getServer(db, name));
}

/** Every server whose latest tools differ from its pin, not yet approved nor rejected, oldest discovery first. */
export async function listToolDrift(db: Db): Promise<ToolDriftEntry[]> {
  const rows = await db
    .select({ tools: serverTools, server: mcpServers })
    .from(serverTools)
    .innerJoin(mcpServers, eq(mcpServers.id, serverTools.serverId))
    .where(isNotNull(serverTools.latest));
  const entries: ToolDriftEntry[] = [];
  for (const { tools: row, server: serverRow } of rows) {
    const server = toServer(serverRow);
    const drift = driftOf(server, row);
    if (!drift || row.rejectedDigest === row.latest!.digest) continue;
    entries.push({
      server: server.name,
      displayName: server.displayName,
      status: server.status,
      onToolDrift: row.onToolDrift as OnToolDrift,
      pinnedDigest: row.pinned?.digest ?? null,
      latestDigest: row.latest!.digest,
      discoveredAt: row.latest!.discoveredAt,
      source: row.latest!.source,
      ...drift,
    });
  }
  return entries.sort((a, b) => a.discoveredAt.localeCompare(b.discoveredAt) || a.server.localeCompare(b.server));
}

export async function setToolSettings(db: Db, ctx: ChangeContext, name: string, settings: { onToolDrift: OnToolDrift }): Promise<ServerToolsView> {
  await db.transaction(async (tx) => {
    const server = await getServer(tx, name);
    const row = await lockedRowOf(tx, server.id);
    if (row.onToolDrift === settings.onToolDrift) return;
    await tx
      .update(serverTools)
      .set({ onToolDrift: settings.onToolDrift, updatedAt: new Date(), version: row.version + 1 })
      .where(eq(serverTools.serverId, server.id));
    await recordChange(tx, ctx, {
      action: "mcp_server.tool_settings",
      entityType: ENTITY,
      entityId: server.name,
      before: { onToolDrift: row.onToolDrift },
      after: { onToolDrift: settings.onToolDrift },
    });
  });
  return serverToolsOf(db, await getServer(db, name));
}

/** Sets or removes probe headers. The audit event names the headers, never their values. */
export async function setProbeHeaders(db: Db, ctx: ChangeContext, name: string, headers: Record<string, string | null>): Promise<{ headers: string[] }> {
  return db.transaction(async (tx) => {
    const server = await getServer(tx, name);
    const before = await probeHeaderNames(tx, server.id);
    const removed = Object.keys(headers).filter((h) => headers[h] === null);
    const set = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== null);
    // Header names are case-insensitive: one spelling per name.
    const lowered = [...removed, ...set.map(([h]) => h)].map((h) => h.toLowerCase());
    const existing = before.filter((h) => lowered.includes(h.toLowerCase()));
    if (existing.length > 0) {
      await tx.delete(serverProbeHeaders).where(and(eq(serverProbeHeaders.serverId, server.id), inList(serverProbeHeaders.name, existing)));
    }
    if (set.length > 0) {
      await tx.insert(serverProbeHeaders).values(set.map(([header, value]) => ({ serverId: server.id, name: header, value, setBy: ctx.actor.id })));
    }
    const after = await probeHeaderNames(tx, server.id);
    await recordAudit(tx, ctx, {
      action: "mcp_server.probe_headers",
      entityType: ENTITY,
      entityId: server.name,
      before: { headers: before },
      after: { headers: after, set: set.map(([h]) => h), removed },
    });
    return { headers: after };
  });
}

/**
 * Claims, for this process, the probeable servers whose last discovery attempt is older than
 * `intervalMs` (never attempted counts as due): the claim is one UPDATE per server, so two
 * replicas never probe the same server in the same round.
 */
export async function claimDueServers(db: Db, intervalMs: number, limit = 50): Promise<string[]> {
  const candidates = await db
    .select({ id: mcpServers.id, name: mcpServers.name })
    .from(mcpServers)
    .where(
      and(inArray(mcpServers.status, ["draft", "active", "degraded"]), sql`${mcpServers.runtime}->>'type' = 'remote'`, sql`${mcpServers.runtime} ? 'fixedURL'`),
    );
  const claimed: string[] = [];
  const dueBefore = new Date(Date.now() - intervalMs);
  for (const candidate of candidates) {
    if (claimed.length >= limit) break;
    await db.insert(serverTools).values({ serverId: candidate.id }).onConflictDoNothing();
    const [row] = await db
      .update(serverTools)
      .set({ lastAttemptAt: new Date() })
      .where(and(eq(serverTools.serverId, candidate.id), or(isNull(serverTools.lastAttemptAt), lt(serverTools.lastAttemptAt, dueBefore))))
      .returning({ serverId: serverTools.serverId });
    if (row) claimed.push(candidate.name);
  }
  return claimed;
}

/** Every server's tool governance state, by server name: what the compiler gives effectiveTools (effective.ts). */
export async function loadToolStates(db: Db): Promise<Map<string, ToolGovernanceState>> {
  const rows = await db
    .select({ name: mcpServers.name, pinned: serverTools.pinned, latest: serverTools.latest, onToolDrift: serverTools.onToolDrift })
    .from(serverTools)
    .innerJoin(mcpServers, eq(mcpServers.id, serverTools.serverId));
  return new Map(rows.map((r) => [r.name, { pinned: r.pinned ?? null, latest: r.latest ?? null, onToolDrift: r.onToolDrift as OnToolDrift }]));
}
