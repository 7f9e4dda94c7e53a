import fs from "node:fs";
import path from "node:path";
import type { PolicyInput } from "@/server/policy/compile";
import type { Subject } from "@/server/policy/model";
import { policyServerOf } from "@/server/policy/store";
import { buildManifest } from "@/server/tools/digest";
import { governedToolsOf, type GovernedTools } from "@/server/tools/governed";
import type { OnToolDrift, RawTool } from "@/server/tools/model";
import { REPO_ROOT } from "./env";

export interface DecisionCase {
  name: string;
  input: PolicyInput;
  expect: Record<string, Record<string, { decision: "allow" | "deny" | "not-published"; tier: number }>>;
  /** The governed tools of the servers that have tool manifests in the case, by server name. */
  tools: ReadonlyMap<string, GovernedTools>;
  /** Per tenant, server and tool: whether the contract and the shell library enable it. */
  expectTools: Record<string, Record<string, Record<string, boolean>>>;
}

interface RawToolState {
  pinned: RawTool[] | null;
  latest: RawTool[] | null;
  onToolDrift: OnToolDrift;
}

interface RawCase {
  name: string;
  servers: PolicyInput["servers"];
  tenants: PolicyInput["tenants"];
  groups: PolicyInput["groups"];
  rules: { id: string; subject: Subject; servers: string; access: "allow" | "deny"; expiresAt: string | null }[];
  expect: DecisionCase["expect"];
  toolStates?: Record<string, RawToolState>;
  expectTools?: DecisionCase["expectTools"];
}

const manifestOf = (tools: RawTool[] | null) => (tools ? buildManifest(tools, "upload", "decision-cases", new Date(0)) : null);

export const DECISION_CASES_FILE = path.join(REPO_ROOT, "pod", "decision-cases.json");

/** The one table of decision cases that the compiler and the shell library are both tested against. */
export function decisionCases(): { now: Date; cases: DecisionCase[] } {
  const doc = JSON.parse(fs.readFileSync(DECISION_CASES_FILE, "utf8")) as { now: string; cases: RawCase[] };
  return {
    now: new Date(doc.now),
    cases: doc.cases.map((c) => {
      const tools = new Map(
        Object.entries(c.toolStates ?? {}).map(([server, state]) => [
          server,
          governedToolsOf({ pinned: manifestOf(state.pinned), latest: manifestOf(state.latest), onToolDrift: state.onToolDrift }),
        ]),
      );
      return {
        name: c.name,
        expect: c.expect,
        tools,
        expectTools: c.expectTools ?? {},
        input: {
          // As the snapshot gives them to the compiler: with their governed tools, a suspended server as not published.
          servers: c.servers.map((s) => (tools.has(s.name) ? policyServerOf({ ...s, ownerTenant: s.ownerTenant ?? null }, tools.get(s.name)!) : s)),
          tenants: c.tenants,
          groups: c.groups,
          rules: c.rules.map((r) => ({ ...r, expiresAt: r.expiresAt ? new Date(r.expiresAt) : null })),
        },
      };
    }),
  };
}
