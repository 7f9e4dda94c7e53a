import { z } from "zod";
import { parseImportBody } from "../../formats/import";
import { upstreamStateOf } from "../../ingest/review";
import { importDocuments } from "../../ingest/upload";
import {
  catalogImportInput,
  serverCreateInput,
  serverListQuery,
  serverUpdateInput,
  statusChangeInput,
} from "../../catalog/model";
import { demoCatalogLoaded, loadDemoCatalog } from "../../catalog/demo";
import {
  catalogStats,
  createServer,
  deleteServer,
  disableServer,
  getServer,
  listServers,
  publishBlocker,
  publishServer,
  updateServer,
} from "../../catalog/servers";
import { obotEntryFor } from "../../formats/obot-entry";
import { registryStandingOf } from "../../formats/registry-view";
import { editorProcedure, router, viewerProcedure } from "../init";

const byName = z.object({ name: z.string().min(1) });

export const catalogRouter = router({
  list: viewerProcedure.input(serverListQuery).query(({ ctx, input }) => listServers(ctx.services.db, input)),

  /** A server with what the detail page needs: the Obot entry it would serve and why it can't be published. */
  get: viewerProcedure.input(byName).query(async ({ ctx, input }) => {
    const server = await getServer(ctx.services.db, input.name);
    return {
      server,
      obotEntry: server.runtime ? obotEntryFor({ ...server, runtime: server.runtime }) : null,
      /** Whether the MCP Registry v0.1 view serves it once active, or why not. */
      registry: registryStandingOf(server, ctx.services.config.registryNamespace),
      publishBlocker: publishBlocker(server),
      upstream: await upstreamStateOf(ctx.services.db, server),
    };
  }),

  stats: viewerProcedure.query(({ ctx }) => catalogStats(ctx.services.db)),

  create: editorProcedure
    .input(serverCreateInput)
    .mutation(({ ctx, input }) => createServer(ctx.services.db, ctx.change, input)),

  update: editorProcedure
    .input(z.object({ name: z.string().min(1), patch: serverUpdateInput }))
    .mutation(({ ctx, input }) => updateServer(ctx.services.db, ctx.change, input.name, input.patch)),

  delete: editorProcedure
    .input(byName.extend(statusChangeInput.shape))
    .mutation(({ ctx, input: { name, ...rest } }) => deleteServer(ctx.services.db, ctx.change, name, rest)),

  publish: editorProcedure
    .input(byName.extend(statusChangeInput.shape))
    .mutation(({ ctx, input: { name, ...rest } }) => publishServer(ctx.services.db, ctx.change, name, rest)),

  disable: editorProcedure
    .input(byName.extend(statusChangeInput.shape))
    .mutation(({ ctx, input: { name, ...rest } }) => disableServer(ctx.services.db, ctx.change, name, rest)),

  import: editorProcedure
    .input(catalogImportInput)
    .mutation(({ ctx, input }) =>
      importDocuments(
        ctx.services.db,
        ctx.change,
        parseImportBody(input.text, input.format === "json" ? "application/json" : "application/yaml"),
        ctx.services.ingestionDeps,
        ctx.services.ingestion.id,
      ),
    ),

  demoLoaded: viewerProcedure.query(({ ctx }) => demoCatalogLoaded(ctx.services.db)),

  loadDemo: editorProcedure.mutation(({ ctx }) => loadDemoCatalog(ctx.services.db, ctx.change)),
});
