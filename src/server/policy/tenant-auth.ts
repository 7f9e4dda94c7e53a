/**
 * Who is asking for a contract: a projected ServiceAccount token (a JWT verified against the
 * cluster issuer's JWKS with jose, or a Kubernetes TokenReview), or a tenant token issued in the
 * console. Verified credentials are remembered until they expire (at most ten minutes), so a pod
 * polling every 30 s costs one signature check per token, not one per poll.
 *
 * Tenant tokens are checked against the database. While it is unreachable, a token verified within
 * the outage grace (and not expired or revoked as far as this replica has seen) is still accepted,
 * so tenant pods keep getting their contracts from the snapshot; a token this replica has not
 * verified gets 503 at once, never a hang or a 500.
 */
import { hash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { TenantAuthConfig } from "../config";
import type { Db } from "../db/client";
import { DomainError, isDatabaseUnavailable } from "../errors";
import { resolveTenantToken, TENANT_TOKEN_PREFIX } from "./tenant-tokens";

export interface TenantCredential {
  tenant: string;
  via: "service-account-jwt" | "token-review" | "tenant-token";
  /** Epoch ms after which the credential must be checked again. */
  until: number;
}

const MAX_CACHE_MS = 10 * 60_000;
const TENANT_TOKEN_CACHE_MS = 60_000;
const MAX_CACHED = 50_000;
const SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;
const SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";
const SA_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

const unauthorized = (message: string) => new DomainError("UNAUTHORIZED", message);
const bearerToken = (authorization: string | null) => /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? null;
/** Credentials are remembered under their token's hash, never the token itself. */
const cacheKey = (token: string) => hash("sha256", token, "base64url");

interface Remembered {
  credential: TenantCredential;
  /** Epoch ms of the last successful verification. */
  verifiedAt: number;
  /** Epoch ms at which the token itself expires (Infinity: never). */
  expiresAt: number;
}

export class TenantAuthenticator {
  private readonly jwks: JWTVerifyGetKey | null;
  private readonly cache = new Map<string, Remembered>();
  private readonly forgetListeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly config: TenantAuthConfig,
    private readonly clock: () => number = Date.now,
  ) {
    this.jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 }) : null;
  }

  /**
   * Calls `listener` whenever a remembered credential is dropped before its time (a refused token,
   * a revocation, a deleted tenant), synchronously; answers a function that stops the calls.
   */
  onForgotten(listener: () => void): () => void {
    this.forgetListeners.add(listener);
    return () => this.forgetListeners.delete(listener);
  }

  private forgotten(): void {
    for (const listener of this.forgetListeners) listener();
  }

  /**
   * The credential of a token verified recently enough to trust without asking again, or
   * undefined: synchronous, so a polling pod's request needs no promise, no database and no JWKS.
   */
  remembered(authorization: string | null): TenantCredential | undefined {
    const token = bearerToken(authorization);
    const cached = token === null ? undefined : this.cache.get(cacheKey(token));
    return cached && cached.credential.until > this.clock() ? cached.credential : undefined;
  }

  async authenticate(authorization: string | null): Promise<TenantCredential> {
    const token = bearerToken(authorization);
    if (token === null) throw unauthorized("send Authorization: Bearer <projected ServiceAccount token, or a tenant token>");
    const key = cacheKey(token);
    const now = this.clock();
    const cached = this.cache.get(key);
    if (cached && cached.credential.until > now) return cached.credential;
    let verified: Remembered;
    try {
      verified = await this.verify(token, now);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) {
        if (this.cache.delete(key)) this.forgotten();
        throw error;
      }
      if (cached && this.servableDuringOutage(cached, now)) return cached.credential;
      throw new DomainError("UNAVAILABLE", "the database is unreachable, so this tenant token cannot be checked now; retry shortly");
    }
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, verified);
    return verified.credential;
  }

  /** A tenant token verified before the outage, recently enough, and not expired since. */
  private servableDuringOutage(remembered: Remembered, now: number): boolean {
    return remembered.credential.via === "tenant-token" && now - remembered.verifiedAt <= this.config.outageGraceMs && now < remembered.expiresAt;
  }

  /**
   * Drops the remembered tenant-token credentials of tenants that no longer exist (their tokens
   * went with them): called when a new snapshot is built. Pods of the tenants that remain keep
   * their cached credential, so a write does not send every pod's next poll to the database.
   */
  forgetTenantTokensExcept(tenants: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
    let dropped = false;
    for (const [key, { credential }] of this.cache) {
      if (credential.via === "tenant-token" && !tenants.has(credential.tenant)) dropped = this.cache.delete(key) || dropped;
    }
    if (dropped) this.forgotten();
  }

  /** Drops a remembered credential at once (after a tenant token is revoked here). */
  forget(tokenHashSha256Base64url: string): void {
    for (const [key, { credential }] of this.cache) if (credential.via === "tenant-token" && key === tokenHashSha256Base64url) this.cache.delete(key);
    // Even when this cache no longer holds it: a listener's copy (the poll thread's) may.
    this.forgotten();
  }

  private async verify(token: string, now: number): Promise<Remembered> {
    if (token.startsWith(TENANT_TOKEN_PREFIX)) {
      const resolved = await resolveTenantToken(this.db, token, new Date(now));
      if (!resolved) throw unauthorized("the tenant token is not valid: it is unknown, expired or revoked");
      const expiresAt = resolved.expiresAt?.getTime() ?? Infinity;
      const until = Math.min(now + TENANT_TOKEN_CACHE_MS, expiresAt);
      return { credential: { tenant: resolved.tenant, via: "tenant-token", until }, verifiedAt: now, expiresAt };
    }
    const credential = this.config.tokenReview ? await this.review(token, now) : await this.verifyJwt(token, now);
    return { credential, verifiedAt: now, expiresAt: credential.until };
  }

  private async verifyJwt(token: string, now: number): Promise<TenantCredential> {
    if (!this.jwks) {
      throw unauthorized(
        "ServiceAccount tokens are not accepted here: set OPENCRANE_TENANT_TOKEN_JWKS_URL (or OPENCRANE_TENANT_TOKEN_REVIEW=true), or use a tenant token",
      );
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"],
        clockTolerance: 5,
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw unauthorized(`the ServiceAccount token was refused: ${(error as Error).message}`);
    }
    const until = Math.min(now + MAX_CACHE_MS, (payload.exp ?? 0) * 1000);
    return { tenant: this.tenantOfSubject(payload.sub), via: "service-account-jwt", until };
  }

  private tenantOfSubject(subject: string | undefined): string {
    const match = SUBJECT.exec(subject ?? "");
    if (!match) throw unauthorized(`the token's subject '${subject ?? ""}' is not a ServiceAccount (system:serviceaccount:<namespace>:<name>)`);
    const [, namespace, serviceAccount] = match;
    if (this.config.namespaces.length > 0 && !this.config.namespaces.includes(namespace!)) {
      throw unauthorized(`ServiceAccounts of namespace '${namespace}' are not tenants here`);
    }
    return serviceAccount!;
  }

  /** Kubernetes TokenReview with this pod's own ServiceAccount, for clusters whose issuer is not reachable. */
  private async review(token: string, now: number): Promise<TenantCredential> {
    const api = this.config.kubernetesApiUrl;
    if (!api) throw unauthorized("OPENCRANE_TENANT_TOKEN_REVIEW is on but the Kubernetes API is unknown (set OPENCRANE_KUBERNETES_API_URL)");
    const body = JSON.stringify({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token, audiences: [this.config.audience] },
    });
    const ownToken = fs.existsSync(SA_TOKEN) ? fs.readFileSync(SA_TOKEN, "utf8").trim() : process.env.OPENCRANE_KUBERNETES_TOKEN;
    const ca = fs.existsSync(SA_CA) ? fs.readFileSync(SA_CA) : undefined;
    const result = await postJson(`${api}/apis/authentication.k8s.io/v1/tokenreviews`, body, ownToken, ca).catch((error: Error) => {
      throw new DomainError("UNAVAILABLE", `the Kubernetes TokenReview failed: ${error.message}`);
    });
    const status = (result as { status?: { authenticated?: boolean; user?: { username?: string }; audiences?: string[]; error?: string } }).status;
    if (!status?.authenticated) throw unauthorized(`the ServiceAccount token was refused by Kubernetes${status?.error ? `: ${status.error}` : ""}`);
    if (status.audiences && !status.audiences.includes(this.config.audience)) throw unauthorized(`the token is not for audience '${this.config.audience}'`);
    let exp = 0;
    try {
      exp = decodeJwt(token).exp ?? 0;
    } catch {
      exp = 0;
    }
    const until = Math.min(now + MAX_CACHE_MS, exp ? exp * 1000 : now + 60_000);
    return { tenant: this.tenantOfSubject(status.user?.username), via: "token-review", until };
  }
}

function postJson(url: string, body: string, bearer: string | undefined, ca: Buffer | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "POST",
        headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        ...(ca ? { ca } : {}),
        timeout: 5000,
      },
      (response: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((response.statusCode ?? 500) >= 300) return reject(new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error("no answer within 5 s")));
    request.on("error", reject);
    request.end(body);
  });
}
