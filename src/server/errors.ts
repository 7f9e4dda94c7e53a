import type { z } from "zod";

/** Every error a user can cause or act on, mapped once to HTTP statuses and tRPC codes. */
export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, trpc: "BAD_REQUEST" },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN" },
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND" },
  CONFLICT: { http: 409, trpc: "CONFLICT" },
  CONFIRMATION_REQUIRED: { http: 409, trpc: "PRECONDITION_FAILED" },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, trpc: "UNSUPPORTED_MEDIA_TYPE" },
  VALIDATION_FAILED: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  PAYLOAD_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE" },
  RATE_LIMITED: { http: 429, trpc: "TOO_MANY_REQUESTS" },
  UNAVAILABLE: { http: 503, trpc: "SERVICE_UNAVAILABLE" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldErrors {
  /** Dotted paths into the input ("runtime.fixedURL", "env.0.key") → messages. */
  fieldErrors?: Record<string, string[]>;
  formErrors?: string[];
  [key: string]: unknown;
}

/** Marks domain errors across copies of this module (see DomainError[Symbol.hasInstance]). */
const DOMAIN_ERROR = Symbol.for("opencrane.DomainError");

export class DomainError extends Error {
  /**
   * Next.js bundles server code more than once (the instrumentation hook that starts the services,
   * and each route), so an error thrown by a service object comes from another copy of this class.
   * Recognise domain errors by a registered symbol rather than by class identity, or a route would
   * answer 500 for, say, the sign-in throttle's RATE_LIMITED.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [DOMAIN_ERROR]?: unknown })[DOMAIN_ERROR] === true;
  }

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: FieldErrors = {},
  ) {
    super(message);
    this.name = "DomainError";
    Object.defineProperty(this, DOMAIN_ERROR, { value: true });
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

export const notFound = (what: string, name: string) => new DomainError("NOT_FOUND", `${what} '${name}' does not exist`);

export function fieldErrorsOf(error: z.ZodError): Required<Pick<FieldErrors, "fieldErrors" | "formErrors">> {
  // No prototype: a field a caller named `__proto__` is a key like any other.
  const fieldErrors: Record<string, string[]> = Object.create(null);
  const formErrors: string[] = [];
  for (const issue of error.issues) {
    if (issue.path.length === 0) {
      formErrors.push(issue.message);
      continue;
    }
    const path = issue.path.map(String).join(".");
    (fieldErrors[path] ??= []).push(issue.message);
  }
  return { fieldErrors, formErrors };
}

/** "displayName: display name is required; runtime.port: port must be …" */
export function summarize(details: Required<Pick<FieldErrors, "fieldErrors" | "formErrors">>): string {
  const parts = [...details.formErrors, ...Object.entries(details.fieldErrors).map(([path, messages]) => `${path}: ${messages.join(", ")}`)];
  return parts.join("; ");
}

export function validationError(error: z.ZodError, prefix = "invalid input"): DomainError {
  const details = fieldErrorsOf(error);
  return new DomainError("VALIDATION_FAILED", `${prefix}: ${summarize(details)}`, details);
}

/** Parse with a shared input schema, failing with field errors an admin can act on. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}

/** Postgres SQLSTATE of a driver error, whichever driver raised it. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A text field of a driver error (`detail`, `table`), whichever driver raised it. */
function driverField(error: unknown, field: "detail"): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const value = (current as Record<string, unknown>)[field];
    if (typeof value === "string") return value;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const REFERENCED = { tenants: "tenant", groups: "group", mcp_servers: "server", third_party_sources: "source", users: "user", ingestion_runs: "run" } as Record<
  string,
  string
>;

/**
 * A foreign key refused a reference to a row that is gone: something the request named (a
 * tenant added to a group, say) was deleted after the request checked it. Named from the
 * database's detail: `Key (tenant_name)=(acme) is not present in table "tenants".`
 */
function missingReference(error: unknown): DomainError {
  const match = /Key \((.+?)\)=\((.*)\) is not present in table "(\w+)"/.exec(driverField(error, "detail") ?? "");
  if (!match) return new DomainError("CONFLICT", "something this change refers to was deleted at the same moment: reload and try again");
  const [, column, value, table] = match;
  const what = REFERENCED[table!] ?? table!.replace(/_/g, " ");
  return new DomainError("VALIDATION_FAILED", `${what} '${value}' does not exist (it was deleted while this change was being made)`, {
    fieldErrors: { [column!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())]: [`no such ${what}: ${value}`] },
  });
}

export function constraintOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const c = current as { constraint?: unknown; constraint_name?: unknown };
    const name = c.constraint ?? c.constraint_name;
    if (typeof name === "string") return name;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Database refusals that the caller's request causes, as the domain error they are: Postgres
 * cannot store a NUL character in text or jsonb (22021 / 22P05), whatever field it was sent in;
 * a unique key catches a create racing another one that its existence check could not see, and a
 * foreign key a change naming something deleted meanwhile (23503); a deadlock or a serialization
 * failure undid the transaction (40P01 / 40001).
 */
export function userMistakeOf(error: unknown): DomainError | undefined {
  const state = sqlState(error);
  if (state === "22021" || state === "22P05") {
    return new DomainError("BAD_REQUEST", "text must not contain NUL characters (\\u0000): remove them and send it again");
  }
  if (state === "23503") return missingReference(error);
  // Two transactions that lock the same rows in another order (a batch and an edit): Postgres
  // undid this one; nothing it did was written, and the same request may simply be sent again.
  if (state === "40P01" || state === "40001") {
    return new DomainError("CONFLICT", "another change was being made to the same objects at the same moment: nothing was changed, send it again");
  }
  if (state === "23505") {
    return new DomainError("CONFLICT", "another request saved the same name at the same moment: reload and try again");
  }
  return undefined;
}

const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "DATABASE_UNAVAILABLE",
]);

/** The database is unreachable or shutting down: the caller should retry, nothing they sent is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_ERRORS.has(code)) return true;
    const state = sqlState(current);
    if (state && (state.startsWith("08") || ["57P01", "57P02", "57P03", "53300"].includes(state))) return true;
    if (current instanceof Error && /PGlite is closed|database .* is in use/i.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
