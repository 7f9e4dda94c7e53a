/**
 * The app's REST API (/api/v1 and /api/auth) on a plain node:http listener on loopback, for tests
 * that need a real URL (the `oc` binary in a child process). Requests go through the same route
 * tables the Next.js route handlers dispatch to.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { dispatchRest } from "@/server/rest";
import { dispatchAuth } from "@/server/rest/auth-routes";
import type { Services } from "@/server/services";

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

async function toRequest(req: http.IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && chunks.length > 0;
  return new Request(new URL(req.url ?? "/", origin), { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
}

async function send(response: Response, res: http.ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

export async function startApiServer(services: Services): Promise<ApiServer> {
  let origin = "";
  const server = http.createServer((req, res) => {
    void (async () => {
      const request = await toRequest(req, origin);
      const dispatch = new URL(request.url).pathname.startsWith("/api/auth/") ? dispatchAuth : dispatchRest;
      await send(await dispatch(services, request), res);
    })().catch((error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
