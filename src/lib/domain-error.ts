/**
 * Reads the domain error the tRPC errorFormatter attaches to every error (`data.domain`), so forms
 * and dialogs can react to its code and put field errors next to their fields.
 */
export type DomainErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "CONFIRMATION_REQUIRED"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "VALIDATION_FAILED"
  | "PAYLOAD_TOO_LARGE"
  | "RATE_LIMITED"
  | "UNAVAILABLE";

export interface DomainErrorInfo {
  code: DomainErrorCode | null;
  message: string;
  /** Dotted input paths ("runtime.fixedURL", "env.0.key") → messages. */
  fieldErrors: Record<string, string[]>;
  formErrors: string[];
  details: Record<string, unknown>;
}

/** Who changed a server under us, from a stale-version CONFLICT. */
export interface StaleVersion {
  currentVersion: number;
  updatedBy: string;
  updatedAt: string;
}

export function domainErrorOf(error: unknown): DomainErrorInfo {
  const message = error instanceof Error ? error.message : String(error);
  const data = (error as { data?: { domain?: unknown } } | null)?.data;
  const domain = data?.domain as { code?: string; details?: Record<string, unknown> } | null | undefined;
  if (!domain) return { code: null, message, fieldErrors: {}, formErrors: [], details: {} };
  const details = domain.details ?? {};
  return {
    code: (domain.code as DomainErrorCode | undefined) ?? null,
    message,
    fieldErrors: (details.fieldErrors as Record<string, string[]> | undefined) ?? {},
    formErrors: (details.formErrors as string[] | undefined) ?? [],
    details,
  };
}

export function staleVersionOf(info: DomainErrorInfo): StaleVersion | null {
  const { currentVersion, updatedBy, updatedAt } = info.details;
  if (info.code !== "CONFLICT" || typeof currentVersion !== "number") return null;
  return { currentVersion, updatedBy: String(updatedBy ?? "someone"), updatedAt: String(updatedAt ?? "") };
}

/** The session is gone (expired, signed out elsewhere, account deactivated): sign in again. */
export function isUnauthorized(error: unknown): boolean {
  const data = (error as { data?: { code?: unknown; domain?: { code?: unknown } | null } } | null)?.data;
  return data?.code === "UNAUTHORIZED" || data?.domain?.code === "UNAUTHORIZED";
}
