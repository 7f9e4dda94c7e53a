/**
 * Documents uploaded as files of a multipart/form-data form (`curl -F file=@servers.yaml`): each
 * file is read as JSON or YAML by its own type or file name, and all their documents are joined
 * into one JSON array, the text an import or upload takes.
 */
import { z } from "zod";
import { DomainError } from "../errors";
import { parseImportText, type ImportFormat } from "../formats/import-text";

export const multipartDocumentsSchema = z
  .object({
    file: z
      .union([z.string(), z.array(z.string())])
      .meta({ format: "binary", description: "One or more files (any field name): JSON (.json, application/json) or YAML (anything else)" }),
  })
  .meta({ id: "DocumentFiles" });

export function isMultipart(contentType: string): boolean {
  return contentType.split(";")[0]!.trim().toLowerCase() === "multipart/form-data";
}

/** A file's format: its declared type if that says JSON or YAML, else its name's extension (YAML unless .json). */
export function fileFormatOf(type: string, name: string): ImportFormat {
  const media = type.split(";")[0]!.trim().toLowerCase();
  if (media === "application/json" || media.endsWith("+json")) return "json";
  if (media.includes("yaml")) return "yaml";
  return /\.json$/i.test(name) ? "json" : "yaml";
}

/** The form's files as import text: every document of every file, in order, as one JSON array. */
export async function readMultipartDocuments(body: string, contentType: string): Promise<{ text: string; format: ImportFormat }> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    throw new DomainError("BAD_REQUEST", `the multipart/form-data body cannot be read: ${(error as Error).message}`);
  }
  const files = [...form.values()].filter((value): value is File => typeof value !== "string");
  if (files.length === 0) {
    throw new DomainError("VALIDATION_FAILED", "the form holds no file: send the documents as a file part (curl -F file=@servers.yaml)", {
      fieldErrors: { file: ["no file in the form"] },
      formErrors: [],
    });
  }
  const documents: unknown[] = [];
  for (const file of files) {
    const text = await file.text();
    try {
      documents.push(...parseImportText({ text, format: fileFormatOf(file.type, file.name) }));
    } catch (error) {
      if (error instanceof DomainError) throw new DomainError(error.code, `${file.name || "a file"}: ${error.message}`, error.details);
      throw error;
    }
  }
  return { text: JSON.stringify(documents), format: "json" };
}
