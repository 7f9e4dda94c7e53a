/**
 * Reading import bodies and documents: recognizing the format of each document (Obot entry,
 * server.json current or legacy) and turning it into the server it describes, or the reasons it
 * cannot be. Registration is the ingestion pipeline's (src/server/ingest).
 */
import { z } from "zod";
import { DomainError } from "../errors";
import { parseJsonText } from "../util/nesting";
import { serverCreateInput, toServerSpec, type Provenance, type ServerSpec } from "../catalog/model";
import { parseYamlDocuments } from "./go-yaml";
import { isPlainObject } from "./keys";
import { looksLikeObotEntry, obotFieldFor, parseObotEntry, type ParsedDocument } from "./obot-entry";
import { looksLikeServerJson, parseServerJson } from "./server-json";

export const MAX_IMPORT_DOCUMENTS = 1000;

const importDocument = z
  .record(z.string(), z.unknown())
  .meta({ description: "An Obot catalog entry or an MCP Registry server.json (current or legacy snake_case)" });

/** What an import or upload body holds (JSON, or YAML with one or more documents); parseImportBody reads it. */
export const importBodySchema = z.union([z.array(importDocument).max(MAX_IMPORT_DOCUMENTS), importDocument]);

interface Candidate {
  index: number;
  name: string;
  spec: ServerSpec;
  provenance: Provenance;
}

/** Parses a request body as JSON or YAML into the list of documents it holds. */
export function parseImportBody(text: string, contentType: string): unknown[] {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  let parsed: unknown;
  if (type === "application/json" || type.endsWith("+json")) {
    try {
      parsed = parseJsonText(text, "the body");
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError("BAD_REQUEST", `body is not valid JSON: ${(error as Error).message}`);
    }
  } else if (["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"].includes(type)) {
    try {
      const values = parseYamlDocuments(text, "the body");
      parsed = values.length === 1 ? values[0] : values;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError("BAD_REQUEST", `body is not valid YAML: ${(error as Error).message}`);
    }
  } else {
    throw new DomainError("UNSUPPORTED_MEDIA_TYPE", `Content-Type '${contentType || "(none)"}' is not supported: send application/json or application/yaml`);
  }
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  if (documents.length === 0) throw new DomainError("BAD_REQUEST", "body holds no documents to import");
  if (documents.length > MAX_IMPORT_DOCUMENTS) {
    throw new DomainError("PAYLOAD_TOO_LARGE", `at most ${MAX_IMPORT_DOCUMENTS} documents per import (got ${documents.length})`);
  }
  return documents;
}

/** Recognizes the format of one document and parses it. */
export function parseDocument(doc: unknown): ParsedDocument & { format?: "obot-entry" | "server.json" } {
  if (!isPlainObject(doc)) {
    return { ok: false, name: null, errors: ["each document must be an object: an Obot catalog entry or a server.json"] };
  }
  if (looksLikeObotEntry(doc)) return { ...parseObotEntry(doc), format: "obot-entry" };
  if (looksLikeServerJson(doc)) return { ...parseServerJson(doc), format: "server.json" };
  return {
    ok: false,
    name: typeof doc.name === "string" ? doc.name : null,
    errors: [
      "not a recognized document: expected an Obot catalog entry (with runtime and its config) or a server.json (with $schema, name 'namespace/name' and version)",
    ],
  };
}

export type DocumentFormat = "obot-entry" | "server.json";

/** Parses and validates one document into the server it describes, or the reasons it cannot be. */
export function candidateFor(
  doc: unknown,
  index: number,
):
  | { ok: true; candidate: Candidate; warnings: string[]; format: DocumentFormat }
  | { ok: false; name: string | null; errors: string[]; format: DocumentFormat | null } {
  const parsed = parseDocument(doc);
  if (!parsed.ok) return { ...parsed, format: parsed.format ?? null };
  const validated = serverCreateInput.safeParse(parsed.input);
  if (!validated.success) {
    const runtimeType = parsed.input.runtime?.type;
    const errors = validated.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      const field = parsed.format === "obot-entry" ? obotFieldFor(path, runtimeType) : path;
      return field ? `${field}: ${issue.message}` : issue.message;
    });
    return { ok: false, name: parsed.input.name ?? null, errors, format: parsed.format ?? null };
  }
  const runtimeType = parsed.input.runtime?.type;
  const trimmed = trimmedStrings(parsed.input, validated.data).map(
    (path) => `${parsed.format === "obot-entry" ? obotFieldFor(path, runtimeType) : path}: leading and trailing whitespace removed`,
  );
  return {
    ok: true,
    candidate: { index, name: validated.data.name, spec: toServerSpec(validated.data), provenance: parsed.provenance },
    warnings: [...parsed.warnings, ...trimmed],
    format: parsed.format!,
  };
}

/** Paths of the strings the catalog model trimmed: a normalization the import must report. */
function trimmedStrings(input: unknown, output: unknown, path = ""): string[] {
  if (typeof input === "string") return typeof output === "string" && output !== input && input.trim() === output ? [path] : [];
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, i) => trimmedStrings(v, output[i], `${path}[${i}]`));
  if (isPlainObject(input) && isPlainObject(output)) {
    return Object.keys(input).flatMap((k) => trimmedStrings(input[k], output[k], path ? `${path}.${k}` : k));
  }
  return [];
}
