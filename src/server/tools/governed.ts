/**
 * What every consumer of the snapshot says about a server's tools (DESIGN §11), from its tool
 * governance state: the effective tools (effective.ts) with their pinned definitions, which the
 * policy compiler, the contracts, TOOLS.md and the Obot feed all read, so that a tool withheld
 * by drift appears in none of them. Pure.
 */
import type { McpServer, ToolPreview } from "../catalog/model";
import { toolDigest } from "./digest";
import { effectiveTools, type ToolGovernanceState } from "./effective";
import type { RawTool } from "./model";

/** A tool a server may expose: pinned, and not withheld by drift. */
export interface GovernedTool {
  name: string;
  /** Its pinned digest. */
  sha256: string;
  /** The pinned definition's description on one line (whitespace collapsed, at most DESCRIPTION_MAX characters). */
  description: string;
  /** The pinned definition's `annotations.readOnlyHint === true`. */
  readOnly: boolean;
  /** The pinned definition, as the server sent it (without `_meta`). */
  definition: Readonly<Record<string, unknown>>;
}

export interface GovernedTools {
  /** The tools the server may expose, in byte order; null when no manifest is known (tool governance does not apply yet). */
  tools: readonly GovernedTool[] | null;
  /** Drift with `onToolDrift: suspend-server`: the server is unusable until an admin approves it. */
  suspended: boolean;
}

export const UNGOVERNED: GovernedTools = Object.freeze({ tools: null, suspended: false });

export const DESCRIPTION_MAX = 200;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A description on one line, bounded: what TOOLS.md says about a tool. */
export function oneLineDescription(description: unknown): string {
  if (typeof description !== "string") return "";
  const line = description.replace(/\s+/g, " ").trim();
  return line.length <= DESCRIPTION_MAX ? line : `${line.slice(0, DESCRIPTION_MAX - 1).trimEnd()}…`;
}

/** The server's governed tools, from its pinned and latest manifests and its onToolDrift setting (no state: ungoverned). */
export function governedToolsOf(state: ToolGovernanceState | undefined): GovernedTools {
  if (!state) return UNGOVERNED;
  const effective = effectiveTools(state);
  if (effective.tools === null) return UNGOVERNED;
  // Every effective tool carries its pinned digest: its definition is the pinned one.
  const pinned = new Map((state.pinned?.tools ?? []).map((t) => [t.name, t]));
  const tools = effective.tools
    .map(({ name, sha256 }): GovernedTool => {
      const definition = pinned.get(name)!.definition;
      const annotations = definition.annotations;
      return {
        name,
        sha256,
        description: oneLineDescription(definition.description),
        readOnly: isRecord(annotations) && annotations.readOnlyHint === true,
        definition,
      };
    })
    .sort((a, b) => byteOrder(a.name, b.name));
  return { tools, suspended: effective.suspended };
}

/** An Obot tool preview as a tool: its params become string properties of the input schema. */
export function toolOfPreview(preview: ToolPreview): RawTool {
  const properties = Object.fromEntries(Object.entries(preview.params ?? {}).map(([param, description]) => [param, { type: "string", description }]));
  return { name: preview.name, description: preview.description ?? "", inputSchema: { type: "object", properties } };
}

/** A pinned tool in Obot's tool preview shape: `name`, `description`, and `params` from its input schema's property descriptions. */
export function previewOfTool(tool: GovernedTool): ToolPreview {
  const preview: ToolPreview = { name: tool.name };
  if (typeof tool.definition.description === "string" && tool.definition.description !== "") preview.description = tool.definition.description;
  const schema = tool.definition.inputSchema;
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const params = Object.entries(properties).map(([param, property]) => {
    const description = isRecord(property) && typeof property.description === "string" ? property.description : "";
    return [param, description] as const;
  });
  if (params.length > 0) preview.params = Object.fromEntries(params);
  return preview;
}

/**
 * The Obot tool preview of a governed server: its effective tools. A stored preview entry that is
 * exactly what was pinned for its tool (a document manifest made from it) is served as stored, in
 * its order, so an imported entry comes back equal; other effective tools follow in byte order,
 * from their pinned definitions. With no manifest known, the stored preview stands.
 */
export function governedToolPreview(stored: readonly ToolPreview[], governed: GovernedTools): ToolPreview[] {
  if (governed.tools === null) return [...stored];
  const byName = new Map(governed.tools.map((t) => [t.name, t]));
  const kept: ToolPreview[] = [];
  const covered = new Set<string>();
  for (const entry of stored) {
    const tool = byName.get(entry.name);
    if (!tool || covered.has(entry.name) || toolDigest(toolOfPreview(entry)) !== tool.sha256) continue;
    kept.push(entry);
    covered.add(entry.name);
  }
  return [...kept, ...governed.tools.filter((t) => !covered.has(t.name)).map(previewOfTool)];
}

/**
 * The server as the feeds describe it: its tool preview is the governed one. The same object when
 * nothing changes (no manifest known, or the stored preview is exactly the governed one).
 */
export function servedServer(server: McpServer, governed: GovernedTools): McpServer {
  if (governed.tools === null) return server;
  const toolPreview = governedToolPreview(server.toolPreview, governed);
  const same = toolPreview.length === server.toolPreview.length && toolPreview.every((t, i) => t === server.toolPreview[i]);
  return same ? server : { ...server, toolPreview };
}
