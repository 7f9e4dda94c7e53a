/**
 * Which of a server's tools may be exposed (DESIGN §11), from its pinned manifest, its latest
 * manifest and its `onToolDrift` setting. Pure: the policy compiler and the contract renderer
 * call it for every active server.
 *
 * - Nothing pinned and nothing discovered: tool-level governance does not apply yet
 *   (`tools: null`); the server-level decision stands alone.
 * - No drift (latest absent or equal to the pin): every pinned tool.
 * - Drift with `hold-changed`: the pinned tools the latest manifest still has unchanged; new and
 *   changed tools are withheld until an admin approves the drift (which re-pins); removed tools
 *   are gone. Nothing pinned yet counts as drift in which every tool is new.
 * - Drift with `suspend-server`: no tool, and the server is suspended.
 */
import type { ManifestTool, OnToolDrift, ToolManifest } from "./model";

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

export interface ToolGovernanceState {
  pinned: Pick<ToolManifest, "digest" | "tools"> | null;
  latest: Pick<ToolManifest, "digest" | "tools"> | null;
  onToolDrift: OnToolDrift;
}

const exposed = (tools: readonly ManifestTool[]) => tools.map((t) => ({ name: t.name, sha256: t.sha256 }));

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
