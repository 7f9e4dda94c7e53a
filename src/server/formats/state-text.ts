/**
 * The state document as text: JSON, YAML, or a YAML stream of per-object documents. The same
 * functions write the export (REST, `oc state export`) and read what `oc apply` and
 * `POST /api/v1/state` are given, so a re-applied export is exactly what was exported.
 */
import YAML from "yaml";
import { DomainError } from "../errors";
import { parseJsonText, parseYamlDocuments } from "../util/nesting";
import { objectDocuments, type StateDocument } from "../state/model";

export type StateFormat = "json" | "yaml";

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

export function stateToText(document: StateDocument, format: StateFormat): string {
  return format === "json" ? `${JSON.stringify(document, null, 2)}\n` : YAML.stringify(document, YAML_OPTIONS);
}

/** Every object as its own YAML document (`kind: McpServer`, `kind: Rule`, …), one stream. */
export function stateToYamlStream(document: StateDocument): string {
  return objectDocuments(document)
    .map((d) => `---\n${YAML.stringify(d.document, YAML_OPTIONS)}`)
    .join("");
}

/** The file of one object in a repository that holds one file per object: `rules/platform-github.yaml`. */
export function objectFiles(document: StateDocument): { path: string; text: string }[] {
  return objectDocuments(document).map((d) => ({ path: `${d.kind}s/${d.name}.yaml`, text: YAML.stringify(d.document, YAML_OPTIONS) }));
}

/**
 * The documents a text holds: a JSON value (an array is several documents) or a YAML stream (empty
 * documents skipped). Text nested deeper than real documents go, a YAML alias that contains itself
 * and an alias bomb are the sender's mistake (400), as in an import.
 */
export function parseStateText(text: string, format: StateFormat, what = "the body"): unknown[] {
  try {
    if (format === "json") {
      const value = parseJsonText(text, what);
      return Array.isArray(value) ? value : [value];
    }
    return parseYamlDocuments(text, what);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError("BAD_REQUEST", `${what} is not valid ${format === "json" ? "JSON" : "YAML"}: ${(error as Error).message}`);
  }
}
