/**
 * Imports are runs of the built-in upload source: the documents go through the same scan,
 * validation and registration as any source, and the answer says what became of each one.
 */
import type { ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { DomainError } from "../errors";
import { executeRun, type PipelineDeps, type RunResult } from "./pipeline";
import { queueRun, type Run } from "./runs";
import { uploadsSource } from "./sources";

export interface ImportResult {
  runId: string;
  created: string[];
  updated: string[];
  unchanged: string[];
  rejected: { index: number; name: string | null; errors: string[] }[];
  /** Critical scan findings: held for an admin's review, not registered. */
  quarantined: { index: number; name: string | null; findings: unknown[] }[];
  /** Changes to servers that are not drafts: staged for an admin's review. */
  pendingUpdates: { index: number; name: string | null }[];
  warnings: { index: number; name: string; messages: string[] }[];
}

const WAIT_FOR_OTHER_UPLOAD_MS = 30_000;

async function queueUpload(db: Db, ctx: ChangeContext, documents: unknown[], claimFor?: string): Promise<Run> {
  const source = await uploadsSource(db, ctx);
  const deadline = Date.now() + WAIT_FOR_OTHER_UPLOAD_MS;
  for (;;) {
    try {
      return await queueRun(db, ctx, source.name, "upload", { documents }, { claimFor });
    } catch (error) {
      // Uploads run one at a time; wait for the one in progress.
      if (!(error instanceof DomainError && error.code === "CONFLICT") || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Queues an upload for the worker; answers at once. */
export async function uploadDocuments(db: Db, ctx: ChangeContext, documents: unknown[], sourceName?: string): Promise<Run> {
  if (!sourceName) return queueUpload(db, ctx, documents);
  return queueRun(db, ctx, sourceName, "upload", { documents });
}

export function importResultOf(runId: string, result: RunResult): ImportResult {
  const out: ImportResult = { runId, created: [], updated: [], unchanged: [], rejected: [], quarantined: [], pendingUpdates: [], warnings: [] };
  for (const item of result.items) {
    const name = item.name ?? item.upstreamId;
    if (item.warnings && item.warnings.length > 0) out.warnings.push({ index: item.position, name, messages: item.warnings });
    switch (item.outcome) {
      case "registered":
        out.created.push(name);
        break;
      case "updated":
        out.updated.push(name);
        break;
      case "unchanged":
        out.unchanged.push(name);
        break;
      case "pending-update":
        out.pendingUpdates.push({ index: item.position, name: item.name });
        break;
      case "quarantined":
        out.quarantined.push({ index: item.position, name: item.name, findings: item.findings });
        break;
      case "rejected":
        out.rejected.push({ index: item.position, name: item.name, errors: item.errors });
        break;
    }
  }
  return out;
}

/** The catalog import: an upload run executed inline, answered with what became of each document. */
export async function importDocuments(db: Db, ctx: ChangeContext, documents: unknown[], deps: PipelineDeps, worker: string): Promise<ImportResult> {
  // Queued already running for this worker: a worker polling for queued runs cannot take it.
  const run = await queueUpload(db, ctx, documents, worker);
  const result = await executeRun(db, run.id, deps);
  if (!result) {
    throw new DomainError("UNAVAILABLE", `the import run ${run.id} failed; its run page has the reason`);
  }
  return importResultOf(run.id, result);
}
