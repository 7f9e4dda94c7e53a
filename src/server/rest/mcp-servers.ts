import * as catalog from "../application/catalog";
import { previewServerStatus } from "../application/policy";
import {
  dryRunResource,
  importResultResource,
  mcpServerResource,
  obotEntryResource,
  registryStandingResource,
  serverBatchResultResource,
  serverPageResource,
} from "./resources";
import { json } from "./http";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

const base = "/api/v1/mcp-servers";

export const mcpServerRoutes: RestRoute[] = [
  useCaseRoute(catalog.listServersUseCase, {
    method: "GET",
    path: base,
    summary: "List servers",
    description: "Filters combine; status, transport, runtime and scope take comma-separated values. Pages by cursor.",
    response: { status: 200, description: "A page of servers", schema: serverPageResource },
  }),
  useCaseRoute(catalog.createServerUseCase, {
    body: { arguments: true },
    method: "POST",
    path: base,
    summary: "Create a draft server",
    response: { status: 201, description: "The server, as a draft", schema: mcpServerResource, headers: { Location: "The server's URL" } },
    respond: (server) => json(server, 201, { Location: `${base}/${server.name}` }),
  }),
  useCaseRoute(catalog.batchServersUseCase, {
    method: "POST",
    path: `${base}:batch`,
    summary: "Publish, disable or delete several servers at once",
    description:
      "One transaction: every server changes, or none does and the error names the first that refused (fieldErrors under names.<index>). Each server goes through the same checks and audit event as alone. With dryRun, answers who would gain or lose which server for the whole batch.",
    body: "batch",
    response: { status: 200, description: "The servers as the action left them", schema: serverBatchResultResource },
  }),
  useCaseRoute(catalog.importServersUseCase, {
    method: "POST",
    body: { documents: true },
    path: `${base}/import`,
    summary: "Import Obot catalog entries or server.json documents as draft servers",
    description:
      "Runs as an upload run of the 'uploads' source and answers when it is done. Changes to servers that are not drafts are staged for review; documents with critical scan findings are quarantined.",
    bodyDescription: "One document, a JSON array of them, or YAML with one document per `---`",
    response: { status: 200, description: "What happened to each document", schema: importResultResource },
    respond: (result) => json(result),
  }),
  useCaseRoute(catalog.getServerDetail, {
    method: "GET",
    path: `${base}/{name}`,
    summary: "Get a server",
    response: { status: 200, description: "The server", schema: mcpServerResource },
    respond: ({ server }) => json(server),
  }),
  useCaseRoute(catalog.updateServerUseCase, {
    method: "PATCH",
    path: `${base}/{name}`,
    summary: "Change a server",
    description:
      "Send the version you read: a change made since is refused with 409. Omitted fields keep their value; runtime is replaced whole. Renaming an active server needs confirmRename, because Obot treats it as a new server. A new scope can change who may use an active server: with dryRun, answers who would gain or lose it.",
    body: "patch",
    response: { status: 200, description: "The changed server", schema: mcpServerResource },
  }),
  useCaseRoute(catalog.deleteServerUseCase, {
    method: "DELETE",
    path: `${base}/{name}`,
    summary: "Delete a server that is not active",
    response: { status: 204, description: "Deleted" },
  }),
  useCaseRoute(catalog.publishServerUseCase, {
    method: "POST",
    path: `${base}/{name}/publish`,
    summary: "Publish a server (draft, degraded or disabled → active)",
    description: "The server enters the Obot feed and the contracts of the tenants granted it. With dryRun, answers who would gain it.",
    body: "statusChange",
    optionalBody: true,
    response: { status: 200, description: "The published server", schema: mcpServerResource },
  }),
  useCaseRoute(catalog.disableServerUseCase, {
    method: "POST",
    path: `${base}/{name}/disable`,
    summary: "Disable a server: it leaves every feed",
    description: "With dryRun, answers who would lose it.",
    body: "statusChange",
    optionalBody: true,
    response: { status: 200, description: "The disabled server", schema: mcpServerResource },
  }),
  useCaseRoute(previewServerStatus, {
    method: "POST",
    path: `${base}/{name}/status-preview`,
    summary: "Who would gain or lose the server if it were published (to=active) or disabled (to=disabled); nothing is written",
    description: "The console's preview before publishing or disabling: the same answer as publish or disable with dryRun=true.",
    response: { status: 200, description: "The impact preview and the server as it would be", schema: dryRunResource(mcpServerResource) },
  }),
  useCaseRoute(catalog.obotEntryUseCase, {
    method: "GET",
    path: `${base}/{name}/obot-entry`,
    summary: "The Obot catalog entry the feed serves for this server once it is active",
    response: { status: 200, description: "The entry", schema: obotEntryResource },
  }),
  useCaseRoute(catalog.registryEntryUseCase, {
    method: "GET",
    path: `${base}/{name}/registry-entry`,
    summary: "Whether the MCP Registry v0.1 view serves this server once it is active, and if not, why",
    response: { status: 200, description: "The server's standing in the view", schema: registryStandingResource },
  }),
];
