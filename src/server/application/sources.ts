/** Sources: where servers come from besides hand-made entries, and their runs. */
import { z } from "zod";
import type { Db } from "../db/client";
import { importTextInput, parseImportText } from "../formats/import-text";
import { getRun, lastRunsBySource, listRuns, pageRunItems, pageRuns, queueRun } from "../ingest/runs";
import { runPageInput, sourcePageInput, uploadSourceInput, type SourcePageInput } from "../ingest/source-model";
import { approveSource, createSource, deleteSource, getSource, listSources, sourceCreateInput, sourceUpdateInput, updateSource } from "../ingest/sources";
import { uploadDocuments } from "../ingest/upload";
import { containsText, pageArgs, pageOf, sortedBy } from "../util/paging";
import { useCase, type UseCaseContext } from "./use-case";

const sourceName = z.string().min(1);

/** The worker takes a queued run at once rather than at its next poll. */
function startSoon<T>({ services }: UseCaseContext, run: T): T {
  services.ingestion.kick();
  return run;
}

async function sourcesWithLastRun(db: Db) {
  const [sources, lastRuns] = await Promise.all([listSources(db), lastRunsBySource(db)]);
  return sources.map((source) => ({ ...source, lastRun: lastRuns.get(source.name) ?? null }));
}
type SourceWithLastRun = Awaited<ReturnType<typeof sourcesWithLastRun>>[number];

export const listSourcesWithLastRun = useCase({
  name: "sources.list",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: ({ services }) => sourcesWithLastRun(services.db),
});

const SOURCE_SORT_KEYS: Record<SourcePageInput["sort"], (source: SourceWithLastRun) => string> = {
  name: (source) => source.name,
  kind: (source) => source.kind,
  status: (source) => source.status,
  // Never synced sorts before every date (last when newest first).
  lastSync: (source) => source.lastSyncedAt ?? "",
};

/** The console's source list: filtered, sorted and paged here; `all` counts every source. */
export const pageSourcesUseCase = useCase({
  name: "sources.page",
  role: "viewer",
  mutates: false,
  args: sourcePageInput,
  run: async ({ services }, query) => {
    const sources = await sourcesWithLastRun(services.db);
    const matching = sources.filter(
      (s) =>
        (!query.kind || s.kind === query.kind) &&
        (!query.status || s.status === query.status) &&
        containsText(query.q, s.name, s.url, s.ref ?? "", s.path ?? ""),
    );
    const sorted = sortedBy(matching, SOURCE_SORT_KEYS[query.sort], query.order, (s) => s.name);
    return { ...pageOf(sorted, query.offset, query.limit), all: sources.length };
  },
});

export const getSourceUseCase = useCase({
  name: "sources.get",
  role: "viewer",
  mutates: false,
  args: z.object({ name: sourceName }),
  run: ({ services }, { name }) => getSource(services.db, name),
});

// Sources feed no snapshot: their runs change the catalog, and rebuild it themselves.
export const createSourceUseCase = useCase({
  name: "sources.create",
  role: "editor",
  mutates: true,
  changesSnapshot: false,
  args: sourceCreateInput,
  invalid: () => "cannot create source",
  run: ({ services, change }, source) => createSource(services.db, change, source),
});

export const updateSourceUseCase = useCase({
  name: "sources.update",
  role: "editor",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ name: sourceName, patch: sourceUpdateInput }),
  invalid: (raw) => `cannot update source '${String(raw.name)}'`,
  run: ({ services, change }, { name, patch }) => updateSource(services.db, change, name, patch),
});

export const deleteSourceUseCase = useCase({
  name: "sources.delete",
  role: "editor",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ name: sourceName }),
  run: ({ services, change }, { name }) => deleteSource(services.db, change, name),
});

export const approveSourceUseCase = useCase({
  name: "sources.approve",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ name: sourceName }),
  run: ({ services, change }, { name }) => approveSource(services.db, change, name),
});

export const syncSourceUseCase = useCase({
  name: "sources.sync",
  role: "editor",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ name: sourceName }),
  run: async (ctx, { name }) => startSoon(ctx, await queueRun(ctx.services.db, ctx.change, name, "manual")),
});

export const uploadDocumentsUseCase = useCase({
  name: "sources.upload",
  role: "editor",
  mutates: true,
  changesSnapshot: false,
  args: importTextInput.extend({ source: uploadSourceInput }),
  run: async (ctx, input) => startSoon(ctx, await uploadDocuments(ctx.services.db, ctx.change, parseImportText(input), input.source)),
});

export const listRunsUseCase = useCase({
  name: "sources.runs",
  role: "viewer",
  mutates: false,
  args: z.object({ name: sourceName }),
  run: ({ services }, { name }) => listRuns(services.db, name),
});

/** A source's runs a page at a time, filtered by status and trigger, for the source page. */
export const pageRunsUseCase = useCase({
  name: "sources.runsPage",
  role: "viewer",
  mutates: false,
  args: runPageInput,
  run: ({ services }, query) => pageRuns(services.db, query),
});

export const getRunUseCase = useCase({
  name: "sources.run",
  role: "viewer",
  mutates: false,
  args: z.object({
    name: sourceName,
    runId: z.string().min(1),
    withItems: z.boolean().default(true).meta({ description: "false: without the items (sources.runItems pages them)" }),
  }),
  run: ({ services }, { name, runId, withItems }) => getRun(services.db, name, runId, withItems),
});

/** A finished run's items, filtered and paged: a run over a large registry has thousands. */
export const runItemsUseCase = useCase({
  name: "sources.runItems",
  role: "viewer",
  mutates: false,
  args: z.object({
    name: sourceName,
    runId: z.string().min(1),
    outcome: z.string().trim().max(40).optional(),
    q: z.string().trim().max(200).optional(),
    ...pageArgs,
  }),
  run: ({ services }, { name, runId, ...query }) => pageRunItems(services.db, name, runId, query),
});
