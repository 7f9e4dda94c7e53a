/**
 * MINIMAL (tool-rules branch): a server's effective tools as the policy compiler takes them
 * (`PolicyServer.tools`), from its tool governance state. The tool-governance branch owns the real
 * loader; reconcile at merge.
 */
import { effectiveTools, type ToolGovernanceState } from "../tools/effective";
import type { PolicyTool } from "./compile";

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The tools a server may expose, with the read-only flag of their pinned definitions, in byte order; null when none is known. */
export function policyToolsOf(state: ToolGovernanceState | undefined): PolicyTool[] | null {
  if (!state) return null;
  const { tools } = effectiveTools(state);
  if (!tools) return null;
  const pinned = new Map((state.pinned?.tools ?? []).map((t) => [t.name, t]));
  return tools
    .map((t) => {
      const annotations = pinned.get(t.name)?.definition.annotations as { readOnlyHint?: unknown } | undefined;
      return { name: t.name, readOnly: annotations?.readOnlyHint === true };
    })
    .sort((a, b) => byteOrder(a.name, b.name));
}

export function samePolicyTools(a: readonly PolicyTool[] | null, b: readonly PolicyTool[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((t, i) => t.name === b[i]!.name && t.readOnly === b[i]!.readOnly);
}
