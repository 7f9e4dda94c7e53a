/**
 * The state document as text: JSON, YAML, or a YAML stream of per-object documents. The same
 * functions write the export (REST, `oc state export`) and read what `oc apply` and
 * `POST /api/v1/state` are given, so a re-applied export is exactly what was exported.
 */
import YAML from "yaml";
import { DomainError } from "../errors";
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

/** The documents a text holds: a JSON value (an array is several documents) or a YAML stream (empty documents skipped). */
export function parseStateText(text: string, format: StateFormat, what = "the body"): unknown[] {
  if (format === "json") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DomainError("BAD_REQUEST", `${what} is not valid JSON: ${(error as Error).message}`);
    }
    return Array.isArray(value) ? value : [value];
  }
  const documents = YAML.parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const broken = list.find((d) => d.errors.length > 0);
  if (broken) throw new DomainError("BAD_REQUEST", `${what} is not valid YAML: ${broken.errors[0]!.message}`);
  return list.map((d) => d.toJS() as unknown).filter((value) => value !== null && value !== undefined);
}
