import type { AuthConfig } from "../config";
import { DomainError } from "../errors";
import type { Principal } from "./principal";
import { atLeast, type Requirement } from "./roles";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origins this app is reached at: the configured public URL and the request's own. */
export function allowedOrigins(headers: Headers, requestUrl: string, config: Pick<AuthConfig, "publicUrl">): Set<string> {
  const origins = new Set<string>([new URL(requestUrl).origin]);
  if (config.publicUrl) origins.add(new URL(config.publicUrl).origin);
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (host) {
    origins.add(`${proto ?? new URL(requestUrl).protocol.replace(":", "")}://${host}`);
  }
  return origins;
}

/**
 * Cookie-authenticated changes must come from this app's own pages (CSRF): browsers send Origin
 * on every POST; Sec-Fetch-Site is the fallback.
 */
export function assertSameOrigin(method: string, headers: Headers, requestUrl: string, config: Pick<AuthConfig, "publicUrl">): void {
  if (SAFE_METHODS.has(method.toUpperCase())) return;
  const origin = headers.get("origin");
  if (origin) {
    if (allowedOrigins(headers, requestUrl, config).has(origin)) return;
    throw new DomainError("FORBIDDEN", `cross-site request refused: origin ${origin} is not this console`);
  }
  const site = headers.get("sec-fetch-site");
  if (site === "same-origin") return;
  throw new DomainError("FORBIDDEN", "cross-site request refused: the request carries no Origin header");
}

export interface RequestFacts {
  method: string;
  headers: Headers;
  url: string;
}

/** The one place roles are enforced, for tRPC and REST alike. */
export function authorize(principal: Principal | null, requirement: Requirement, request: RequestFacts, config: Pick<AuthConfig, "publicUrl">): void {
  if (requirement === "public") return;
  if (!principal) throw new DomainError("UNAUTHORIZED", "sign in, or send Authorization: Bearer <API token>");
  if (!atLeast(principal.role, requirement)) {
    throw new DomainError("FORBIDDEN", `this needs the ${requirement} role; ${principal.id} is ${principal.role}`);
  }
  if (principal.viaSession) assertSameOrigin(request.method, request.headers, request.url, config);
}

export function isSecureRequest(headers: Headers, requestUrl: string, config: Pick<AuthConfig, "publicUrl">): boolean {
  if (config.publicUrl) return config.publicUrl.startsWith("https:");
  return new URL(requestUrl).protocol === "https:" || headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}
