import { DomainError } from "../errors";
import type { Services } from "../services";
import { bodyAnswer, fromWebRequest, jsonAnswer, toWebResponse, type Answer, type FeedRequest } from "./answer";
import { feedUnavailable } from "./obot-route";
import { contractBody } from "../snapshot/snapshot";

export const CONTRACT_FEED = "contract";
/** Where fetches naming no known tenant are recorded; no tenant can have this name (not a DNS label). */
export const UNKNOWN_TENANT = "(unknown tenant)";

/**
 * GET /api/internal/contract/{tenant}: the tenant's effective MCP policy and TOOLS.md, from the
 * snapshot. 401 without a valid token, 404 for an unknown tenant, 403 for another tenant's token.
 */
export async function serveContract(services: Services, request: FeedRequest, tenant: string, negotiate: boolean): Promise<Answer> {
  const started = performance.now();
  const answer = await contractAnswer(services, request, tenant, negotiate);
  // Any caller can name any tenant: record unknown names under one key, so junk names cannot fill
  // the fetch log (crowding out real pods) or poison its flush (a NUL Postgres refuses).
  const known = services.snapshots.current?.tenants.has(tenant) ?? false;
  services.fetches.record(`${CONTRACT_FEED}/${known ? tenant : UNKNOWN_TENANT}`, request.header("user-agent"), answer.status, request.remoteAddr);
  services.metrics.feedRequests.inc({ feed: CONTRACT_FEED, status: String(answer.status) });
  services.metrics.feedLatency.observe({ feed: CONTRACT_FEED }, (performance.now() - started) / 1000);
  return answer;
}

async function contractAnswer(services: Services, request: FeedRequest, tenant: string, negotiate: boolean): Promise<Answer> {
  let credential;
  try {
    credential = await services.tenantAuth.authenticate(request.header("authorization"));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.code === "UNAVAILABLE") return feedUnavailable(error.message);
    return jsonAnswer(
      401,
      { error: { code: "UNAUTHORIZED", message: error.message, details: {} } },
      { "WWW-Authenticate": 'Bearer realm="opencrane-contract"', "Cache-Control": "no-store" },
    );
  }
  const snapshot = services.snapshots.current;
  if (!snapshot) return feedUnavailable(`no policy snapshot yet (${services.snapshots.lastError?.message ?? "database unreachable"})`);
  const body = snapshot.tenants.has(tenant) ? contractBody(snapshot, tenant) : null;
  if (!body) {
    return jsonAnswer(404, { error: { code: "NOT_FOUND", message: `tenant '${tenant}' does not exist`, details: {} } }, { "Cache-Control": "no-store" });
  }
  if (credential.tenant !== tenant) {
    return jsonAnswer(
      403,
      { error: { code: "FORBIDDEN", message: `this token belongs to tenant '${credential.tenant}', not '${tenant}'`, details: {} } },
      { "Cache-Control": "no-store" },
    );
  }
  return bodyAnswer(request, body, {
    contentType: "application/json",
    headers: { "X-OpenCrane-Revision": String(snapshot.revision) },
    negotiate,
  });
}

export async function contractResponse(services: Services, request: Request, tenant: string): Promise<Response> {
  return toWebResponse(await serveContract(services, fromWebRequest(request, services.config.trustedProxies), tenant, false));
}
