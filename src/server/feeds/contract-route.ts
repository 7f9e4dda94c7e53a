import { DomainError } from "../errors";
import type { TenantCredential } from "../policy/tenant-auth";
import type { Services } from "../services";
import { bodyAnswer, fromWebRequest, jsonAnswer, notModified, toWebResponse, type Answer, type BodyAnswerOptions, type FeedRequest } from "./answer";
import { feedUnavailable } from "./obot-route";
import { contractBody, contractValidator } from "../snapshot/snapshot";

export const CONTRACT_FEED = "contract";
/** Where fetches naming no known tenant are recorded; no tenant can have this name (not a DNS label). */
export const UNKNOWN_TENANT = "(unknown tenant)";

/**
 * GET /api/internal/contract/{tenant}: the tenant's effective MCP policy and TOOLS.md, from the
 * snapshot. 401 without a valid token, 404 for an unknown tenant, 403 for another tenant's token.
 * What pods mostly send, a poll with a remembered token and the current ETag, is answered
 * synchronously and without a body in sight: the 304 depends only on the contract's fingerprint
 * and revision.
 */
export function serveContract(services: Services, request: FeedRequest, tenant: string, negotiate: boolean): Answer | Promise<Answer> {
  const started = performance.now();
  const authorization = request.header("authorization");
  const remembered = services.tenantAuth.remembered(authorization);
  if (remembered) return recordContractFetch(services, request, tenant, started, contractAnswer(services, request, tenant, negotiate, remembered));
  return services.tenantAuth
    .authenticate(authorization)
    .then(
      (credential) => contractAnswer(services, request, tenant, negotiate, credential),
      (error: unknown) => refused(error),
    )
    .then((answer) => recordContractFetch(services, request, tenant, started, answer));
}

function recordContractFetch(
  services: Services,
  request: FeedRequest,
  tenant: string,
  started: number,
  answer: Answer | Promise<Answer>,
): Answer | Promise<Answer> {
  if (answer instanceof Promise) return answer.then((done) => recordContractFetch(services, request, tenant, started, done));
  // Any caller can name any tenant: record unknown names under one key, so junk names cannot fill
  // the fetch log (crowding out real pods) or poison its flush (a NUL Postgres refuses).
  const known = services.snapshots.current?.tenants.has(tenant) ?? false;
  services.fetches.record(`${CONTRACT_FEED}/${known ? tenant : UNKNOWN_TENANT}`, request.header("user-agent"), answer.status, request.remoteAddr);
  services.metrics.feeds.record(CONTRACT_FEED, answer.status, (performance.now() - started) / 1000);
  return answer;
}

function refused(error: unknown): Answer {
  if (!(error instanceof DomainError)) throw error;
  if (error.code === "UNAVAILABLE") return feedUnavailable(error.message);
  return jsonAnswer(
    401,
    { error: { code: "UNAUTHORIZED", message: error.message, details: {} } },
    { "WWW-Authenticate": 'Bearer realm="opencrane-contract"', "Cache-Control": "no-store" },
  );
}

function contractAnswer(services: Services, request: FeedRequest, tenant: string, negotiate: boolean, credential: TenantCredential): Answer | Promise<Answer> {
  const snapshot = services.snapshots.current;
  if (!snapshot) return feedUnavailable(`no policy snapshot yet (${services.snapshots.lastError?.message ?? "database unreachable"})`);
  const state = snapshot.tenants.has(tenant) ? snapshot.contractStates.get(tenant) : undefined;
  if (!state) return noSuchTenant(tenant);
  if (credential.tenant !== tenant) {
    return jsonAnswer(
      403,
      { error: { code: "FORBIDDEN", message: `this token belongs to tenant '${credential.tenant}', not '${tenant}'`, details: {} } },
      { "Cache-Control": "no-store" },
    );
  }
  const options: BodyAnswerOptions = { contentType: "application/json", headers: { "X-OpenCrane-Revision": String(snapshot.revision) }, negotiate };
  const unchanged = notModified(request, contractValidator(state), options);
  if (unchanged) return unchanged;
  const body = contractBody(snapshot, services.contractBodies, tenant);
  return body ? bodyAnswer(request, body, options) : noSuchTenant(tenant);
}

const noSuchTenant = (tenant: string) =>
  jsonAnswer(404, { error: { code: "NOT_FOUND", message: `tenant '${tenant}' does not exist`, details: {} } }, { "Cache-Control": "no-store" });

export async function contractResponse(services: Services, request: Request, tenant: string): Promise<Response> {
  return toWebResponse(await serveContract(services, fromWebRequest(request, services.config.trustedProxies), tenant, false));
}
