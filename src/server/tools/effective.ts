/**
 * Which of a server's tools may be exposed (DESIGN §11): effectiveTools lives with the policy
 * (policy/tool-state.ts), which every consumer of the snapshot reads; re-exported here for the
 * tools module.
 */
export { effectiveTools, type EffectiveTools, type ToolGovernanceState, type WithheldTool } from "../policy/tool-state";
