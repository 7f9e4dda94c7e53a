import { z } from "zod";
import { importBodySchema, parseImportBody } from "../formats/import";
import { approveUpdate, approveUpdateInput, rejectItem, rejectUpdate, releaseItem, reviewQueue, reviewReasonInput } from "../ingest/review";
import { getRun, lastRunsBySource, listRuns, queueRun } from "../ingest/runs";
import { approveSource, createSource, deleteSource, getSource, listSources, sourceCreateInput, sourceUpdateInput, updateSource } from "../ingest/sources";
import { uploadDocuments } from "../ingest/upload";
import { accessChange } from "./dry-run";
import { json, readBodyText, readJsonBody } from "./http";
import {
  mcpServerResource,
  queuedRunResource,
  reviewItemResource,
  reviewOutcomeResource,
  runDetailResource,
  runResource,
  sourceListResource,
  sourceResource,
} from "./resources";
import { route, type RestRoute } from "./router";

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const bySource = z.object({
  source: z.string().trim().max(63).optional().meta({ description: "Only items from this source" }),
});
const uploadQuery = z.object({
  source: z.string().trim().max(63).optional().meta({ description: "The upload source to run as (default 'uploads'); it must be of kind manual-upload" }),
});
const runQueued = (what: string) => ({
  status: 202,
  description: `${what}; follow it at the Location`,
  schema: queuedRunResource,
  headers: { Location: "The run's URL" },
});

export const sourceRoutes: RestRoute[] = [
  {
    method: "GET",
    path: "/api/v1/sources",
    summary: "List sources with their status, last run and its counts",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "Sources, by name", schema: sourceListResource },
    handle: async ({ services }) => {
      const [sources, lastRuns] = await Promise.all([listSources(services.db), lastRunsBySource(services.db)]);
      return json({ items: sources.map((s) => ({ ...s, lastRun: lastRuns.get(s.name) ?? null })) });
    },
  },
  {
    method: "POST",
    path: "/api/v1/sources",
    summary: "Add a source; it waits for an admin's approval before it can sync",
    role: "editor",
    mutates: false,
    body: { schema: sourceCreateInput },
    response: { status: 201, description: "The source, pending approval", schema: sourceResource, headers: { Location: "The source's URL" } },
    handle: async ({ services, request, change }) => {
      const source = await createSource(services.db, change, await readJsonBody(request));
      return json(source, 201, { Location: `/api/v1/sources/${source.name}` });
    },
  },
  route({
    method: "POST",
    path: "/api/v1/sources/upload",
    summary: "Upload documents as a run of an upload source",
    description: "The body holds Obot catalog entries or server.json documents. Answers at once; the run goes through the same pipeline as a registry sync.",
    role: "editor",
    mutates: false,
    query: uploadQuery,
    body: { schema: importBodySchema, contentTypes: ["application/json", "application/yaml"] },
    response: runQueued("The run is queued"),
    handle: async ({ services, request, change, query }) => {
      const documents = parseImportBody(await readBodyText(request, MAX_UPLOAD_BYTES), request.headers.get("content-type") ?? "");
      const run = await uploadDocuments(services.db, change, documents, query.source);
      services.ingestion.kick();
      return json({ runId: run.id, source: run.source }, 202, { Location: `/api/v1/sources/${run.source}/runs/${run.id}` });
    },
  }),
  {
    method: "GET",
    path: "/api/v1/sources/{name}",
    summary: "A source",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The source", schema: sourceResource },
    handle: async ({ services, params }) => json(await getSource(services.db, params.name!)),
  },
  {
    method: "PATCH",
    path: "/api/v1/sources/{name}",
    summary: "Change a source; a new URL, ref or path needs approval again",
    role: "editor",
    mutates: false,
    body: { schema: sourceUpdateInput },
    response: { status: 200, description: "The changed source", schema: sourceResource },
    handle: async ({ services, params, request, change }) => json(await updateSource(services.db, change, params.name!, await readJsonBody(request))),
  },
  {
    method: "DELETE",
    path: "/api/v1/sources/{name}",
    summary: "Delete a source (the servers it registered stay)",
    role: "editor",
    mutates: false,
    response: { status: 204, description: "Deleted" },
    handle: async ({ services, params, change }) => {
      await deleteSource(services.db, change, params.name!);
      return new Response(null, { status: 204 });
    },
  },
  {
    method: "POST",
    path: "/api/v1/sources/{name}/approve",
    summary: "Approve a source so it can sync",
    role: "admin",
    mutates: false,
    response: { status: 200, description: "The approved source", schema: sourceResource },
    handle: async ({ services, params, change }) => json(await approveSource(services.db, change, params.name!)),
  },
  {
    method: "POST",
    path: "/api/v1/sources/{name}/sync",
    summary: "Queue a run of the source now (409 while one is queued or running)",
    role: "editor",
    mutates: false,
    response: runQueued("The run is queued"),
    handle: async ({ services, params, change }) => {
      const run = await queueRun(services.db, change, params.name!, "manual");
      services.ingestion.kick();
      return json({ runId: run.id }, 202, { Location: `/api/v1/sources/${params.name}/runs/${run.id}` });
    },
  },
  {
    method: "GET",
    path: "/api/v1/sources/{name}/runs",
    summary: "The source's last 50 runs, newest first",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "Runs", schema: z.object({ items: z.array(runResource) }) },
    handle: async ({ services, params }) => json({ items: await listRuns(services.db, params.name!) }),
  },
  {
    method: "GET",
    path: "/api/v1/sources/{name}/runs/{runId}",
    summary: "A run: status, stage, progress, counts, and every item's outcome with findings and errors",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The run", schema: runDetailResource },
    handle: async ({ services, params }) => json(await getRun(services.db, params.name!, params.runId!)),
  },
  route({
    method: "GET",
    path: "/api/v1/review/quarantined",
    summary: "Items held by a critical scan finding",
    role: "viewer",
    mutates: false,
    query: bySource,
    response: { status: 200, description: "Quarantined items, oldest first", schema: z.object({ items: z.array(reviewItemResource) }) },
    handle: async ({ services, query }) => json({ items: await reviewQueue(services.db, "quarantined", query.source) }),
  }),
  route({
    method: "GET",
    path: "/api/v1/review/pending-updates",
    summary: "Upstream changes to servers that are not drafts, with their field diff",
    role: "viewer",
    mutates: false,
    query: bySource,
    response: { status: 200, description: "Staged updates, oldest first", schema: z.object({ items: z.array(reviewItemResource) }) },
    handle: async ({ services, query }) => json({ items: await reviewQueue(services.db, "pending-update", query.source) }),
  }),
  {
    method: "POST",
    path: "/api/v1/review/items/{id}/release",
    summary: "Release a quarantined item: it is validated and registered",
    role: "admin",
    mutates: true,
    response: { status: 200, description: "What registering it did", schema: reviewOutcomeResource },
    handle: async ({ services, params, change }) => json(await releaseItem(services.db, change, params.id!)),
  },
  {
    method: "POST",
    path: "/api/v1/review/items/{id}/reject",
    summary: "Reject a quarantined item",
    role: "admin",
    mutates: false,
    body: { schema: reviewReasonInput, optional: true },
    response: { status: 200, description: "Rejected", schema: reviewOutcomeResource },
    handle: async ({ services, params, change, request }) =>
      json(await rejectItem(services.db, change, params.id!, await readJsonBody(request, { optional: true }))),
  },
  {
    method: "POST",
    path: "/api/v1/review/items/{id}/approve-update",
    summary: "Apply a staged upstream update to its server",
    description:
      "An ordinary change of the server: send the server's version you reviewed (a change made since is refused with 409), confirmRename when it renames a published server for Obot, and takeUpstream for conflicting fields whose upstream value you take (the others keep the admin's value). With dryRun, answers who would gain or lose the server.",
    role: "admin",
    mutates: true,
    dryRun: true,
    body: { schema: approveUpdateInput },
    response: { status: 200, description: "The updated server", schema: mcpServerResource },
    handle: async (req) => {
      const body = await readJsonBody(req.request);
      return accessChange(req, (db) => approveUpdate(db, req.change, req.params.id!, body), (server) => json(server));
    },
  },
  {
    method: "POST",
    path: "/api/v1/review/items/{id}/reject-update",
    summary: "Discard a staged upstream update",
    role: "admin",
    mutates: false,
    body: { schema: reviewReasonInput, optional: true },
    response: { status: 200, description: "Discarded", schema: reviewOutcomeResource },
    handle: async ({ services, params, change, request }) =>
      json(await rejectUpdate(services.db, change, params.id!, await readJsonBody(request, { optional: true }))),
  },
];
