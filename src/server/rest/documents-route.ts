/**
 * A REST route over a use case taking documents as text (an import, an upload): the body is JSON
 * or YAML, not a JSON object, so it is read here as text with its format named by Content-Type;
 * the rest of the arguments come from the query string.
 */
import type { z } from "zod";
import { changesSnapshot, type AnyUseCase, type UseCase } from "../application/use-case";
import { importBodySchema } from "../formats/import";
import { MAX_IMPORT_BYTES, importFormatOf, parseImportText, type ImportTextInput } from "../formats/import-text";
import { parseInput } from "../errors";
import { queryObject, readBodyText } from "./http";
import type { RestRequest, RestRoute, RouteResponse } from "./router";

export interface DocumentsRouteOptions<Result> {
  path: string;
  summary: string;
  description?: string;
  bodyDescription?: string;
  response: RouteResponse;
  respond: (result: Result, req: RestRequest) => Response;
}

export function documentsRoute<Args extends z.ZodObject, Result>(
  useCase: UseCase<Args, Result>,
  options: DocumentsRouteOptions<Result>,
): RestRoute {
  const fromQuery = Object.keys(useCase.args.shape).filter((key) => key !== "text" && key !== "format");
  return {
    method: "POST",
    path: options.path,
    summary: options.summary,
    description: options.description,
    role: useCase.role,
    mutates: changesSnapshot(useCase as AnyUseCase),
    useCase: useCase as AnyUseCase,
    query: fromQuery.length > 0 ? useCase.args.pick(Object.fromEntries(fromQuery.map((k) => [k, true])) as Record<string, true>) : undefined,
    body: { schema: importBodySchema, contentTypes: ["application/json", "application/yaml"], description: options.bodyDescription },
    response: options.response,
    handle: async (req) => {
      const text = await readBodyText(req.request, MAX_IMPORT_BYTES);
      const body: Pick<ImportTextInput, "text" | "format"> = { text, format: importFormatOf(req.request.headers.get("content-type") ?? "") };
      // An empty body is answered as the parser answers it (not valid JSON, no YAML documents), as before.
      if (text === "") parseImportText(body);
      const query = queryObject(req.url);
      const raw: Record<string, unknown> = { ...body };
      for (const key of fromQuery) if (key in query) raw[key] = query[key];
      const args = parseInput(useCase.args, raw) as z.output<Args>;
      const result = await useCase.run({ services: req.services, change: req.change, principal: req.principal }, args);
      return options.respond(result, req);
    },
  };
}
