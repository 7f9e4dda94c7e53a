import { z } from "zod";
import { importBodySchema, parseImportBody } from "../formats/import";
import { serverCreateInput, serverListQuery, serverUpdateInput, statusChangeInput } from "../catalog/model";
import { importDocuments } from "../ingest/upload";
import {
  createServer,
  deleteServer,
  disableServer,
  getServer,
  listServers,
  publishServer,
  updateServer,
} from "../catalog/servers";
import { DomainError } from "../errors";
import { importResultResource, mcpServerResource, obotEntryResource, registryStandingResource, serverPageResource } from "./resources";
import { obotEntryFor } from "../formats/obot-entry";
import { registryStandingOf } from "../formats/registry-view";
import { accessChange } from "./dry-run";
import { json, queryObject, readBodyText, readJsonBody } from "./http";
import { route, type RestRoute } from "./router";

const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
const base = "/api/v1/mcp-servers";

const deleteQuery = z.object({
  version: z.coerce
    .number({ error: "version must be a positive whole number" })
    .int("version must be a positive whole number")
    .min(1, "version must be a positive whole number")
    .optional()
    .meta({ description: "Refuse the delete if the server changed since this version" }),
});

const YAML_OR_JSON = ["application/json", "application/yaml"] as const;

export const mcpServerRoutes: RestRoute[] = [
  {
    method: "GET",
    path: base,
    summary: "List servers",
    description: "Filters combine; status, transport, runtime and scope take comma-separated values. Pages by cursor.",
    role: "viewer",
    mutates: false,
    query: serverListQuery,
    response: { status: 200, description: "A page of servers", schema: serverPageResource },
    handle: async ({ services, url }) => json(await listServers(services.db, queryObject(url))),
  },
  {
    method: "POST",
    path: base,
    summary: "Create a draft server",
    role: "editor",
    mutates: true,
    body: { schema: serverCreateInput },
    response: { status: 201, description: "The server, as a draft", schema: mcpServerResource, headers: { Location: "The server's URL" } },
    handle: async ({ services, request, change }) => {
      const server = await createServer(services.db, change, await readJsonBody(request));
      return json(server, 201, { Location: `${base}/${server.name}` });
    },
  },
  {
    method: "POST",
    path: `${base}/import`,
    summary: "Import Obot catalog entries or server.json documents as draft servers",
    description:
      "Runs as an upload run of the 'uploads' source and answers when it is done. Changes to servers that are not drafts are staged for review; documents with critical scan findings are quarantined.",
    role: "editor",
    mutates: true,
    body: { schema: importBodySchema, contentTypes: YAML_OR_JSON, description: "One document, a JSON array of them, or YAML with one document per `---`" },
    response: { status: 200, description: "What happened to each document", schema: importResultResource },
    handle: async ({ services, request, change }) => {
      const text = await readBodyText(request, MAX_IMPORT_BYTES);
      const documents = parseImportBody(text, request.headers.get("content-type") ?? "");
      return json(await importDocuments(services.db, change, documents, services.ingestionDeps, services.ingestion.id));
    },
  },
  {
    method: "GET",
    path: `${base}/{name}`,
    summary: "Get a server",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The server", schema: mcpServerResource },
    handle: async ({ services, params }) => json(await getServer(services.db, params.name!)),
  },
  {
    method: "PATCH",
    path: `${base}/{name}`,
    summary: "Change a server",
    description:
      "Send the version you read: a change made since is refused with 409. Omitted fields keep their value; runtime is replaced whole. Renaming an active server needs confirmRename, because Obot treats it as a new server. A new scope can change who may use an active server: with dryRun, answers who would gain or lose it.",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: serverUpdateInput },
    response: { status: 200, description: "The changed server", schema: mcpServerResource },
    handle: async (req) => {
      const body = await readJsonBody(req.request);
      return accessChange(req, (db) => updateServer(db, req.change, req.params.name!, body), (server) => json(server));
    },
  },
  route({
    method: "DELETE",
    path: `${base}/{name}`,
    summary: "Delete a server that is not active",
    role: "editor",
    mutates: true,
    query: deleteQuery,
    response: { status: 204, description: "Deleted" },
    handle: async ({ services, params, change, query }) => {
      await deleteServer(services.db, change, params.name!, query);
      return new Response(null, { status: 204 });
    },
  }),
  {
    method: "POST",
    path: `${base}/{name}/publish`,
    summary: "Publish a server (draft, degraded or disabled → active)",
    description: "The server enters the Obot feed and the contracts of the tenants granted it. With dryRun, answers who would gain it.",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: statusChangeInput, optional: true },
    response: { status: 200, description: "The published server", schema: mcpServerResource },
    handle: async (req) => {
      const body = await readJsonBody(req.request, { optional: true });
      return accessChange(req, (db) => publishServer(db, req.change, req.params.name!, body), (server) => json(server));
    },
  },
  {
    method: "POST",
    path: `${base}/{name}/disable`,
    summary: "Disable a server: it leaves every feed",
    description: "With dryRun, answers who would lose it.",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: statusChangeInput, optional: true },
    response: { status: 200, description: "The disabled server", schema: mcpServerResource },
    handle: async (req) => {
      const body = await readJsonBody(req.request, { optional: true });
      return accessChange(req, (db) => disableServer(db, req.change, req.params.name!, body), (server) => json(server));
    },
  },
  {
    method: "GET",
    path: `${base}/{name}/obot-entry`,
    summary: "The Obot catalog entry the feed serves for this server once it is active",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The entry", schema: obotEntryResource },
    handle: async ({ services, params }) => {
      const server = await getServer(services.db, params.name!);
      if (!server.runtime) {
        throw new DomainError("CONFLICT", `server '${server.name}' has no runtime, so Obot cannot represent it yet`);
      }
      return json(obotEntryFor({ ...server, runtime: server.runtime }));
    },
  },
  {
    method: "GET",
    path: `${base}/{name}/registry-entry`,
    summary: "Whether the MCP Registry v0.1 view serves this server once it is active, and if not, why",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The server's standing in the view", schema: registryStandingResource },
    handle: async ({ services, params }) => {
      const server = await getServer(services.db, params.name!);
      return json(registryStandingOf(server, services.config.registryNamespace));
    },
  },
];
