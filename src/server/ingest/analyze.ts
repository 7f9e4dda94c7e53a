/**
 * The scan and validate stages of a run: each fetched document parsed, checked and scanned, pure
 * over the documents and what the catalog already holds.
 */
import picomatch from "picomatch";
import { candidateFor } from "../formats/import";
import type { Provenance, ServerSpec } from "../catalog/model";
import { isPlainObject } from "../formats/keys";
import { SLICE_MS, yieldToEventLoop } from "./batches";
import { scanSubject, subjectOf, type Finding } from "./scan";
import { digestOf, type UpstreamDocument } from "./upstream";

export interface AnalyzedItem {
  position: number;
  upstreamId: string;
  doc: unknown;
  digest: string;
  version?: string;
  format: "obot-entry" | "server.json" | null;
  name: string | null;
  findings: Finding[];
  errors: string[];
  warnings: string[];
  candidate: { name: string; spec: ServerSpec; provenance: Provenance } | null;
}

export interface AnalyzeContext {
  sourceName: string;
  include: readonly string[];
  exclude: readonly string[];
  existing: readonly { name: string; publisher: string }[];
  denylist: readonly string[];
}

const matcher = (globs: readonly string[]) => {
  const tests = globs.map((g) => picomatch(g, { nobrace: true, noextglob: true, dot: true }));
  return (value: string) => tests.some((t) => t(value));
};

function publisherOf(doc: unknown, format: AnalyzedItem["format"], sourceName: string): string {
  if (format === "server.json" && isPlainObject(doc) && typeof doc.name === "string" && doc.name.includes("/")) return doc.name.split("/")[0]!;
  return `source:${sourceName}`;
}

/** Scan and validate: pure over the documents and what the catalog already holds. */
export function analyzeDocuments(documents: readonly UpstreamDocument[], context: AnalyzeContext): { items: AnalyzedItem[]; excluded: number } {
  const analysis = analyzing(documents, context);
  for (let step = analysis.next(); ; step = analysis.next()) if (step.done) return step.value;
}

/** The same, letting the event loop in every SLICE_MS: thousands of documents take seconds of CPU. */
export async function analyzeDocumentsYielding(documents: readonly UpstreamDocument[], context: AnalyzeContext) {
  const analysis = analyzing(documents, context);
  let sliceStart = performance.now();
  for (let step = analysis.next(); ; step = analysis.next()) {
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}

function* analyzing(documents: readonly UpstreamDocument[], context: AnalyzeContext): Generator<void, { items: AnalyzedItem[]; excluded: number }> {
  const included = matcher(context.include);
  const excluded = matcher(context.exclude);
  const items: AnalyzedItem[] = [];
  const seen = new Map<string, number>();
  const namesTaken = new Map<string, string>();
  let excludedCount = 0;
  for (const upstream of documents) {
    yield;
    const outcome = candidateFor(upstream.doc, items.length);
    const format = outcome.format;
    const name = outcome.ok ? outcome.candidate.name : outcome.name;
    const names = [upstream.upstreamId, ...(name ? [name] : [])];
    if ((context.include.length > 0 && !names.some(included)) || names.some(excluded)) {
      excludedCount += 1;
      continue;
    }
    const errors = outcome.ok ? [] : [...outcome.errors];
    const earlier = seen.get(upstream.upstreamId);
    if (earlier !== undefined) errors.push(`${upstream.upstreamId} appears twice (first as item ${earlier}); only the first is taken`);
    if (outcome.ok && earlier === undefined) {
      const holder = namesTaken.get(outcome.candidate.name);
      if (holder) errors.push(`catalog name '${outcome.candidate.name}' is already used by ${holder} in this run`);
      else namesTaken.set(outcome.candidate.name, upstream.upstreamId);
    }
    seen.set(upstream.upstreamId, seen.get(upstream.upstreamId) ?? items.length);
    const findings = scanSubject(
      subjectOf(
        upstream.doc,
        format === "obot-entry" ? "obot-entry" : "server.json",
        name ?? upstream.upstreamId,
        publisherOf(upstream.doc, format, context.sourceName),
      ),
      { existing: context.existing, denylist: context.denylist },
    );
    items.push({
      position: items.length,
      upstreamId: upstream.upstreamId,
      doc: upstream.doc,
      digest: digestOf(upstream.doc),
      version: upstream.version,
      format,
      name,
      findings,
      errors,
      warnings: outcome.ok ? outcome.warnings : [],
      candidate:
        outcome.ok && errors.length === 0 ? { name: outcome.candidate.name, spec: outcome.candidate.spec, provenance: outcome.candidate.provenance } : null,
    });
  }
  return { items, excluded: excludedCount };
}
