import * as tools from "../application/tools";
import { probeHeadersResource, serverToolsResource, toolDiscoveryResource, toolDriftEntryResource } from "./resources";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";
import { z } from "zod";

const base = "/api/v1/mcp-servers/{name}/tools";

export const toolRoutes: RestRoute[] = [
  useCaseRoute(tools.serverToolsUseCase, {
    method: "GET",
    path: base,
    summary: "A server's tools: the pinned manifest, the latest discovered one, and the drift between them",
    response: { status: 200, description: "The server's tools", schema: serverToolsResource },
  }),
  useCaseRoute(tools.discoverToolsUseCase, {
    method: "POST",
    path: `${base}/discover`,
    summary: "Discover the server's tools now",
    description:
      "A remote server at a fixed URL is probed with the MCP SDK (initialize and every page of tools/list, streamable HTTP falling back to SSE) through the SSRF guard, with its probe headers; another server's tools come from its ingested document's tool preview. The result becomes the latest manifest; a published server's difference from its pin is tool drift, held for review.",
    response: { status: 200, description: "The discovered manifest and its drift from the pin", schema: toolDiscoveryResource },
    errors: { 503: "The server could not be probed (unreachable, refused by the SSRF guard, timed out, or not an MCP server); or the database is unreachable" },
  }),
  useCaseRoute(tools.uploadToolsUseCase, {
    method: "POST",
    path: `${base}/upload`,
    summary: "Record the server's tools from an upload: the JSON that tools/list returns",
    body: "upload",
    bodyDescription: "A tools/list result ({tools: [...]}) or its array of tools",
    response: { status: 200, description: "The uploaded manifest and its drift from the pin", schema: toolDiscoveryResource },
  }),
  useCaseRoute(tools.toolSettingsUseCase, {
    method: "PUT",
    path: `${base}/settings`,
    summary: "Set how the server's tool drift is handled until approved",
    description: "hold-changed (default): new and changed tools are withheld, unchanged ones stay; suspend-server: the whole server is withheld.",
    body: "settings",
    response: { status: 200, description: "The server's tools", schema: serverToolsResource },
  }),
  useCaseRoute(tools.probeHeadersUseCase, {
    method: "PATCH",
    path: `${base}/probe-headers`,
    summary: "Set or remove headers sent when probing the server (write-only secrets)",
    description: "Names not mentioned keep their value; null removes a header. No read ever returns a value, only the names that are set.",
    body: "probeHeaders",
    response: { status: 200, description: "The names of the headers now set", schema: probeHeadersResource },
  }),
  useCaseRoute(tools.toolDriftQueueUseCase, {
    method: "GET",
    path: "/api/v1/review/tool-drift",
    summary: "Servers whose tools changed since they were pinned, with the diff and the scan's findings",
    response: { status: 200, description: "Tool drift awaiting review, oldest first", schema: z.array(toolDriftEntryResource) },
  }),
  useCaseRoute(tools.approveToolDriftUseCase, {
    method: "POST",
    path: "/api/v1/review/tool-drift/{server}/approve",
    summary: "Approve a server's tool drift: its latest tools are pinned",
    body: "review",
    optionalBody: true,
    response: { status: 200, description: "The server's tools, re-pinned", schema: serverToolsResource },
  }),
  useCaseRoute(tools.rejectToolDriftUseCase, {
    method: "POST",
    path: "/api/v1/review/tool-drift/{server}/reject",
    summary: "Reject a server's tool drift: the pin stays, new and changed tools stay withheld",
    body: "review",
    optionalBody: true,
    response: { status: 200, description: "The server's tools", schema: serverToolsResource },
  }),
];
