/**
 * MINIMAL (tool-rules branch): each server's effective tools as the policy compiler takes them
 * (`PolicyServer.tools`), from a `server_tools` row (policy/store.ts loadPolicyTools reads them). The tool-governance branch owns the real
 * loader; reconcile at merge. The policy folder may not import tools/ (folder cycle through
 * ingest/), so the exposure rule of tools/effective.ts (`effectiveTools`) is restated here:
 * pinned tools, less those a drifted latest manifest changed or removed; none when drift suspends
 * the server or nothing is pinned yet; null when no manifest is known.
 */
import type { PolicyTool } from "./compile";

type Manifest = { digest: string; tools: { name: string; sha256: string; definition: Record<string, unknown> }[] };

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface ToolRow {
  pinned: Manifest | null;
  latest: Manifest | null;
  onToolDrift: string;
}

/** The tools a server may expose, with the read-only flag of their pinned definitions, in byte order; null when none is known. */
export function policyToolsOf(row: ToolRow | undefined): PolicyTool[] | null {
  if (!row || (!row.pinned && !row.latest)) return null;
  const { pinned, latest } = row;
  let exposed = pinned?.tools ?? [];
  if (!pinned || (latest && latest.digest !== pinned.digest)) {
    if (row.onToolDrift === "suspend-server") return [];
    const unchanged = new Set((latest?.tools ?? []).map((t) => `${t.name}\u0000${t.sha256}`));
    exposed = exposed.filter((t) => unchanged.has(`${t.name}\u0000${t.sha256}`));
  }
  return exposed
    .map((t) => ({ name: t.name, readOnly: (t.definition.annotations as { readOnlyHint?: unknown } | undefined)?.readOnlyHint === true }))
    .sort((a, b) => byteOrder(a.name, b.name));
}

export function samePolicyTools(a: readonly PolicyTool[] | null, b: readonly PolicyTool[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((t, i) => t.name === b[i]!.name && t.readOnly === b[i]!.readOnly);
}
