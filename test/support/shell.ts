import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { IN_CI, REPO_ROOT } from "./env";

export const POD_LIBRARY = path.join(REPO_ROOT, "pod", "mcp-policy.sh");

/** The shells the library is tested under; dash is Debian's /bin/sh. Both are required in CI. */
export const SHELLS = ["dash", "bash"].filter((shell) => {
  try {
    execFileSync(shell, ["-c", "exit 0"]);
    return true;
  } catch {
    if (IN_CI) throw new Error(`CI=true but ${shell} is missing: the in-pod library must be tested under dash and bash`);
    return false;
  }
});

/**
 * Runs the in-pod library against a contract file and the tenant's overrides, and returns its
 * decision ("allow 5", "deny 2", …) for each name, in one shell process.
 */
export function shellDecisions(
  shell: string,
  contract: string,
  overrides: { allow: readonly string[]; deny: readonly string[] },
  names: readonly string[],
): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-policy-"));
  try {
    const file = path.join(dir, "contract.json");
    fs.writeFileSync(file, contract);
    // A file named like a glob in the working directory must not change anything (set -f).
    fs.writeFileSync(path.join(dir, "github-decoy"), "");
    const script = `. "$1"; _load_mcp_policy "$2" || exit 3; shift 2; for n in "$@"; do printf '%s %s\\n' "$n" "$(_mcp_server_decision "$n")"; done`;
    const out = execFileSync(shell, ["-c", script, "sh", POD_LIBRARY, file, ...names], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, OPENCRANE_TENANT_MCP_ALLOW: overrides.allow.join(","), OPENCRANE_TENANT_MCP_DENY: overrides.deny.join(",") },
    });
    return Object.fromEntries(
      out
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [name, ...decision] = line.split(" ");
          return [name!, decision.join(" ")];
        }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the in-pod library's tool functions against a contract file and the tenant's overrides:
 * for each [server, tool], whether `_mcp_tool_is_enabled` enables it and what `_mcp_tool_digest`
 * prints (null when it fails), in one shell process.
 */
export function shellToolAnswers(
  shell: string,
  contract: string,
  overrides: { allow: readonly string[]; deny: readonly string[] },
  pairs: readonly (readonly [string, string])[],
): { enabled: boolean; digest: string | null }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-policy-"));
  try {
    const file = path.join(dir, "contract.json");
    fs.writeFileSync(file, contract);
    const script = `. "$1"; _load_mcp_policy "$2" || exit 3; shift 2; while [ $# -gt 0 ]; do if _mcp_tool_is_enabled "$1" "$2"; then e=1; else e=0; fi; d=$(_mcp_tool_digest "$1" "$2") || d=-; printf '%s %s\\n' "$e" "$d"; shift 2; done`;
    const out = execFileSync(shell, ["-c", script, "sh", POD_LIBRARY, file, ...pairs.flat()], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, OPENCRANE_TENANT_MCP_ALLOW: overrides.allow.join(","), OPENCRANE_TENANT_MCP_DENY: overrides.deny.join(",") },
    });
    const lines = out.split("\n").filter(Boolean);
    if (lines.length !== pairs.length) throw new Error(`the library answered ${lines.length} lines for ${pairs.length} tools: ${out}`);
    return lines.map((line) => {
      const [enabled, digest] = line.split(" ");
      return { enabled: enabled === "1", digest: digest === "-" || !digest ? null : digest };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
