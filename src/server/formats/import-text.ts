/**
 * Documents to import as text, the way the console pastes them and a REST body carries them:
 * JSON, or YAML with one document per `---`. The edges name the format; parseImportBody reads it.
 */
import { DomainError } from "../errors";
import { parseImportBody } from "./import";
import type { ImportFormat, ImportTextInput } from "../catalog/model";

export { IMPORT_FORMATS, importTextInput, MAX_IMPORT_BYTES, type ImportFormat, type ImportTextInput } from "../catalog/model";

const MEDIA_TYPE: Record<ImportFormat, string> = { json: "application/json", yaml: "application/yaml" };
const YAML_MEDIA_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

/** The documents the text holds. */
export function parseImportText({ text, format }: Pick<ImportTextInput, "text" | "format">): unknown[] {
  return parseImportBody(text, MEDIA_TYPE[format]);
}

/** The format of a request body by its Content-Type; other types are refused (415). */
export function importFormatOf(contentType: string): ImportFormat {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (YAML_MEDIA_TYPES.includes(type)) return "yaml";
  throw new DomainError("UNSUPPORTED_MEDIA_TYPE", `Content-Type '${contentType || "(none)"}' is not supported: send application/json or application/yaml`);
}
