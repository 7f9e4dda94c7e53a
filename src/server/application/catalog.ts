/** The catalog: servers, their lifecycle, what the feeds make of them, imports and the demo catalog. */
import { z } from "zod";
import { demoCatalogLoaded, loadDemoCatalog } from "../catalog/demo";
import { importTextInput, parseImportText } from "../formats/import-text";
import { importFilesInput, serverBatchInput, serverCreateInput, serverListQuery, serverUpdateInput, statusChangeInput } from "../catalog/model";
import {
  catalogStats,
  changeServers,
  createServer,
  deleteServer,
  disableServer,
  getServer,
  listServers,
  publishBlocker,
  publishServer,
  updateServer,
} from "../catalog/servers";
import { DomainError } from "../errors";
import { obotEntryFor } from "../formats/obot-entry";
import { registryStandingOf } from "../formats/registry-view";
import { upstreamStateOf } from "../ingest/review";
import { importDocuments, importFiles } from "../ingest/upload";
import { changeOrPreview } from "../policy/preview";
import { discoverBeforePublish } from "../tools/discovery";
import { pinLatestOnPublish, serverToolsOf } from "../tools/store";
import { useCase } from "./use-case";

const serverName = z.string().min(1);
const dryRun = z.boolean().default(false);

export const listServersUseCase = useCase({
  name: "catalog.list",
  role: "viewer",
  mutates: false,
  args: serverListQuery,
  run: ({ services }, query) => listServers(services.db, query),
});

/** A server with what its detail page shows: the Obot entry it would serve, its registry standing, why it can't be published, upstream's state. */
export const getServerDetail = useCase({
  name: "catalog.get",
  role: "viewer",
  mutates: false,
  args: z.object({ name: serverName }),
  run: async ({ services }, { name }) => {
    const server = await getServer(services.db, name);
    return {
      server,
      obotEntry: server.runtime ? obotEntryFor({ ...server, runtime: server.runtime }) : null,
      /** Whether the MCP Registry v0.1 view serves it once active, or why not. */
      registry: registryStandingOf(server, services.config.registryNamespace),
      publishBlocker: publishBlocker(server),
      upstream: await upstreamStateOf(services.db, server),
    };
  },
});

export const catalogStatsUseCase = useCase({
  name: "catalog.stats",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: ({ services }) => catalogStats(services.db),
});

export const createServerUseCase = useCase({
  name: "catalog.create",
  role: "editor",
  mutates: true,
  args: serverCreateInput,
  invalid: () => "cannot create server",
  run: ({ services, change }, server) => createServer(services.db, change, server),
});

export const updateServerUseCase = useCase({
  name: "catalog.update",
  role: "editor",
  mutates: true,
  args: z.object({ name: serverName, patch: serverUpdateInput, dryRun }),
  invalid: (raw) => `cannot update server '${String(raw.name)}'`,
  run: ({ services, change }, { name, patch, dryRun }) => changeOrPreview(services.db, dryRun, (db) => updateServer(db, change, name, patch)),
});

export const deleteServerUseCase = useCase({
  name: "catalog.delete",
  role: "editor",
  mutates: true,
  args: z.object({
    name: serverName,
    version: z.coerce
      .number({ error: "version must be a positive whole number" })
      .int("version must be a positive whole number")
      .min(1, "version must be a positive whole number")
      .optional()
      .meta({ description: "Refuse the delete if the server changed since this version" }),
  }),
  run: ({ services, change }, { name, version }) => deleteServer(services.db, change, name, { version }),
});

/** Publishing and disabling: the body (a version to check, a reason) may be left out. */
const statusChangeArgs = z.object({ name: serverName, statusChange: statusChangeInput.optional(), dryRun });

/**
 * Publishing pins the server's latest tool manifest, in the publish's transaction; a probeable
 * server with none is discovered first (tools/discovery.ts, discoverBeforePublish, says what a
 * failed probe does).
 */
export const publishServerUseCase = useCase({
  name: "catalog.publish",
  role: "editor",
  mutates: true,
  args: statusChangeArgs,
  run: async ({ services, change }, { name, statusChange, dryRun }) => {
    if (!dryRun && services.config.toolDiscovery?.discoverOnPublish) {
      const server = await getServer(services.db, name);
      if (server.status !== "active") {
        const tools = await serverToolsOf(services.db, server);
        const deps = { allow: services.ingestionDeps.allow, timeoutMs: services.config.toolDiscovery?.timeoutMs };
        await discoverBeforePublish(services.db, change, deps, server, tools.latest !== null);
      }
    }
    return changeOrPreview(services.db, dryRun, (db) =>
      publishServer(db, change, name, statusChange, (tx, published) => pinLatestOnPublish(tx, change, published)),
    );
  },
});

export const disableServerUseCase = useCase({
  name: "catalog.disable",
  role: "editor",
  mutates: true,
  args: statusChangeArgs,
  run: ({ services, change }, { name, statusChange, dryRun }) => changeOrPreview(services.db, dryRun, (db) => disableServer(db, change, name, statusChange)),
});

/** Publishes, disables or deletes several servers at once: all of them, or none with the reason why. */
export const batchServersUseCase = useCase({
  name: "catalog.batch",
  role: "editor",
  mutates: true,
  args: z.object({ batch: serverBatchInput, dryRun }),
  invalid: () => "cannot change these servers",
  run: ({ services, change }, { batch, dryRun }) =>
    changeOrPreview(services.db, dryRun, async (db) => ({
      action: batch.action,
      servers: await changeServers(db, change, batch, (tx, published) => pinLatestOnPublish(tx, change, published)),
    })),
});

export const obotEntryUseCase = useCase({
  name: "catalog.obotEntry",
  role: "viewer",
  mutates: false,
  args: z.object({ name: serverName }),
  run: async ({ services }, { name }) => {
    const server = await getServer(services.db, name);
    if (!server.runtime) {
      throw new DomainError("CONFLICT", `server '${server.name}' has no runtime, so Obot cannot represent it yet`);
    }
    return obotEntryFor({ ...server, runtime: server.runtime });
  },
});

export const registryEntryUseCase = useCase({
  name: "catalog.registryEntry",
  role: "viewer",
  mutates: false,
  args: z.object({ name: serverName }),
  run: async ({ services }, { name }) => registryStandingOf(await getServer(services.db, name), services.config.registryNamespace),
});

/** Imports as an upload run executed at once, answered with what became of each document. */
export const importServersUseCase = useCase({
  name: "catalog.import",
  role: "editor",
  mutates: true,
  args: importTextInput,
  run: ({ services, change }, input) => importDocuments(services.db, change, parseImportText(input), services.ingestionDeps, services.ingestion.id),
});

/** Imports several files (a folder of Obot YAML files) as one upload run, answered with what became of each file's documents. */
export const importFilesUseCase = useCase({
  name: "catalog.importFiles",
  role: "editor",
  mutates: true,
  args: importFilesInput,
  invalid: () => "cannot import these files",
  run: ({ services, change }, { files }) => importFiles(services.db, change, files, services.ingestionDeps, services.ingestion.id),
});

export const demoLoadedUseCase = useCase({
  name: "catalog.demoLoaded",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: ({ services }) => demoCatalogLoaded(services.db),
});

export const loadDemoUseCase = useCase({
  name: "catalog.loadDemo",
  role: "editor",
  mutates: true,
  args: z.object({}),
  run: ({ services, change }) => loadDemoCatalog(services.db, change),
});
