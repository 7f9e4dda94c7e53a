/**
 * Digests of tools and manifests (DESIGN §11):
 * - a tool's `sha256` is the SHA-256 (hex) of the RFC 8785 canonical JSON of the tool object
 *   exactly as `tools/list` returned it, without its `_meta` member;
 * - a manifest's `digest` is the SHA-256 (hex) of its tools' `name:sha256` lines, sorted (by
 *   UTF-16 code units), joined by "\n" (no trailing newline), UTF-8 encoded. No tools: the
 *   digest of the empty string.
 */
import { createHash } from "node:crypto";
import { DomainError } from "../errors";
import { canonicalJson } from "./canonical-json";
import { MAX_TOOLS, type ManifestSource, type ManifestTool, type RawTool, type ToolManifest } from "./model";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The definition a digest covers: the tool as sent, less `_meta`. */
export function definitionOf(tool: RawTool): Record<string, unknown> {
  const { _meta: _ignored, ...definition } = tool as Record<string, unknown>;
  return definition;
}

export const toolDigest = (tool: RawTool): string => sha256(canonicalJson(definitionOf(tool)));

export function manifestDigest(tools: readonly { name: string; sha256: string }[]): string {
  return sha256(
    tools
      .map((t) => `${t.name}:${t.sha256}`)
      .sort()
      .join("\n"),
  );
}

/** A manifest of the tools given; refuses two tools of one name, which no client could tell apart. */
export function buildManifest(tools: readonly RawTool[], source: ManifestSource, discoveredBy: string, at = new Date()): ToolManifest {
  if (tools.length > MAX_TOOLS) throw new DomainError("VALIDATION_FAILED", `the server lists ${tools.length} tools, more than the ${MAX_TOOLS} allowed`);
  const seen = new Set<string>();
  const manifestTools: ManifestTool[] = [];
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new DomainError("VALIDATION_FAILED", `the tool list names '${tool.name}' twice`);
    seen.add(tool.name);
    let sha256: string;
    try {
      sha256 = toolDigest(tool);
    } catch (error) {
      // A number JSON cannot write (1e999 parses as Infinity): no canonical form, so no digest.
      throw new DomainError("VALIDATION_FAILED", `tool '${tool.name}' cannot be digested: ${(error as Error).message}`);
    }
    manifestTools.push({ name: tool.name, sha256, definition: definitionOf(tool) });
  }
  manifestTools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { digest: manifestDigest(manifestTools), source, discoveredAt: at.toISOString(), discoveredBy, tools: manifestTools };
}
