/**
 * An MCP registry on loopback that answers like the official API (openapi.yaml): GET
 * /v0.1/servers?cursor=&limit= → {servers: [{server, _meta}], metadata: {nextCursor, count}}.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RegistryVersion {
  server: Record<string, unknown>;
  status?: "active" | "deprecated" | "deleted";
  isLatest?: boolean;
}

export interface FakeRegistry {
  url: string;
  requests: string[];
  set(versions: RegistryVersion[]): void;
  close(): Promise<void>;
}

export async function startFakeRegistry(versions: RegistryVersion[], options: { v01?: boolean } = {}): Promise<FakeRegistry> {
  let data = versions;
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://registry");
    requests.push(url.pathname + url.search);
    const prefix = options.v01 === false ? "/v0/servers" : "/v0.1/servers";
    if (url.pathname !== prefix) return res.writeHead(404, { "content-type": "application/json" }).end('{"title":"Not Found","status":404}');
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 30), 100);
    const cursor = url.searchParams.get("cursor");
    const start = cursor ? Number(Buffer.from(cursor, "base64url").toString()) : 0;
    if (!Number.isInteger(start) || start < 0 || start > data.length) return res.writeHead(400).end('{"title":"bad cursor"}');
    const page = data.slice(start, start + limit);
    const next = start + limit < data.length ? Buffer.from(String(start + limit)).toString("base64url") : undefined;
    const body = {
      servers: page.map((v) => ({
        server: v.server,
        _meta: {
          "io.modelcontextprotocol.registry/official": {
            status: v.status ?? "active",
            publishedAt: "2025-10-01T00:00:00Z",
            updatedAt: "2025-10-01T00:00:00Z",
            isLatest: v.isLatest ?? true,
          },
        },
      })),
      metadata: { ...(next ? { nextCursor: next } : {}), count: page.length },
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    set: (next) => {
      data = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
