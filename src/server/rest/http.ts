import { randomUUID } from "node:crypto";
import { clientAddressOf } from "../client-address";
import type { Config } from "../config";
import { DomainError, isDatabaseUnavailable, userMistakeOf } from "../errors";
import { parseJsonText } from "../util/nesting";

export function json(data: unknown, status = 200, headers: HeadersInit = {}): Response {
  return Response.json(data, { status, headers });
}

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function errorResponse(error: unknown, requestId: string): Response {
  error = userMistakeOf(error) ?? error;
  if (error instanceof DomainError) {
    return json({ error: { code: error.code, message: error.message, details: error.details } } satisfies ErrorBody, error.httpStatus);
  }
  if (isDatabaseUnavailable(error)) {
    return json({ error: { code: "UNAVAILABLE", message: "the database is unreachable; retry shortly", details: { requestId } } }, 503, { "Retry-After": "5" });
  }
  console.error(`[opencrane] request ${requestId} failed:`, error);
  return json({ error: { code: "INTERNAL", message: `internal error (request id ${requestId})`, details: { requestId } } }, 500);
}

export function requestIdOf(request: { headers: Headers }): string {
  const given = request.headers.get("x-request-id");
  return given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}

/** The caller's address (never a header the caller could make up: see client-address.ts). */
export function sourceIpOf(request: { headers: Headers }, config: Pick<Config, "trustedProxies">): string | undefined {
  return clientAddressOf(request, config.trustedProxies);
}

/** A path parameter, percent-decoded; a malformed escape such as `%E0` is the caller's mistake (400). */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DomainError("BAD_REQUEST", `path segment '${segment}' is not valid percent-encoding (UTF-8)`);
  }
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/** The request body as text, refusing oversized bodies before reading them where the length is known. */
export async function readBodyText(request: Request, maxBytes = DEFAULT_MAX_BODY): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  const tooLarge = () => new DomainError("PAYLOAD_TOO_LARGE", `request body is larger than ${Math.round(maxBytes / 1024)} KiB`);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  // Without a length (chunked), stop reading at the cap rather than buffering whatever is sent.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** A JSON object body; an empty body is `{}` when `optional`. */
export async function readJsonBody(request: Request, { optional = false, maxBytes = DEFAULT_MAX_BODY } = {}): Promise<unknown> {
  const text = await readBodyText(request, maxBytes);
  if (text.trim() === "") {
    if (optional) return {};
    throw new DomainError("BAD_REQUEST", "request body is empty: send a JSON object");
  }
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new DomainError("UNSUPPORTED_MEDIA_TYPE", `Content-Type must be application/json (got '${type || "(none)"}')`);
  }
  try {
    return parseJsonText(text, "the request body");
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError("BAD_REQUEST", `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Query parameters as a plain object; repeated keys become arrays. A NUL character is refused
 * here, for every parameter: no filter can match it (Postgres text cannot hold one), and a query
 * carrying it would fail in the database — after a streamed answer had already begun.
 */
export function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    if (key.includes("\u0000") || values.some((v) => v.includes("\u0000"))) {
      throw new DomainError("BAD_REQUEST", `query parameter '${key.replaceAll("\u0000", "\\0")}' contains a NUL character (%00): remove it`, {
        fieldErrors: { [key]: ["must not contain NUL characters"] },
      });
    }
    // No parameter is named so; assigning it would replace the object's prototype instead.
    if (key === "__proto__") continue;
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}
