/** A small client for the control plane's REST API (/api/v1): JSON in, JSON out, errors as ApiError. */
import type { Connection } from "./config";
import { ApiError, CliError, ConnectionError, EXIT } from "./errors";

export type QueryValue = string | number | boolean | undefined | readonly string[];
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /** An object is sent as JSON; a string is sent as is with `contentType`; a FormData as multipart/form-data. */
  body?: unknown;
  contentType?: string;
}

const REQUEST_TIMEOUT_MS = 120_000;

/** "?status=active,draft&dryRun=true": lists are comma-separated, as the API takes them; empty values are left out. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A path segment from user input: `oc mcp get a/b` must not reach another route. */
export const segment = (value: string) => encodeURIComponent(value);

export class ApiClient {
  constructor(
    readonly connection: Connection,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { body, query });
  }

  patch<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>("PATCH", path, { body, query });
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("DELETE", path, { query });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { token, url: base } = this.connection;
    if (!token) {
      throw new CliError(`no token for ${base}: run \`oc login --url ${base}\`, or pass --token or set OPENCRANE_TOKEN`, EXIT.auth);
    }
    const headers: Record<string, string> = { accept: "application/json", "user-agent": "oc (OpenCrane CLI)" };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | FormData | undefined;
    if (options.body instanceof FormData) {
      body = options.body; // fetch sets the multipart Content-Type with its boundary
    } else if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }

    let response: Response;
    try {
      response = await this.fetchImpl(`${base}${path}${queryString(options.query)}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ConnectionError(base, error);
    }

    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.ok) throw new CliError(`${method} ${path} answered something that is not JSON: is ${base} an OpenCrane control plane?`);
      }
    }
    if (!response.ok) throw ApiError.fromResponse(response.status, parsed, response.statusText);
    return parsed as T;
  }
}
