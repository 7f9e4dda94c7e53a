import { TRPCError } from "@trpc/server";
import { authenticate } from "../auth/authenticate";
import type { RequestFacts } from "../auth/guard";
import { changeContext, type Principal } from "../auth/principal";
import { DomainError, isDatabaseUnavailable } from "../errors";
import { requestIdOf, sourceIpOf } from "../rest/http";
import type { Services } from "../services";
import type { TrpcContext } from "./init";

/** Who the credentials name (or why they do not hold), or the error that kept them from being checked. */
export type TrpcAuth = { principal: Principal | null; authError: DomainError | null } | { failure: unknown };

export async function authenticateTrpc(services: Services, headers: Headers): Promise<TrpcAuth> {
  try {
    return { principal: await authenticate(services.db, services.config.auth, headers), authError: null };
  } catch (error) {
    return error instanceof DomainError ? { principal: null, authError: error } : { failure: error };
  }
}

/** Authenticates once per request; credentials that do not hold are reported by the procedure's guard. */
export async function createTrpcContext(services: Services, request: RequestFacts, authenticated?: TrpcAuth): Promise<TrpcContext> {
  const auth = authenticated ?? (await authenticateTrpc(services, request.headers));
  if ("failure" in auth) {
    if (isDatabaseUnavailable(auth.failure))
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "the database is unreachable; retry shortly", cause: auth.failure });
    throw auth.failure;
  }
  return {
    services,
    principal: auth.principal,
    authError: auth.authError,
    change: changeContext(auth.principal, { requestId: requestIdOf(request), sourceIp: sourceIpOf(request, services.config) }),
    request,
  };
}
