/**
 * Which of a server's tools may be exposed (DESIGN §11), from its pinned manifest, its latest
 * manifest and its `onToolDrift` setting, and what the consumers of the snapshot need of each:
 * the policy compiler, the contracts, TOOLS.md and the Obot feed read these, so that a tool
 * withheld by drift appears in none of them. Pure, and free of the tools module's dependencies
 * (discovery, ingestion's scanner), so that the policy can use it; `tools/effective.ts` and
 * `tools/governed.ts` re-export it.
 *
 * - Nothing pinned and nothing discovered: tool-level governance does not apply yet
 *   (`tools: null`); the server-level decision stands alone.
 * - No drift (latest absent or equal to the pin): every pinned tool.
 * - Drift with `hold-changed`: the pinned tools the latest manifest still has unchanged; new and
 *   changed tools are withheld until an admin approves the drift (which re-pins); removed tools
 *   are gone. Nothing pinned yet counts as drift in which every tool is new.
 * - Drift with `suspend-server`: no tool, and the server is suspended.
 */

/** A tool of a manifest: its digest and its definition as the server sent it (without `_meta`). */
interface StateTool {
  name: string;
  sha256: string;
  definition: Record<string, unknown>;
}

interface StateManifest {
  digest: string;
  tools: readonly StateTool[];
}

export interface ToolGovernanceState {
  pinned: StateManifest | null;
  latest: StateManifest | null;
  onToolDrift: "hold-changed" | "suspend-server";
}

export interface WithheldTool {
  name: string;
  reason: "added" | "changed";
}

export interface EffectiveTools {
  /** The tools that may be exposed, each with its pinned digest; null when no manifest is known. */
  tools: { name: string; sha256: string }[] | null;
  /** True when drift suspends the whole server. */
  suspended: boolean;
  withheld: WithheldTool[];
  removed: string[];
}

const exposed = (tools: readonly StateTool[]) => tools.map((t) => ({ name: t.name, sha256: t.sha256 }));

export function effectiveTools({ pinned, latest, onToolDrift }: ToolGovernanceState): EffectiveTools {
  if (!pinned && !latest) return { tools: null, suspended: false, withheld: [], removed: [] };
  if (pinned && (!latest || latest.digest === pinned.digest)) return { tools: exposed(pinned.tools), suspended: false, withheld: [], removed: [] };
  const current = latest!;
  const pinnedByName = new Map((pinned?.tools ?? []).map((t) => [t.name, t]));
  const latestNames = new Set(current.tools.map((t) => t.name));
  const unchanged = current.tools.filter((t) => pinnedByName.get(t.name)?.sha256 === t.sha256);
  const withheld: WithheldTool[] = current.tools
    .filter((t) => pinnedByName.get(t.name)?.sha256 !== t.sha256)
    .map((t) => ({ name: t.name, reason: pinnedByName.has(t.name) ? "changed" : "added" }));
  const removed = (pinned?.tools ?? []).filter((t) => !latestNames.has(t.name)).map((t) => t.name);
  if (onToolDrift === "suspend-server") return { tools: [], suspended: true, withheld, removed };
  return { tools: exposed(unchanged), suspended: false, withheld, removed };
}

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
