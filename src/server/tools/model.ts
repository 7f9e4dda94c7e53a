/**
 * Tool governance (DESIGN §11): the shapes of tool manifests, their drift and the per-server
 * settings, shared by the server, the API documentation and the console. Pure.
 */
import { z } from "zod";
import type { Finding } from "../ingest/scan";
import { pageArgs } from "../util/paging";

/** How a server's tool drift is handled until an admin approves it. */
export const ON_TOOL_DRIFT = ["hold-changed", "suspend-server"] as const;
export type OnToolDrift = (typeof ON_TOOL_DRIFT)[number];

/** Where a manifest came from: a live probe, the ingested document's tool preview, or an admin's upload. */
export const MANIFEST_SOURCES = ["probe", "document", "upload"] as const;
export type ManifestSource = (typeof MANIFEST_SOURCES)[number];

/** A tool as `tools/list` returned it: MCP fixes `name` and `inputSchema`; every other field is kept as sent. */
export const rawToolSchema = z.looseObject({
  name: z.string({ error: "a tool needs a name" }).min(1, "a tool needs a name").max(200, "a tool name is at most 200 characters"),
  inputSchema: z.looseObject({}).optional(),
});
export type RawTool = z.infer<typeof rawToolSchema>;

export const MAX_TOOLS = 1000;

/** What an admin uploads: a `tools/list` result (`{tools: [...]}`) or the bare array of tools. */
export const toolsUploadSchema = z.union([
  z.looseObject({ tools: z.array(rawToolSchema).max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`) }),
  z.array(rawToolSchema).max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`),
]);

/** A pinned or discovered tool: its digest and its definition as the server sent it (without `_meta`). */
export interface ManifestTool {
  name: string;
  sha256: string;
  definition: Record<string, unknown>;
}

export interface ToolManifest {
  /** SHA-256 (hex) of the tools' sorted `name:sha256` lines joined by "\n" (see digest.ts). */
  digest: string;
  source: ManifestSource;
  discoveredAt: string;
  discoveredBy: string;
  tools: ManifestTool[];
}

/** A tool as the API shows it. */
export interface ToolView {
  name: string;
  sha256: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface ToolChange {
  name: string;
  /** The definition's top-level fields that differ ("description", "inputSchema", "annotations", …). */
  fields: string[];
  /** Those fields' values in the pinned definition (absent: the field was not set). */
  before: Record<string, unknown>;
  /** And in the latest one. */
  after: Record<string, unknown>;
}

export interface ToolDrift {
  added: ToolView[];
  removed: ToolView[];
  changed: ToolChange[];
  findings: Finding[];
}

/** Per-server settings of tool governance, editable by editors. */
export const toolSettingsInput = z.object({
  onToolDrift: z.enum(ON_TOOL_DRIFT, { error: `onToolDrift must be one of ${ON_TOOL_DRIFT.join(", ")}` }),
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "accept",
  "connection",
  "transfer-encoding",
  "mcp-session-id",
  "mcp-protocol-version",
]);

/**
 * Headers sent with every probe of a server (an API key, say). Write-only: a read shows only
 * their names. `null` for a name removes that header; names not mentioned keep their value.
 */
export const probeHeadersInput = z.object({
  headers: z
    .record(
      z
        .string()
        .regex(HEADER_NAME, "a header name is letters, digits and !#$%&'*+.^_`|~-")
        .max(100)
        .refine((name) => !FORBIDDEN_HEADERS.has(name.toLowerCase()), "this header is set by the probe itself"),
      z
        .string()
        .max(8192, "a header value is at most 8192 characters")
        .refine((value) => !/[\r\n\0]/.test(value), "a header value cannot contain line breaks")
        // What every HTTP client sends as it is: a value it refuses would fail every probe, not this request.
        .refine((value) => /^[\t\x20-\x7e]*$/.test(value), "a header value is printable ASCII (letters, digits, punctuation, spaces, tabs)")
        .nullable(),
    )
    .superRefine((headers, ctx) => {
      const seen = new Map<string, string>();
      for (const name of Object.keys(headers)) {
        const other = seen.get(name.toLowerCase());
        if (other !== undefined) ctx.addIssue({ code: "custom", path: [name], message: `names the same header as '${other}': send it once` });
        else seen.set(name.toLowerCase(), name);
      }
    })
    .meta({ description: "Header name → value (null removes it)" }),
});

/** The review queue's tool drift, a page at a time (the console's list; GET /api/v1/tools/drift lists it whole). */
export const TOOL_DRIFT_SORTS = ["discovered", "server"] as const;
export const toolDriftPageInput = z.object({
  q: z.string().trim().max(200, "q must be at most 200 characters").optional().meta({ description: "Part of the server's name or display name" }),
  sort: z.enum(TOOL_DRIFT_SORTS, { error: `sort must be one of ${TOOL_DRIFT_SORTS.join(", ")}` }).default("discovered"),
  ...pageArgs,
  order: pageArgs.order.removeDefault().default("desc"),
});
export type ToolDriftPageInput = z.output<typeof toolDriftPageInput>;
