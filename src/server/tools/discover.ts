/**
 * Live discovery of a remote server's tools with the official MCP TypeScript SDK: `initialize`,
 * then every page of `tools/list`, over streamable HTTP, falling back to SSE when the server does
 * not speak it. Every request goes through ingestion's SSRF guard (guarded-fetch.ts); the whole
 * probe has a deadline and one byte budget. Tools are kept exactly as the server sent them.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { z } from "zod";
import packageJson from "../../../package.json";
import type { AllowList } from "../ingest/fetch";
import { guardedFetch } from "./guarded-fetch";
import { MAX_TOOLS, rawToolSchema, type RawTool } from "./model";

export interface ProbeOptions {
  allow: AllowList;
  headers?: Record<string, string>;
  /** The whole probe, both transports included. */
  timeoutMs?: number;
  maxBytes?: number;
  maxPages?: number;
}

export class ProbeFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProbeFailed";
  }
}

const toolsPage = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

async function listAllTools(client: Client, deadline: number, maxPages: number): Promise<RawTool[]> {
  const tools: RawTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= maxPages) throw new ProbeFailed(`tools/list has more than ${maxPages} pages`);
    const timeout = Math.max(1, deadline - Date.now());
    const result = await client.request({ method: "tools/list", params: cursor ? { cursor } : {} }, toolsPage, { timeout });
    result.tools.forEach((raw, i) => {
      const parsed = rawToolSchema.safeParse(raw);
      if (!parsed.success) throw new ProbeFailed(`tools/list page ${page + 1}, tool ${i + 1}: ${parsed.error.issues[0]?.message ?? "not a tool"}`);
      tools.push(raw as RawTool);
    });
    if (tools.length > MAX_TOOLS) throw new ProbeFailed(`the server lists more than ${MAX_TOOLS} tools`);
    if (!result.nextCursor) return tools;
    if (result.nextCursor === cursor) throw new ProbeFailed("tools/list answered the same cursor twice");
    cursor = result.nextCursor;
  }
}

/** Connects and lists, unless `stop` rejects first (the deadline passed, the byte budget is spent); the client is closed either way. */
async function withTransport(transport: Transport, deadline: number, maxPages: number, stop: Promise<never>): Promise<RawTool[]> {
  const client = new Client({ name: "opencrane-control-plane", version: packageJson.version }, { capabilities: {} });
  try {
    const listing = (async () => {
      await client.connect(transport, { timeout: Math.max(1, deadline - Date.now()) });
      return listAllTools(client, deadline, maxPages);
    })();
    listing.catch(() => undefined);
    return await Promise.race([listing, stop]);
  } finally {
    await client.close().catch(() => undefined);
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The tools a remote MCP server lists at `url`. */
export async function probeTools(url: string, options: ProbeOptions): Promise<RawTool[]> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const maxPages = options.maxPages ?? 100;
  let stopProbe!: (error: Error) => void;
  const stop = new Promise<never>((_, reject) => (stopProbe = reject));
  stop.catch(() => undefined);
  const timer = setTimeout(() => stopProbe(new ProbeFailed(`no complete tool list within ${timeoutMs} ms`)), timeoutMs);
  const fetch = guardedFetch({
    allow: options.allow,
    idleTimeoutMs: timeoutMs,
    maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
    onExhausted: (error) => stopProbe(new ProbeFailed(error.message)),
  });
  try {
    return await probeWith(url, fetch, deadline, maxPages, stop, options.headers ?? {});
  } finally {
    clearTimeout(timer);
  }
}

async function probeWith(
  url: string,
  fetch: ReturnType<typeof guardedFetch>,
  deadline: number,
  maxPages: number,
  stop: Promise<never>,
  headers: Record<string, string>,
): Promise<RawTool[]> {
  const requestInit: RequestInit = { headers };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ProbeFailed(`'${url}' is not a URL`);
  }
  try {
    return await withTransport(new StreamableHTTPClientTransport(target, { fetch, requestInit }), deadline, maxPages, stop);
  } catch (streamable) {
    if (streamable instanceof ProbeFailed || Date.now() >= deadline || isRefusal(streamable)) throw asProbeFailure(streamable);
    try {
      return await withTransport(new SSEClientTransport(target, { fetch, requestInit, eventSourceInit: { fetch } }), deadline, maxPages, stop);
    } catch (sse) {
      if (sse instanceof ProbeFailed) throw sse;
      throw new ProbeFailed(`streamable HTTP: ${reason(streamable)}; SSE: ${reason(sse)}`);
    }
  }
}

const isRefusal = (error: unknown) => error instanceof Error && error.name === "FetchRefused";

function asProbeFailure(error: unknown): ProbeFailed {
  return error instanceof ProbeFailed ? error : new ProbeFailed(reason(error));
}
