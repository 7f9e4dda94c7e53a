/**
 * Where a server's manifest comes from (DESIGN §11): a live probe when the server is remote at a
 * fixed URL, else the tool preview of its ingested document, or an admin's upload. The probe
 * runs outside any transaction; its result is recorded in one.
 */
import type { ChangeContext } from "../audit/audit";
import { getServer } from "../catalog/servers";
import type { McpServer } from "../catalog/model";
import type { Db } from "../db/client";
import { DomainError } from "../errors";
import type { AllowList } from "../ingest/fetch";
import { buildManifest } from "./digest";
import { ProbeFailed, probeTools } from "./discover";
import { toolOfPreview } from "./governed";
import type { RawTool } from "./model";
import { probeabilityOf, probeHeadersFor, recordDiscoveryFailure, recordManifest, type DiscoveryResult } from "./store";

export interface DiscoveryDeps {
  allow: AllowList;
  /** The whole probe's deadline. */
  timeoutMs?: number;
}

/** Discovers the server's tools now and records them as its latest manifest. */
export async function discoverServerTools(db: Db, ctx: ChangeContext, deps: DiscoveryDeps, name: string): Promise<DiscoveryResult> {
  const server = await getServer(db, name);
  const probe = probeabilityOf(server);
  if (!probe.probeable) {
    if (server.toolPreview.length > 0) return recordManifest(db, ctx, name, buildManifest(server.toolPreview.map(toolOfPreview), "document", ctx.actor.id));
    throw new DomainError("CONFLICT", `server '${name}' cannot be probed: ${probe.reason}`);
  }
  let tools: RawTool[];
  try {
    tools = await probeTools(probe.url!, { allow: deps.allow, headers: await probeHeadersFor(db, server.id), timeoutMs: deps.timeoutMs });
  } catch (error) {
    const message = error instanceof ProbeFailed ? error.message : String(error);
    await recordDiscoveryFailure(db, name, message);
    throw new DomainError("UNAVAILABLE", `cannot discover the tools of '${name}': ${message}`);
  }
  let manifest;
  try {
    manifest = buildManifest(tools, "probe", ctx.actor.id);
  } catch (error) {
    await recordDiscoveryFailure(db, name, (error as Error).message);
    throw error;
  }
  return recordManifest(db, ctx, name, manifest);
}

/** An admin's upload: the JSON `tools/list` returns (or its array of tools). */
export async function uploadServerTools(db: Db, ctx: ChangeContext, name: string, tools: RawTool[]): Promise<DiscoveryResult> {
  return recordManifest(db, ctx, name, buildManifest(tools, "upload", ctx.actor.id));
}

/**
 * Before publishing: a probeable server with no manifest yet is discovered first, so that the
 * publish pins what it really lists. A failed probe does not stop the publish (the server may be
 * down for a moment, or need probe headers): it is published without a pin, the failure is kept
 * for the server page, and the first later discovery is held as drift for an admin to approve.
 */
const PUBLISH_PROBE_MS = 10_000;

export async function discoverBeforePublish(db: Db, ctx: ChangeContext, deps: DiscoveryDeps, server: McpServer, hasManifest: boolean): Promise<string | null> {
  if (hasManifest) return null;
  if (!probeabilityOf(server).probeable && server.toolPreview.length === 0) return null;
  try {
    // Someone waits for the publish: a shorter deadline than a scheduled probe's.
    await discoverServerTools(db, ctx, { ...deps, timeoutMs: Math.min(deps.timeoutMs ?? PUBLISH_PROBE_MS, PUBLISH_PROBE_MS) }, server.name);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
