/**
 * Real MCP servers for the tool-governance tests, on loopback:
 * - the MCP project's reference server (`@modelcontextprotocol/server-everything`) in streamable HTTP mode, as a child process;
 * - servers built here with the SDK whose tool list the test changes between probes, over
 *   streamable HTTP (stateless) or the older SSE transport, paged by `pageSize`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

export interface MutableMcpServer {
  url: string;
  /** The tools the next tools/list answers, exactly as sent. */
  tools: Record<string, unknown>[];
  /** The headers of the requests received, lower-cased names. */
  requests: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

function mcpServer(state: { tools: Record<string, unknown>[] }, pageSize: number): Server {
  const server = new Server({ name: "mutable-test-server", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, (request) => {
    const start = Number(request.params?.cursor ?? 0);
    const page = state.tools.slice(start, start + pageSize);
    const next = start + pageSize < state.tools.length ? String(start + pageSize) : undefined;
    return { tools: page as never, ...(next ? { nextCursor: next } : {}) };
  });
  return server;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An MCP server over streamable HTTP (stateless: one SDK server per request) at /mcp. */
export async function startMutableServer(tools: Record<string, unknown>[], options: { pageSize?: number } = {}): Promise<MutableMcpServer> {
  const state: MutableMcpServer = { url: "", tools, requests: [], close: async () => undefined };
  const httpServer = http.createServer(async (req, res) => {
    state.requests.push(req.headers);
    if (req.url !== "/mcp") return void res.writeHead(404).end();
    if (req.method !== "POST") return void res.writeHead(405).end();
    const server = mcpServer(state, options.pageSize ?? 1000);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  state.url = `${await listen(httpServer)}/mcp`;
  state.close = () => new Promise<void>((resolve) => httpServer.close(() => resolve()));
  httpServer.closeIdleConnections?.();
  return state;
}

/** An MCP server that speaks only the older HTTP+SSE transport: GET /sse opens the stream, POST /messages carries requests. */
export async function startSseOnlyServer(tools: Record<string, unknown>[]): Promise<MutableMcpServer> {
  const state: MutableMcpServer = { url: "", tools, requests: [], close: async () => undefined };
  const transports = new Map<string, SSEServerTransport>();
  const httpServer = http.createServer(async (req, res) => {
    state.requests.push(req.headers);
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/sse") {
      const transport = new SSEServerTransport("/messages", res);
      transports.set(transport.sessionId, transport);
      res.on("close", () => transports.delete(transport.sessionId));
      await mcpServer(state, 1000).connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get("sessionId") ?? "");
    if (req.method === "POST" && url.pathname === "/messages" && transport) return void (await transport.handlePostMessage(req, res));
    res.writeHead(405).end();
  });
  state.url = `${await listen(httpServer)}/sse`;
  state.close = () =>
    new Promise<void>((resolve) => {
      httpServer.closeAllConnections();
      httpServer.close(() => resolve());
    });
  return state;
}

/** `@modelcontextprotocol/server-everything` in streamable HTTP mode on a free loopback port. */
export async function startEverythingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const probe = http.createServer();
  const port = Number(new URL(await listen(probe)).port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const entry = path.resolve(__dirname, "../../node_modules/@modelcontextprotocol/server-everything/dist/index.js");
  const child: ChildProcess = spawn(process.execPath, [entry, "streamableHttp"], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`server-everything did not start: ${output}`)), 20_000);
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening on port")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.on("exit", (code) => reject(new Error(`server-everything exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
