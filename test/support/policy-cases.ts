import fs from "node:fs";
import path from "node:path";
import type { PolicyInput } from "@/server/policy/compile";
import type { Subject } from "@/server/policy/model";
import { REPO_ROOT } from "./env";

export interface DecisionCase {
  name: string;
  input: PolicyInput;
  expect: Record<string, Record<string, { decision: "allow" | "deny" | "not-published"; tier: number }>>;
}

interface RawCase {
  name: string;
  servers: PolicyInput["servers"];
  tenants: PolicyInput["tenants"];
  groups: PolicyInput["groups"];
  rules: { id: string; subject: Subject; servers: string; access: "allow" | "deny"; expiresAt: string | null }[];
  expect: DecisionCase["expect"];
}

export const DECISION_CASES_FILE = path.join(REPO_ROOT, "pod", "decision-cases.json");

/** The one table of decision cases that the compiler and the shell library are both tested against. */
export function decisionCases(): { now: Date; cases: DecisionCase[] } {
  const doc = JSON.parse(fs.readFileSync(DECISION_CASES_FILE, "utf8")) as { now: string; cases: RawCase[] };
  return {
    now: new Date(doc.now),
    cases: doc.cases.map((c) => ({
      name: c.name,
      expect: c.expect,
      input: {
        servers: c.servers,
        tenants: c.tenants,
        groups: c.groups,
        rules: c.rules.map((r) => ({ ...r, expiresAt: r.expiresAt ? new Date(r.expiresAt) : null })),
      },
    })),
  };
}
