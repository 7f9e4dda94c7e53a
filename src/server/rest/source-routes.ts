import { z } from "zod";
import * as review from "../application/review";
import * as sources from "../application/sources";
import { json } from "./http";
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
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

const runQueued = (what: string) => ({
  status: 202,
  description: `${what}; follow it at the Location`,
  schema: queuedRunResource,
  headers: { Location: "The run's URL" },
});
const items = <T>(items: T) => json({ items });

export const sourceRoutes: RestRoute[] = [
  useCaseRoute(sources.listSourcesWithLastRun, {
    method: "GET",
    path: "/api/v1/sources",
    summary: "List sources with their status, last run and its counts",
    response: { status: 200, description: "Sources, by name", schema: sourceListResource },
    respond: items,
  }),
  useCaseRoute(sources.createSourceUseCase, {
    body: { arguments: true },
    method: "POST",
    path: "/api/v1/sources",
    summary: "Add a source; it waits for an admin's approval before it can sync",
    response: { status: 201, description: "The source, pending approval", schema: sourceResource, headers: { Location: "The source's URL" } },
    respond: (source) => json(source, 201, { Location: `/api/v1/sources/${source.name}` }),
  }),
  useCaseRoute(sources.uploadDocumentsUseCase, {
    method: "POST",
    body: { documents: true },
    path: "/api/v1/sources/upload",
    summary: "Upload documents as a run of an upload source",
    description: "The body holds Obot catalog entries or server.json documents. Answers at once; the run goes through the same pipeline as a registry sync.",
    response: runQueued("The run is queued"),
    respond: (run) => json({ runId: run.id, source: run.source }, 202, { Location: `/api/v1/sources/${run.source}/runs/${run.id}` }),
  }),
  useCaseRoute(sources.uploadDocumentsUseCase, {
    method: "POST",
    body: { documents: true },
    path: "/api/v1/sources/{name}/upload",
    params: { name: "source" },
    summary: "Upload documents as a run of this upload source (kind manual-upload)",
    description:
      "The body holds Obot catalog entries or server.json documents: JSON, YAML (one document per ---), or files of a multipart/form-data form. Answers at once; follow the run at the Location.",
    response: runQueued("The run is queued"),
    respond: (run) => json({ runId: run.id, source: run.source }, 202, { Location: `/api/v1/sources/${run.source}/runs/${run.id}` }),
  }),
  useCaseRoute(sources.getSourceUseCase, {
    method: "GET",
    path: "/api/v1/sources/{name}",
    summary: "A source",
    response: { status: 200, description: "The source", schema: sourceResource },
  }),
  useCaseRoute(sources.updateSourceUseCase, {
    method: "PATCH",
    path: "/api/v1/sources/{name}",
    summary: "Change a source; a new URL, ref or path needs approval again",
    body: "patch",
    response: { status: 200, description: "The changed source", schema: sourceResource },
  }),
  useCaseRoute(sources.deleteSourceUseCase, {
    method: "DELETE",
    path: "/api/v1/sources/{name}",
    summary: "Delete a source (the servers it registered stay)",
    response: { status: 204, description: "Deleted" },
  }),
  useCaseRoute(sources.approveSourceUseCase, {
    method: "POST",
    path: "/api/v1/sources/{name}/approve",
    summary: "Approve a source so it can sync",
    response: { status: 200, description: "The approved source", schema: sourceResource },
  }),
  useCaseRoute(sources.syncSourceUseCase, {
    method: "POST",
    path: "/api/v1/sources/{name}/sync",
    summary: "Queue a run of the source now (409 while one is queued or running)",
    response: runQueued("The run is queued"),
    respond: (run, req) => json({ runId: run.id }, 202, { Location: `/api/v1/sources/${req.params.name}/runs/${run.id}` }),
  }),
  useCaseRoute(sources.listRunsUseCase, {
    method: "GET",
    path: "/api/v1/sources/{name}/runs",
    summary: "The source's last 50 runs, newest first",
    response: { status: 200, description: "Runs", schema: z.object({ items: z.array(runResource) }) },
    respond: items,
  }),
  useCaseRoute(sources.getRunUseCase, {
    method: "GET",
    path: "/api/v1/sources/{name}/runs/{runId}",
    summary: "A run: status, stage, progress, counts, and every item's outcome with findings and errors",
    response: { status: 200, description: "The run", schema: runDetailResource },
  }),
  useCaseRoute(review.quarantinedUseCase, {
    method: "GET",
    path: "/api/v1/review/quarantined",
    summary: "Items held by a critical scan finding",
    response: { status: 200, description: "Quarantined items, oldest first", schema: z.object({ items: z.array(reviewItemResource) }) },
    respond: items,
  }),
  useCaseRoute(review.pendingUpdatesUseCase, {
    method: "GET",
    path: "/api/v1/review/pending-updates",
    summary: "Upstream changes to servers that are not drafts, with their field diff",
    response: { status: 200, description: "Staged updates, oldest first", schema: z.object({ items: z.array(reviewItemResource) }) },
    respond: items,
  }),
  useCaseRoute(review.releaseItemUseCase, {
    method: "POST",
    path: "/api/v1/review/items/{id}/release",
    summary: "Release a quarantined item: it is validated and registered",
    description: "Its critical finding is overridden: say why in review.reason, which the audit event keeps (the console asks for it).",
    body: "review",
    optionalBody: true,
    response: { status: 200, description: "What registering it did", schema: reviewOutcomeResource },
  }),
  useCaseRoute(review.rejectItemUseCase, {
    method: "POST",
    path: "/api/v1/review/items/{id}/reject",
    summary: "Reject a quarantined item",
    body: "review",
    optionalBody: true,
    response: { status: 200, description: "Rejected", schema: reviewOutcomeResource },
  }),
  useCaseRoute(review.decideItemsUseCase, {
    method: "POST",
    path: "/api/v1/review/items:batch",
    summary: "Release or reject several quarantined items at once",
    description:
      "One transaction: every item is decided, or none is and the error names the first that refused (fieldErrors under ids.<index>). With dryRun, answers who would gain or lose which server for the whole batch.",
    body: "batch",
    response: {
      status: 200,
      description: "What became of each item, in the order sent",
      schema: z
        .object({ action: z.enum(["release", "reject"]), items: z.array(reviewOutcomeResource.extend({ id: z.string() })) })
        .meta({ id: "ReviewBatchResult" }),
    },
  }),
  useCaseRoute(review.approveUpdateUseCase, {
    method: "POST",
    path: "/api/v1/review/items/{id}/approve-update",
    summary: "Apply a staged upstream update to its server",
    description:
      "An ordinary change of the server: send the server's version you reviewed (a change made since is refused with 409), confirmRename when it renames a published server for Obot, and takeUpstream for conflicting fields whose upstream value you take (the others keep the admin's value). With dryRun, answers who would gain or lose the server.",
    body: "approval",
    response: { status: 200, description: "The updated server", schema: mcpServerResource },
  }),
  useCaseRoute(review.rejectUpdateUseCase, {
    method: "POST",
    path: "/api/v1/review/items/{id}/reject-update",
    summary: "Discard a staged upstream update",
    body: "review",
    optionalBody: true,
    response: { status: 200, description: "Discarded", schema: reviewOutcomeResource },
  }),
];
