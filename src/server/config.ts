import path from "node:path";

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
}

/** Everything the server reads from its environment; documented in the README's configuration table. */
export interface Config {
  /** Real Postgres through the postgres driver; unset means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** When set, the Obot feed requires `Authorization: Bearer <token>`. */
  obotRegistryToken: string | undefined;
  /** The reverse-DNS namespace of catalog servers in the MCP Registry view (`<namespace>/<name>`). */
  registryNamespace: string;
  /** How often each replica checks the catalog revision, as a safety net behind LISTEN/NOTIFY. */
  snapshotPollMs: number;
  /** How often aggregated feed fetches are written to the database. */
  fetchLogFlushMs: number;
  /**
   * A second, plain node:http listener for the machine feeds and health checks only, without the
   * Next.js request pipeline; null turns it off (the feeds stay on the main port as well).
   */
  internalListener: { port: number; host: string } | null;
  auth: AuthConfig;
  tenantAuth: TenantAuthConfig;
  ingest: {
    /** Hosts, IPs or CIDRs the fetch stage may reach although they are private (and `file://` for git). */
    fetchAllowHosts: string[];
    /** Publisher namespaces (globs) whose servers are quarantined on sight. */
    denylistedNamespaces: string[];
  };
}

function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got '${value}')`);
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(/*turbopackIgnore: true*/ env.OPENCRANE_DATA_DIR || ".data"),
    obotRegistryToken: env.OBOT_REGISTRY_TOKEN || undefined,
    registryNamespace: registryNamespace(env.OPENCRANE_REGISTRY_NAMESPACE),
    snapshotPollMs: positiveNumber(env.OPENCRANE_SNAPSHOT_POLL_SECONDS, 10, "OPENCRANE_SNAPSHOT_POLL_SECONDS") * 1000,
    fetchLogFlushMs: positiveNumber(env.OPENCRANE_FETCH_LOG_FLUSH_SECONDS, 5, "OPENCRANE_FETCH_LOG_FLUSH_SECONDS") * 1000,
    internalListener: internalListener(env),
    ingest: {
      fetchAllowHosts: list(env.OPENCRANE_FETCH_ALLOW_HOSTS),
      denylistedNamespaces: list(env.OPENCRANE_DENYLISTED_NAMESPACES),
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
