import path from "node:path";
import { TrustedProxies } from "./client-address";

export interface OidcConfig {
  issuerUrl: string;
  clientId: string;
  clientSecret: string | undefined;
  redirectUrl: string;
  scopes: string;
  groupsClaim: string;
  adminGroups: string[];
  editorGroups: string[];
  viewerGroups: string[];
  /** Development only: allow an issuer on plain http (a local IdP). */
  allowHttp: boolean;
}

export interface AuthConfig {
  /** Set: production sign-in through this OpenID provider. Unset: local accounts. */
  oidc: OidcConfig | undefined;
  /** Set: this exact value is accepted as an admin bearer token (automation, CI). */
  bootstrapToken: string | undefined;
  /** Set with adminPassword: the first admin is created from these instead of a setup link. */
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** The URL admins use, for setup links, origin checks and Secure cookies. */
  publicUrl: string | undefined;
}

export interface TenantAuthConfig {
  /** JWKS of the cluster's ServiceAccount token issuer, e.g. https://kubernetes.default.svc/openid/v1/jwks. */
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string;
  /** Verify tokens with a Kubernetes TokenReview instead of the JWKS. */
  tokenReview: boolean;
  /** The Kubernetes API for TokenReview; in a pod, from KUBERNETES_SERVICE_HOST/PORT. */
  kubernetesApiUrl: string | undefined;
  /** When set, only ServiceAccounts in these namespaces are accepted. */
  namespaces: string[];
  /**
   * While the database is unreachable, a tenant token verified at most this long ago keeps being
   * accepted (its expiry and any revocation already seen still apply); 0 turns that off.
   */
  outageGraceMs: number;
}

/** The Obot link (src/server/obot/link.ts): on when both URLs are set. */
export interface ObotLinkConfig {
  /** Obot's base URL as this process reaches it, e.g. http://obot.obot.svc:8080. */
  url: string;
  /** The Obot feed's URL as Obot reaches it: the catalog source the link keeps in Obot's default catalog. */
  feedUrl: string;
  ensureMs: number;
}

export type DriftMode = "repair" | "report" | "off";

/** Drift repair of Obot's Deployment (src/server/obot/drift.ts): on when a deployment is named. */
export interface ObotDriftConfig {
  namespace: string;
  name: string;
  mode: DriftMode;
  intervalMs: number;
  /** The intended OBOT_SERVER_DEFAULT_MCPCATALOG_PATH: OPENCRANE_OBOT_FEED_URL. */
  feedUrl: string;
  /** OBOT_SERVER_ENCRYPTION_PROVIDER as intended; unset: the variable is not managed. */
  encryptionProvider: string | undefined;
  /** The Kubernetes API; unset: the in-cluster ServiceAccount's. */
  kubernetesApiUrl: string | undefined;
  kubernetesToken: string | undefined;
}

/** Everything the server reads from its environment; documented in the README's configuration table. */
export interface Config {
  /** Real Postgres through the postgres driver; unset means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** How long opening a Postgres connection may take before it counts as failed. */
  databaseConnectTimeoutMs: number;
  /**
   * Whether recurring statements run as prepared statements on Postgres
   * (OPENCRANE_DATABASE_PREPARED_STATEMENTS, on by default; db/prepared-statements.ts). Off for a
   * pooler in transaction mode that cannot keep a connection's prepared statements (PgBouncer
   * before 1.21, or without max_prepared_statements).
   */
  databasePreparedStatements: boolean;
  dataDir: string;
  /** When set, the Obot feed requires `Authorization: Bearer <token>`. */
  obotRegistryToken: string | undefined;
  /** The reverse-DNS namespace of catalog servers in the MCP Registry view (`<namespace>/<name>`). */
  registryNamespace: string;
  /** How often each replica checks the catalog revision, as a safety net behind LISTEN/NOTIFY. */
  snapshotPollMs: number;
  /** How often aggregated feed fetches are written to the database. */
  fetchLogFlushMs: number;
  /** Bytes of rendered contract bodies kept for answering 200s (least recently served go first); 0 keeps none. */
  contractCacheBytes: number;
  /**
   * A second listener (see internalServer) for the machine feeds and health checks only, without the
   * Next.js request pipeline; null turns it off (the feeds stay on the main port as well).
   */
  internalListener: { port: number; host: string } | null;
  /**
   * What serves the internal port (OPENCRANE_INTERNAL_SERVER): "thread", the poll server on Node's
   * own HTTP parser (feeds/poll-server.ts) in a worker thread that answers current polls itself
   * (feeds/poll-thread.ts); "lean", the same server on the main thread; "node", node:http.
   */
  internalServer: "thread" | "lean" | "node";
  /**
   * Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; the client address of any other
   * peer is the socket's (see client-address.ts).
   */
  trustedProxies: string[];
  auth: AuthConfig;
  tenantAuth: TenantAuthConfig;
  /** Unset: the Obot link is off (the console says so). */
  obot?: ObotLinkConfig;
  /** Unset: drift repair of Obot's Deployment is off. */
  obotDrift?: ObotDriftConfig;
  ingest: {
    /** Hosts, IPs or CIDRs the fetch stage may reach although they are private (and `file://` for git). */
    fetchAllowHosts: string[];
    /** Publisher namespaces (globs) whose servers are quarantined on sight. */
    denylistedNamespaces: string[];
  };
  /** Tool discovery (DESIGN §11); unset (tests): no schedule, no discovery at publish, the default probe timeout. */
  toolDiscovery?: {
    /** How often each probeable server's tools are discovered again; 0 turns the schedule off. */
    intervalMs: number;
    /** The whole probe of one server. */
    timeoutMs?: number;
    /** Publishing a probeable server without a manifest discovers it first (off in tests that publish unreachable example URLs). */
    discoverOnPublish: boolean;
  };
}

function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got '${value}')`);
  return n;
}

function nonNegativeNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of at least 0 (got '${value}')`);
  return n;
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function oidcConfig(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const issuerUrl = env.OPENCRANE_OIDC_ISSUER_URL;
  if (!issuerUrl) return undefined;
  const missing = ["OPENCRANE_OIDC_CLIENT_ID", "OPENCRANE_OIDC_REDIRECT_URL"].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`OPENCRANE_OIDC_ISSUER_URL is set, so ${missing.join(" and ")} must be set too`);
  const config: OidcConfig = {
    issuerUrl,
    clientId: env.OPENCRANE_OIDC_CLIENT_ID!,
    clientSecret: env.OPENCRANE_OIDC_CLIENT_SECRET || undefined,
    redirectUrl: env.OPENCRANE_OIDC_REDIRECT_URL!,
    scopes: env.OPENCRANE_OIDC_SCOPES || "openid email profile",
    groupsClaim: env.OPENCRANE_OIDC_GROUPS_CLAIM || "groups",
    adminGroups: list(env.OPENCRANE_OIDC_ADMIN_GROUPS),
    editorGroups: list(env.OPENCRANE_OIDC_EDITOR_GROUPS),
    viewerGroups: list(env.OPENCRANE_OIDC_VIEWER_GROUPS),
    allowHttp: env.OPENCRANE_OIDC_ALLOW_HTTP === "true",
  };
  if (config.adminGroups.length + config.editorGroups.length + config.viewerGroups.length === 0) {
    throw new Error("OIDC is configured but no group maps to a role: set OPENCRANE_OIDC_ADMIN_GROUPS (and editor/viewer groups)");
  }
  return config;
}

function registryNamespace(value: string | undefined): string {
  const namespace = value || "local.opencrane";
  if (!/^[a-zA-Z0-9.-]+$/.test(namespace)) {
    throw new Error(`OPENCRANE_REGISTRY_NAMESPACE must be a reverse-DNS namespace such as com.example.mcp (got '${namespace}')`);
  }
  // A registry name is at most 200 characters: the namespace, '/', and a server name of up to 63.
  if (namespace.length > 136) throw new Error(`OPENCRANE_REGISTRY_NAMESPACE must be at most 136 characters (got ${namespace.length})`);
  return namespace;
}

function internalListener(env: NodeJS.ProcessEnv): Config["internalListener"] {
  const raw = env.OPENCRANE_INTERNAL_PORT ?? "3001";
  if (raw === "" || raw === "0" || raw.toLowerCase() === "off") return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`OPENCRANE_INTERNAL_PORT must be a port number, or off (got '${raw}')`);
  }
  return { port, host: env.OPENCRANE_INTERNAL_HOST || env.HOSTNAME || "0.0.0.0" };
}

function internalServer(value: string | undefined): Config["internalServer"] {
  const chosen = (value || "thread").toLowerCase();
  if (chosen !== "thread" && chosen !== "lean" && chosen !== "node") throw new Error(`OPENCRANE_INTERNAL_SERVER must be thread, lean or node (got '${value}')`);
  return chosen;
}

function obotLinkConfig(env: NodeJS.ProcessEnv): ObotLinkConfig | undefined {
  const url = env.OPENCRANE_OBOT_URL;
  const feedUrl = env.OPENCRANE_OBOT_FEED_URL;
  if (!url && !feedUrl) return undefined;
  if (!url || !feedUrl) {
    throw new Error("the Obot link needs both OPENCRANE_OBOT_URL (Obot's base URL) and OPENCRANE_OBOT_FEED_URL (the feed URL as Obot reaches it)");
  }
  for (const [name, value] of [
    ["OPENCRANE_OBOT_URL", url],
    ["OPENCRANE_OBOT_FEED_URL", feedUrl],
  ] as const) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new Error(`${name} must be an absolute http(s) URL (got '${value}')`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`${name} must be an http(s) URL (got '${value}')`);
  }
  return {
    url: url.replace(/\/+$/, ""),
    feedUrl,
    ensureMs: positiveNumber(env.OPENCRANE_OBOT_ENSURE_SECONDS, 60, "OPENCRANE_OBOT_ENSURE_SECONDS") * 1000,
  };
}

function obotDriftConfig(env: NodeJS.ProcessEnv): ObotDriftConfig | undefined {
  const deployment = env.OPENCRANE_OBOT_DEPLOYMENT;
  const rawMode = env.OPENCRANE_OBOT_DRIFT || (deployment ? "repair" : "off");
  if (rawMode !== "repair" && rawMode !== "report" && rawMode !== "off") {
    throw new Error(`OPENCRANE_OBOT_DRIFT must be repair, report or off (got '${rawMode}')`);
  }
  if (!deployment) {
    if (rawMode !== "off") throw new Error(`OPENCRANE_OBOT_DRIFT=${rawMode} needs OPENCRANE_OBOT_DEPLOYMENT=<namespace>/<name>`);
    return undefined;
  }
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(deployment);
  if (!match) throw new Error(`OPENCRANE_OBOT_DEPLOYMENT must be <namespace>/<name> (got '${deployment}')`);
  if (!env.OPENCRANE_OBOT_FEED_URL)
    throw new Error("OPENCRANE_OBOT_DEPLOYMENT needs OPENCRANE_OBOT_FEED_URL: it is the intended OBOT_SERVER_DEFAULT_MCPCATALOG_PATH");
  return {
    namespace: match[1]!,
    name: match[3]!,
    mode: rawMode,
    feedUrl: env.OPENCRANE_OBOT_FEED_URL,
    intervalMs: positiveNumber(env.OPENCRANE_OBOT_DRIFT_SECONDS, 60, "OPENCRANE_OBOT_DRIFT_SECONDS") * 1000,
    encryptionProvider: env.OPENCRANE_OBOT_ENCRYPTION_PROVIDER || undefined,
    kubernetesApiUrl:
      env.OPENCRANE_KUBERNETES_API_URL ||
      (env.KUBERNETES_SERVICE_HOST ? `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT ?? 443}` : undefined),
    kubernetesToken: env.OPENCRANE_KUBERNETES_TOKEN || undefined,
  };
}

function onOff(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === "") return fallback;
  const chosen = value.toLowerCase();
  if (["on", "true", "1"].includes(chosen)) return true;
  if (["off", "false", "0"].includes(chosen)) return false;
  throw new Error(`${name} must be on or off (got '${value}')`);
}

function trustedProxies(value: string | undefined): string[] {
  const entries = list(value);
  new TrustedProxies(entries); // throws, naming the entry, when one is neither an IP nor a CIDR
  return entries;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    databaseConnectTimeoutMs: positiveNumber(env.OPENCRANE_DATABASE_CONNECT_TIMEOUT_SECONDS, 2, "OPENCRANE_DATABASE_CONNECT_TIMEOUT_SECONDS") * 1000,
    databasePreparedStatements: onOff(env.OPENCRANE_DATABASE_PREPARED_STATEMENTS, true, "OPENCRANE_DATABASE_PREPARED_STATEMENTS"),
    dataDir: path.resolve(/*turbopackIgnore: true*/ env.OPENCRANE_DATA_DIR || ".data"),
    obotRegistryToken: env.OBOT_REGISTRY_TOKEN || undefined,
    registryNamespace: registryNamespace(env.OPENCRANE_REGISTRY_NAMESPACE),
    snapshotPollMs: positiveNumber(env.OPENCRANE_SNAPSHOT_POLL_SECONDS, 10, "OPENCRANE_SNAPSHOT_POLL_SECONDS") * 1000,
    fetchLogFlushMs: positiveNumber(env.OPENCRANE_FETCH_LOG_FLUSH_SECONDS, 5, "OPENCRANE_FETCH_LOG_FLUSH_SECONDS") * 1000,
    contractCacheBytes: Math.round(nonNegativeNumber(env.OPENCRANE_CONTRACT_CACHE_MB, 16, "OPENCRANE_CONTRACT_CACHE_MB") * 2 ** 20),
    internalListener: internalListener(env),
    internalServer: internalServer(env.OPENCRANE_INTERNAL_SERVER),
    obot: obotLinkConfig(env),
    obotDrift: obotDriftConfig(env),
    trustedProxies: trustedProxies(env.OPENCRANE_TRUSTED_PROXIES),
    ingest: {
      fetchAllowHosts: list(env.OPENCRANE_FETCH_ALLOW_HOSTS),
      denylistedNamespaces: list(env.OPENCRANE_DENYLISTED_NAMESPACES),
    },
    toolDiscovery: {
      intervalMs: nonNegativeNumber(env.OPENCRANE_TOOL_DISCOVERY_MINUTES, 360, "OPENCRANE_TOOL_DISCOVERY_MINUTES") * 60_000,
      discoverOnPublish: true,
    },
    tenantAuth: {
      jwksUrl: env.OPENCRANE_TENANT_TOKEN_JWKS_URL || undefined,
      issuer: env.OPENCRANE_TENANT_TOKEN_ISSUER || undefined,
      audience: env.OPENCRANE_TENANT_TOKEN_AUDIENCE || "control-plane",
      tokenReview: env.OPENCRANE_TENANT_TOKEN_REVIEW === "true",
      kubernetesApiUrl:
        env.OPENCRANE_KUBERNETES_API_URL ||
        (env.KUBERNETES_SERVICE_HOST ? `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT ?? 443}` : undefined),
      namespaces: list(env.OPENCRANE_TENANT_NAMESPACES),
      outageGraceMs: nonNegativeNumber(env.OPENCRANE_TENANT_OUTAGE_GRACE_MINUTES, 30, "OPENCRANE_TENANT_OUTAGE_GRACE_MINUTES") * 60_000,
    },
    auth: {
      oidc: oidcConfig(env),
      bootstrapToken: env.OPENCRANE_BOOTSTRAP_TOKEN || undefined,
      adminEmail: env.OPENCRANE_ADMIN_EMAIL || undefined,
      adminPassword: env.OPENCRANE_ADMIN_PASSWORD || undefined,
      sessionIdleMs: positiveNumber(env.OPENCRANE_SESSION_IDLE_MINUTES, 120, "OPENCRANE_SESSION_IDLE_MINUTES") * 60_000,
      sessionMaxMs: positiveNumber(env.OPENCRANE_SESSION_MAX_HOURS, 12, "OPENCRANE_SESSION_MAX_HOURS") * 3_600_000,
      publicUrl: env.OPENCRANE_PUBLIC_URL || undefined,
    },
  };
}
