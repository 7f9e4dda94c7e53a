import type { ChangeContext } from "@/server/audit/audit";
import { changeContext, type Principal } from "@/server/auth/principal";
import type { Role } from "@/server/auth/roles";
import type { TrpcContext } from "@/server/trpc/init";
import type { Config } from "@/server/config";
import type { Database } from "@/server/db/client";
import { serverCreateInput } from "@/server/catalog/model";
import { createServer, publishServer } from "@/server/catalog/servers";
import type { Db } from "@/server/db/client";
import { dispatchRest } from "@/server/rest";
import { startServices, type Services } from "@/server/services";

export const TEST_CONFIG: Config = {
  databaseUrl: undefined,
  databaseConnectTimeoutMs: 2000,
  databasePreparedStatements: true,
  dataDir: "/nonexistent",
  obotRegistryToken: undefined,
  registryNamespace: "local.opencrane",
  snapshotPollMs: 60_000,
  fetchLogFlushMs: 60_000,
  contractCacheBytes: 64 * 2 ** 20,
  internalListener: null,
  internalServer: "lean",
  trustedProxies: [],
  ingest: { fetchAllowHosts: [], denylistedNamespaces: [] },
  tenantAuth: {
    jwksUrl: undefined,
    issuer: undefined,
    audience: "control-plane",
    tokenReview: false,
    kubernetesApiUrl: undefined,
    namespaces: [],
    outageGraceMs: 30 * 60_000,
  },
  auth: {
    oidc: undefined,
    bootstrapToken: "test-bootstrap-token",
    adminEmail: undefined,
    adminPassword: undefined,
    sessionIdleMs: 60 * 60_000,
    sessionMaxMs: 12 * 3_600_000,
    publicUrl: undefined,
  },
};

export const ALICE: ChangeContext = { actor: { kind: "user", id: "alice@example.com" }, requestId: "req-alice" };
export const BOB: ChangeContext = { actor: { kind: "user", id: "bob@example.com" }, requestId: "req-bob" };

/** Services over a test database, without background timers, sharing the database's lifetime. */
export async function testServices(database: Database, config: Partial<Config> = {}): Promise<Services> {
  const services = await startServices({ ...TEST_CONFIG, ...config }, database, { migrate: false, background: false });
  return { ...services, close: async () => undefined };
}

export const BOOTSTRAP = { authorization: `Bearer ${TEST_CONFIG.auth.bootstrapToken}` };

/** A principal as a bearer token would give it (no session, so no same-origin check). */
export function principalFor(role: Role, id = `${role}@example.com`, userId: string | null = null): Principal {
  return { kind: "user", id, role, userId, displayName: id, viaSession: false };
}

/** A tRPC context for a caller made with createCaller. */
export function trpcContext(services: Services, principal: Principal | null, requestId = "req-test"): TrpcContext {
  return {
    services,
    principal,
    authError: null,
    change: changeContext(principal, { requestId }),
    request: { method: "POST", headers: new Headers(), url: "http://control-plane.test/api/trpc" },
  };
}

/** Calls the REST API in-process, exactly as the catch-all route handler does (as the bootstrap admin unless told otherwise). */
export function restClient(services: Services, base = "http://control-plane.test", auth: Record<string, string> = BOOTSTRAP) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const init: RequestInit = { method, headers: { ...auth, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await dispatchRest(services, new Request(`${base}${path}`, init));
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** Remote servers named `names` (display name the same, endpoint https://<name>.example/mcp), created and published by ALICE. */
export async function publishRemoteServers(db: Db, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await createServer(db, ALICE, serverCreateInput.parse({ name, displayName: name, endpoint: `https://${name}.example/mcp` }));
    await publishServer(db, ALICE, name);
  }
}
