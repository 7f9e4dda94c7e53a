import { authenticate } from "../auth/authenticate";
import type { RequestFacts } from "../auth/guard";
import { changeContext } from "../auth/principal";
import { DomainError } from "../errors";
import { requestIdOf, sourceIpOf } from "../rest/http";
import type { Services } from "../services";
import type { TrpcContext } from "./init";

/** Authenticates once per request; credentials that do not hold are reported by the procedure's guard. */
export async function createTrpcContext(services: Services, request: RequestFacts): Promise<TrpcContext> {
  let principal = null;
  let authError: DomainError | null = null;
  try {
    principal = await authenticate(services.db, services.config.auth, request.headers);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    authError = error;
  }
  return {
    services,
    principal,
    authError,
    change: changeContext(principal, { requestId: requestIdOf(request), sourceIp: sourceIpOf(request, services.config) }),
    request,
  };
}
