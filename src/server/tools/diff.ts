/**
 * Tool drift (DESIGN §11): what changed between the pinned manifest and the latest one, and what
 * the ingestion scan rules (§7) and the tool rules find in it. Pure.
 */
import { scanSubject, type Finding, type ScanSubject } from "../ingest/scan";
import { canonicalJson } from "./canonical-json";
import type { ManifestTool, ToolChange, ToolDrift, ToolManifest, ToolView } from "./model";

export const TOOL_RULES = {
  "tool-became-destructive": "high",
  "tool-no-longer-read-only": "high",
  "new-destructive-tool": "medium",
  "tool-removed": "medium",
  "tool-renamed": "medium",
} as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The tool as the API shows it. */
export function toolView(tool: ManifestTool): ToolView {
  const d = tool.definition;
  const view: ToolView = {
    name: tool.name,
    sha256: tool.sha256,
    description: typeof d.description === "string" ? d.description : "",
    inputSchema: isRecord(d.inputSchema) ? d.inputSchema : {},
  };
  if (typeof d.title === "string") view.title = d.title;
  if (isRecord(d.outputSchema)) view.outputSchema = d.outputSchema;
  if (isRecord(d.annotations)) view.annotations = d.annotations;
  return view;
}

const annotations = (tool: ManifestTool): Record<string, unknown> => (isRecord(tool.definition.annotations) ? tool.definition.annotations : {});

export const isReadOnly = (tool: ManifestTool) => annotations(tool).readOnlyHint === true;

/** MCP's reading of the hints: a tool that is not read-only may destroy, unless it says it does not. */
export const isDestructive = (tool: ManifestTool) => !isReadOnly(tool) && annotations(tool).destructiveHint !== false;

function changeOf(before: ManifestTool, after: ManifestTool): ToolChange | null {
  if (before.sha256 === after.sha256) return null;
  const keys = [...new Set([...Object.keys(before.definition), ...Object.keys(after.definition)])].sort();
  const fields = keys.filter((key) => canonicalJson(before.definition[key] ?? null) !== canonicalJson(after.definition[key] ?? null));
  const pick = (definition: Record<string, unknown>) => Object.fromEntries(fields.filter((f) => f in definition).map((f) => [f, definition[f]]));
  return { name: after.name, fields, before: pick(before.definition), after: pick(after.definition) };
}

/** Every text a model reads and every string value in a definition, for the scan rules. */
function subjectOf(tools: readonly ManifestTool[]): ScanSubject {
  const subject: ScanSubject = { name: "", publisher: "", texts: [], urls: [], args: [], values: [], packages: [], images: [] };
  const walk = (value: unknown, field: string, readByModel: boolean) => {
    if (typeof value === "string") {
      subject.values.push({ field, value });
      if (readByModel) subject.texts.push({ field, text: value });
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${field}[${i}]`, readByModel));
    else if (isRecord(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, `${field}.${key}`, readByModel || key === "description" || key === "title");
    }
  };
  for (const tool of tools) {
    const d = tool.definition;
    for (const [key, value] of Object.entries(d)) walk(value, `tools.${tool.name}.${key}`, key === "description" || key === "title" || key === "name");
  }
  return subject;
}

/** What the ingestion scan rules find in these tools' texts and values (prompt injection, invisible Unicode, secrets). */
export function scanTools(tools: readonly ManifestTool[]): Finding[] {
  return scanSubject(subjectOf(tools), { existing: [], denylist: [] });
}

const finding = (rule: keyof typeof TOOL_RULES, field: string, message: string): Finding => ({ rule, severity: TOOL_RULES[rule], field, message });

/** Pairs of a removed and an added tool whose definitions differ only in the name. */
function renames(removed: readonly ManifestTool[], added: readonly ManifestTool[]): [ManifestTool, ManifestTool][] {
  const body = (tool: ManifestTool) => canonicalJson({ ...tool.definition, name: null });
  const byBody = new Map(added.map((tool) => [body(tool), tool]));
  return removed.flatMap((tool) => {
    const match = byBody.get(body(tool));
    return match ? [[tool, match] as [ManifestTool, ManifestTool]] : [];
  });
}

/**
 * The drift from `pinned` (null: nothing pinned yet, so every tool is new) to `latest`, or null
 * when they are the same manifest.
 */
export function toolDrift(pinned: ToolManifest | null, latest: ToolManifest): ToolDrift | null {
  if (pinned && pinned.digest === latest.digest) return null;
  const before = new Map((pinned?.tools ?? []).map((t) => [t.name, t]));
  const after = new Map(latest.tools.map((t) => [t.name, t]));
  const added = latest.tools.filter((t) => !before.has(t.name));
  const removed = (pinned?.tools ?? []).filter((t) => !after.has(t.name));
  const changedPairs = latest.tools.flatMap((t) => {
    const old = before.get(t.name);
    const change = old ? changeOf(old, t) : null;
    return old && change ? [{ old, now: t, change }] : [];
  });

  const findings: Finding[] = scanTools([...added, ...changedPairs.map((p) => p.now)]);
  for (const { old, now } of changedPairs) {
    if (isReadOnly(old) && !isReadOnly(now)) {
      findings.push(finding("tool-no-longer-read-only", `tools.${now.name}.annotations`, `'${now.name}' was read-only and no longer says so`));
    }
    if (!isDestructive(old) && isDestructive(now)) {
      findings.push(finding("tool-became-destructive", `tools.${now.name}.annotations`, `'${now.name}' became destructive (it may now delete or overwrite)`));
    }
  }
  for (const tool of added) {
    if (isDestructive(tool)) {
      findings.push(
        finding("new-destructive-tool", `tools.${tool.name}`, `new tool '${tool.name}' may be destructive (it is not marked read-only or non-destructive)`),
      );
    }
  }
  const renamed = renames(removed, added);
  for (const [from, to] of renamed) findings.push(finding("tool-renamed", `tools.${from.name}`, `'${from.name}' was renamed to '${to.name}'`));
  for (const tool of removed) {
    if (!renamed.some(([from]) => from === tool)) findings.push(finding("tool-removed", `tools.${tool.name}`, `'${tool.name}' was removed`));
  }
  return { added: added.map(toolView), removed: removed.map(toolView), changed: changedPairs.map((p) => p.change), findings };
}
