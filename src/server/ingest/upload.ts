/**
 * Imports are runs of the built-in upload source: the documents go through the same scan,
 * validation and registration as any source, and the answer says what became of each one.
 */
import type { ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import type { ImportFilesInput } from "../catalog/model";
import { DomainError } from "../errors";
import { parseImportText } from "../formats/import-text";
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

export type FileResult = Omit<ImportResult, "runId">;

export interface FilesImportResult {
  /** The one run that imported every readable file; null when no file could be read. */
  runId: string | null;
  files: { name: string; error: string | null; result: FileResult }[];
}

interface FileSpan {
  name: string;
  error: string | null;
  start: number;
  count: number;
}

/** The run's items split back into their files, each indexed within its own file. */
export function splitByFile(runId: string, result: RunResult, spans: readonly FileSpan[]): FilesImportResult {
  return {
    runId,
    files: spans.map((span) => {
      const items = result.items
        .filter((item) => item.position >= span.start && item.position < span.start + span.count)
        .map((item) => ({ ...item, position: item.position - span.start }));
      const { runId: _, ...fileResult } = importResultOf(runId, { ...result, items });
      return { name: span.name, error: span.error, result: fileResult };
    }),
  };
}

/**
 * Several files in one upload run: each file is read on its own (one that is not JSON or YAML is
 * reported, the others still import), and the answer says what became of each file's documents.
 */
export async function importFiles(
  db: Db,
  ctx: ChangeContext,
  files: ImportFilesInput["files"],
  deps: PipelineDeps,
  worker: string,
): Promise<FilesImportResult> {
  const spans: FileSpan[] = [];
  const documents: unknown[] = [];
  for (const file of files) {
    let parsed: unknown[] = [];
    let error: string | null = null;
    try {
      parsed = parseImportText(file);
    } catch (failure) {
      if (!(failure instanceof DomainError)) throw failure;
      error = failure.message;
    }
    spans.push({ name: file.name, error, start: documents.length, count: parsed.length });
    documents.push(...parsed);
  }
  if (documents.length === 0) {
    return { runId: null, files: spans.map((span) => ({ name: span.name, error: span.error ?? "no documents in this file", result: emptyResult() })) };
  }
  const run = await queueUpload(db, ctx, documents, worker);
  const result = await executeRun(db, run.id, deps);
  if (!result) throw new DomainError("UNAVAILABLE", `the import run ${run.id} failed; its run page has the reason`);
  return splitByFile(run.id, result, spans);
}

const emptyResult = (): FileResult => ({ created: [], updated: [], unchanged: [], rejected: [], quarantined: [], pendingUpdates: [], warnings: [] });
