import { z } from "zod";
import * as state from "../application/state";
import { stateToText, stateToYamlStream } from "../formats/state-text";
import { OBJECT_KINDS } from "../state/model";
import { json } from "./http";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

const objects = (what: string) => z.array(z.looseObject({ name: z.string() })).meta({ description: what });

const stateDocumentResource = z
  .object({
    apiVersion: z.literal("opencrane.io/v1alpha1"),
    kind: z.literal("ControlPlaneState"),
    revision: z.number().int().meta({ description: "The catalog revision it was exported at: applying it refuses objects changed since (409) unless force" }),
    servers: objects("Servers as the API shows them, without server-owned fields (id, version, timestamps, source)"),
    tenants: objects("Tenants"),
    groups: objects("Groups with their members"),
    rules: objects("Access rules, by name"),
    sources: objects("Third-party sources"),
  })
  .meta({ id: "ControlPlaneState" });

const change = z.object({
  kind: z.enum(OBJECT_KINDS),
  name: z.string(),
  action: z.enum(["create", "update", "delete"]),
  fields: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })).optional(),
});

const changeSetResource = z
  .object({
    changeSet: z
      .string()
      .nullable()
      .optional()
      .meta({ description: "The id every audit event of this apply carries (null when nothing changed; absent in a dry run)" }),
    revision: z.number().int().optional().meta({ description: "The catalog revision after the apply (absent in a dry run)" }),
    changes: z.array(change),
    warnings: z.array(z.string()),
    impact: z.unknown().optional().meta({ description: "With dryRun: who gains and loses which server" }),
  })
  .meta({ id: "StateChangeSet" });

const wantsYaml = (request: Request) => /\b(application|text)\/(x-)?yaml\b/.test(request.headers.get("accept") ?? "");

export const stateRoutes: RestRoute[] = [
  useCaseRoute(state.exportStateUseCase, {
    method: "GET",
    path: "/api/v1/state",
    summary: "The whole desired state as one document: servers, tenants, groups, rules, sources",
    description:
      "JSON, or YAML with Accept: application/yaml (with stream=true, one YAML document per object). Apply it back with POST /api/v1/state: a re-applied export changes nothing.",
    response: { status: 200, description: "The state document", schema: stateDocumentResource },
    respond: (document, req) => {
      if (!wantsYaml(req.request)) return json(document);
      const stream = req.url.searchParams.get("stream");
      const text = stream === "true" || stream === "1" ? stateToYamlStream(document) : stateToText(document, "yaml");
      return new Response(text, { headers: { "Content-Type": "application/yaml; charset=utf-8" } });
    },
  }),
  useCaseRoute(state.applyStateUseCase, {
    method: "POST",
    path: "/api/v1/state",
    summary: "Apply a state document in one transaction (or, with dryRun, its change set and impact)",
    description:
      "The body is a ControlPlaneState document, or a stream of per-object documents, as JSON or YAML (Content-Type). Objects the document leaves out are deleted only with prune=true. An object changed since the document's revision is refused with 409 unless force=true. One revision, one audit change set.",
    body: { documents: true },
    response: { status: 200, description: "What changed, the new revision and the change set's id", schema: changeSetResource },
    errors: { 409: "An object the document changes was changed since its revision", 422: "An object is not valid: the field names the object and its field" },
  }),
];
