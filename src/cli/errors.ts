/** What can go wrong in `oc`, and the exit code each one ends the process with. */
import { summarize } from "../server/errors";

export const EXIT = {
  ok: 0,
  /** The server refused the request (validation, conflict, server error), or a sync run failed. */
  failed: 1,
  /** The command line or a local input file is wrong; nothing was sent. */
  usage: 2,
  /** The control plane could not be reached. */
  unreachable: 3,
  /** No token, or the token is not valid or not allowed (401/403). */
  auth: 4,
  /** The server, tenant, group, rule or source does not exist (404). */
  notFound: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    /** Lines printed under the message, e.g. one per invalid field. */
    readonly detailLines: readonly string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface ServerErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function isServerErrorBody(value: unknown): value is ServerErrorBody {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === "string" && typeof error.message === "string";
}

/** "  runtime.fixedURL: must be an absolute http(s) URL" for each field error the server named. */
export function fieldErrorLines(details: Record<string, unknown> | undefined): string[] {
  const lines: string[] = [];
  const formErrors = details?.formErrors;
  if (Array.isArray(formErrors)) lines.push(...formErrors.map((message) => `  ${String(message)}`));
  const fieldErrors = details?.fieldErrors;
  if (fieldErrors && typeof fieldErrors === "object") {
    for (const [field, messages] of Object.entries(fieldErrors as Record<string, unknown>)) {
      lines.push(`  ${field}: ${(Array.isArray(messages) ? messages : [messages]).map(String).join("; ")}`);
    }
  }
  return lines;
}

/**
 * A validation message is "cannot create source: url: …; kind: …", built from its field errors:
 * shown as the lead sentence with one line per field, which reads better than one long line.
 */
export function splitFieldErrors(message: string, details: Record<string, unknown>): { message: string; lines: string[] } {
  const lines = fieldErrorLines(details);
  if (lines.length === 0) return { message, lines };
  const fieldErrors = (details.fieldErrors ?? {}) as Record<string, string[]>;
  const formErrors = (details.formErrors ?? []) as string[];
  const summary = summarize({ fieldErrors, formErrors });
  if (summary && message.endsWith(`: ${summary}`)) return { message: message.slice(0, -(summary.length + 2)), lines };
  return { message, lines: lines.filter((line) => !message.includes(line.trim())) };
}

function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  return EXIT.failed;
}

/** The server answered with an error; its message is the one to show. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    const { message: lead, lines } = splitFieldErrors(message, details);
    super(lead, exitCodeForStatus(status), lines);
    this.name = "ApiError";
  }

  static fromResponse(status: number, body: unknown, statusText: string): ApiError {
    if (isServerErrorBody(body)) return new ApiError(status, body.error.code, body.error.message, body.error.details ?? {});
    return new ApiError(status, `HTTP_${status}`, `the server answered ${status} ${statusText}`.trim());
  }
}

const CONNECTION_CAUSES: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the control plane running there?)",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
};

/** Why fetch failed, in words: fetch's own error is only "fetch failed", the reason is in its cause. */
export function describeConnectionFailure(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "no answer in time";
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code && CONNECTION_CAUSES[cause.code]) return CONNECTION_CAUSES[cause.code]!;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export class ConnectionError extends CliError {
  constructor(url: string, error: unknown) {
    super(`cannot reach the control plane at ${url}: ${describeConnectionFailure(error)}`, EXIT.unreachable);
    this.name = "ConnectionError";
  }
}

/** "error: <message>" and the detail lines, as printed on stderr. */
export function formatError(error: CliError): string {
  return [`error: ${error.message}`, ...error.detailLines].join("\n");
}
