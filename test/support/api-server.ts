/**
 * The app's REST API (/api/v1 and /api/auth) on a plain node:http listener on loopback, for tests
 * that need a real URL (the `oc` binary in a child process). Requests go through the same route
 * tables the Next.js route handlers dispatch to.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { dispatchRest } from "@/server/rest";
import { webRequestOf, writeWebResponse } from "@/server/rest/api-client-writes";
import { dispatchAuth } from "@/server/rest/auth-routes";
import type { Services } from "@/server/services";

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(services: Services): Promise<ApiServer> {
  let origin = "";
  const server = http.createServer((req, res) => {
    void (async () => {
      const request = webRequestOf(req);
      const dispatch = new URL(request.url).pathname.startsWith("/api/auth/") ? dispatchAuth : dispatchRest;
      await writeWebResponse(res, await dispatch(services, request));
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
