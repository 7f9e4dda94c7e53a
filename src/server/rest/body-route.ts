/**
 * A REST route over a use case whose arguments are the JSON body itself (a create: the body is
 * the new thing, nothing comes from the path), so its tRPC twin takes the same flat object.
 */
import type { z } from "zod";
import { changesSnapshot, type AnyUseCase, type UseCase } from "../application/use-case";
import { parseInput } from "../errors";
import { readJsonBody } from "./http";
import type { Method, RestRequest, RestRoute, RouteResponse } from "./router";

export interface BodyRouteOptions<Result> {
  method: Method;
  path: string;
  summary: string;
  description?: string;
  response: RouteResponse;
  respond: (result: Result, req: RestRequest) => Response;
}

export function bodyRoute<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>, options: BodyRouteOptions<Result>): RestRoute {
  return {
    method: options.method,
    path: options.path,
    summary: options.summary,
    description: options.description,
    role: useCase.role,
    mutates: changesSnapshot(useCase as AnyUseCase),
    useCase: useCase as AnyUseCase,
    body: { schema: useCase.args },
    response: options.response,
    handle: async (req) => {
      const raw = await readJsonBody(req.request);
      const prefix = useCase.invalid?.(typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {});
      const args = parseInput(useCase.args, raw, prefix) as z.output<Args>;
      const result = await useCase.run({ services: req.services, change: req.change, principal: req.principal }, args);
      return options.respond(result, req);
    },
  };
}
