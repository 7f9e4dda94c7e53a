/**
 * The fetch stage's HTTP client: timeouts, size caps, retries with backoff, and an SSRF guard.
 * A target (and every redirect) must resolve only to public addresses unless it is allowlisted
 * (OPENCRANE_FETCH_ALLOW_HOSTS); the connection is pinned to the address that was checked, so a
 * DNS answer cannot change between the check and the connect.
 */
import dns from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import ipaddr from "ipaddr.js";
import { addressRange, isPublicAddress } from "../util/ip";
import { urlSpellingProblem } from "./location";

export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FetchRefused";
  }
}

export class FetchFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "FetchFailed";
  }
}

/** Hosts, IP addresses or CIDR ranges that may be fetched even though they are not public. */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry === "file://" || entry === "file:") {
        this.hosts.add("file://");
        continue;
      }
      if (entry.includes("/")) {
        try {
          this.ranges.push(ipaddr.parseCIDR(entry));
          continue;
        } catch {
          throw new Error(`OPENCRANE_FETCH_ALLOW_HOSTS: '${raw}' is not a CIDR range`);
        }
      }
      this.hosts.add(entry.replace(/^\[|\]$/g, ""));
    }
  }

  static fromEnv(value: string | undefined): AllowList {
    return new AllowList((value ?? "").split(","));
  }

  allowsHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase().replace(/^\[|\]$/g, ""));
  }

  allowsAddress(address: string): boolean {
    if (this.hosts.has(address)) return true;
    const ip = ipaddr.process(address);
    return this.ranges.some(([range, bits]) => ip.kind() === range.kind() && ip.match(range, bits));
  }
}

export interface FetchOptions {
  allow: AllowList;
  timeoutMs?: number;
  maxBytes?: number;
  retries?: number;
  maxRedirects?: number;
  headers?: Record<string, string>;
  /** Injected in tests to observe the backoff without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

export interface FetchResult {
  status: number;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The URL to connect to, parsed; refused when it is spelled so that another parser (curl inside
 * git, say) would read a different host from it than the guard does. Connect with what this returns
 * (its `href` for a child process), never with the raw string.
 */
export function parseTarget(raw: string): URL {
  const problem = urlSpellingProblem(raw);
  if (problem) throw new FetchRefused(`the URL ${problem}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused(`'${raw}' is not a URL`);
  }
  return url;
}

/** The address to connect to, after the guard approved every address the name resolves to. */
export async function checkedAddress(url: URL, allow: AllowList): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchRefused(`${url.protocol} URLs are not fetched; use https://`);
  if (url.username || url.password) throw new FetchRefused("a URL with user info ('user:password@') is not fetched");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = ipaddr.isValid(host)
    ? [{ address: ipaddr.process(host).toString(), family: (ipaddr.process(host).kind() === "ipv6" ? 6 : 4) as 4 | 6 }]
    : await dns.lookup(host, { all: true, verbatim: true }).catch((error: NodeJS.ErrnoException) => {
        throw new FetchFailed(`cannot resolve ${host}: ${error.code ?? error.message}`, error.code === "EAI_AGAIN");
      });
  if (addresses.length === 0) throw new FetchFailed(`${host} resolves to no address`, false);
  const hostAllowed = allow.allowsHost(host);
  for (const { address } of addresses) {
    if (!isPublicAddress(address) && !hostAllowed && !allow.allowsAddress(address)) {
      throw new FetchRefused(`${url.origin} resolves to ${address}, a ${addressRange(address)} address: refused (allow it with OPENCRANE_FETCH_ALLOW_HOSTS)`);
    }
  }
  return addresses[0] as { address: string; family: 4 | 6 };
}

function once(url: URL, pinned: { address: string; family: 4 | 6 }, options: Required<Pick<FetchOptions, "timeoutMs" | "maxBytes">> & FetchOptions) {
  const lookup: LookupFunction = (_hostname, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  return new Promise<FetchResult>((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method: "GET",
        lookup,
        headers: {
          "user-agent": "opencrane-control-plane",
          accept: "application/json, application/yaml;q=0.9, */*;q=0.5",
          "accept-encoding": "gzip, br",
          ...options.headers,
        },
        timeout: options.timeoutMs,
      },
      (response) => {
        const declared = Number(response.headers["content-length"] ?? "NaN");
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          response.destroy();
          return reject(new FetchFailed(`${url.href} is ${declared} bytes, more than the ${options.maxBytes} allowed`, false));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            response.destroy();
            reject(new FetchFailed(`${url.href} sent more than the ${options.maxBytes} bytes allowed`, false));
          } else chunks.push(chunk);
        });
        response.on("error", (error) => reject(new FetchFailed(`${url.href}: ${error.message}`, true)));
        response.on("end", () => {
          let body = Buffer.concat(chunks);
          try {
            const encoding = response.headers["content-encoding"];
            if (encoding === "gzip") body = gunzipSync(body, { maxOutputLength: options.maxBytes });
            else if (encoding === "br") body = brotliDecompressSync(body, { maxOutputLength: options.maxBytes });
            else if (encoding === "deflate") body = inflateSync(body, { maxOutputLength: options.maxBytes });
          } catch (error) {
            return reject(new FetchFailed(`${url.href}: cannot decode the body (${(error as Error).message})`, false));
          }
          resolve({ status: response.statusCode ?? 0, url: url.href, headers: response.headers, body });
        });
      },
    );
    request.on("timeout", () => request.destroy(new FetchFailed(`${url.href} did not answer within ${options.timeoutMs} ms`, true)));
    request.on("error", (error) => reject(error instanceof FetchFailed ? error : new FetchFailed(`${url.href}: ${error.message}`, true)));
    request.end();
  });
}

/** GET with the guard on every hop, redirects followed by hand, and retries on transient failures. */
export async function safeFetch(target: string, options: FetchOptions): Promise<FetchResult> {
  const settings = { timeoutMs: 15_000, maxBytes: 20 * 1024 * 1024, retries: 2, maxRedirects: 5, ...options };
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  let lastError: Error | null = null;
  for (let attempt = 0; attempt <= settings.retries; attempt++) {
    if (attempt > 0) await sleep(250 * 2 ** (attempt - 1) + Math.random() * 100);
    try {
      let url = parseTarget(target);
      for (let hop = 0; ; hop++) {
        const pinned = await checkedAddress(url, settings.allow);
        const result = await once(url, pinned, settings);
        if (result.status >= 300 && result.status < 400 && result.headers.location) {
          if (hop >= settings.maxRedirects) throw new FetchFailed(`more than ${settings.maxRedirects} redirects from ${target}`, false);
          url = parseTarget(new URL(result.headers.location, url).href);
          continue;
        }
        if (result.status >= 500 || result.status === 429) throw new FetchFailed(`${url.href} answered ${result.status}`, true);
        return result;
      }
    } catch (error) {
      if (error instanceof FetchRefused || (error instanceof FetchFailed && !error.retryable)) throw error;
      lastError = error as Error;
    }
  }
  throw lastError ?? new FetchFailed(`cannot fetch ${target}`, false);
}
