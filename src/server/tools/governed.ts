/**
 * What the feeds say about a server's tools (DESIGN §11): the Obot tool preview of its governed
 * tools (policy/tool-state.ts, re-exported here), so that a tool withheld by drift never appears
 * in it. Pure.
 */
import type { McpServer, ToolPreview } from "../catalog/model";
import type { GovernedTool, GovernedTools } from "../policy/tool-state";
import { toolDigest } from "./digest";
import type { RawTool } from "./model";

export { DESCRIPTION_MAX, governedToolsOf, oneLineDescription, UNGOVERNED, type GovernedTool, type GovernedTools } from "../policy/tool-state";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

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
