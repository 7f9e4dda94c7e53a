import { z } from "zod";
import { parseImportBody } from "../../formats/import";
import { approveUpdate, approveUpdateInput, rejectItem, rejectUpdate, releaseItem, reviewQueue, reviewReasonInput } from "../../ingest/review";
import { getRun, lastRunsBySource, listRuns, queueRun } from "../../ingest/runs";
import { approveSource, createSource, deleteSource, getSource, listSources, sourceCreateInput, sourceUpdateInput, updateSource } from "../../ingest/sources";
import { uploadDocuments } from "../../ingest/upload";
import { changeOrPreview } from "../../policy/preview";
import { adminProcedure, editorProcedure, router, viewerProcedure } from "../init";

const byName = z.object({ name: z.string().min(1) });
const byId = z.object({ id: z.string().min(1) });

export const sourcesRouter = router({
  list: viewerProcedure.query(async ({ ctx }) => {
    const [sources, lastRuns] = await Promise.all([listSources(ctx.services.db), lastRunsBySource(ctx.services.db)]);
    return sources.map((s) => ({ ...s, lastRun: lastRuns.get(s.name) ?? null }));
  }),
  get: viewerProcedure.input(byName).query(({ ctx, input }) => getSource(ctx.services.db, input.name)),
  create: editorProcedure.input(sourceCreateInput).mutation(({ ctx, input }) => createSource(ctx.services.db, ctx.change, input)),
  update: editorProcedure
    .input(z.object({ name: z.string(), patch: sourceUpdateInput }))
    .mutation(({ ctx, input }) => updateSource(ctx.services.db, ctx.change, input.name, input.patch)),
  delete: editorProcedure.input(byName).mutation(({ ctx, input }) => deleteSource(ctx.services.db, ctx.change, input.name)),
  approve: adminProcedure.input(byName).mutation(({ ctx, input }) => approveSource(ctx.services.db, ctx.change, input.name)),
  sync: editorProcedure.input(byName).mutation(async ({ ctx, input }) => {
    const run = await queueRun(ctx.services.db, ctx.change, input.name, "manual");
    ctx.services.ingestion.kick();
    return run;
  }),
  upload: editorProcedure
    .input(z.object({ text: z.string().min(1).max(10 * 1024 * 1024), format: z.enum(["json", "yaml"]), source: z.string().optional() }))
    .mutation(async ({ ctx, input }) => {
      const documents = parseImportBody(input.text, input.format === "json" ? "application/json" : "application/yaml");
      const run = await uploadDocuments(ctx.services.db, ctx.change, documents, input.source);
      ctx.services.ingestion.kick();
      return run;
    }),
  runs: viewerProcedure.input(byName).query(({ ctx, input }) => listRuns(ctx.services.db, input.name)),
  run: viewerProcedure.input(z.object({ name: z.string(), runId: z.string() })).query(({ ctx, input }) => getRun(ctx.services.db, input.name, input.runId)),
  quarantined: viewerProcedure.input(z.object({ source: z.string().optional() }).default({})).query(({ ctx, input }) => reviewQueue(ctx.services.db, "quarantined", input.source)),
  pendingUpdates: viewerProcedure.input(z.object({ source: z.string().optional() }).default({})).query(({ ctx, input }) => reviewQueue(ctx.services.db, "pending-update", input.source)),
  release: adminProcedure.input(byId).mutation(({ ctx, input }) => releaseItem(ctx.services.db, ctx.change, input.id)),
  reject: adminProcedure.input(byId.extend(reviewReasonInput.shape)).mutation(({ ctx, input: { id, ...rest } }) => rejectItem(ctx.services.db, ctx.change, id, rest)),
  /** With dryRun, the impact preview of approving (who gains or loses the server), nothing written. */
  approveUpdate: adminProcedure
    .input(byId.extend({ approval: approveUpdateInput, dryRun: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => approveUpdate(db, ctx.change, input.id, input.approval))),
  rejectUpdate: adminProcedure.input(byId.extend(reviewReasonInput.shape)).mutation(({ ctx, input: { id, ...rest } }) => rejectUpdate(ctx.services.db, ctx.change, id, rest)),
});
