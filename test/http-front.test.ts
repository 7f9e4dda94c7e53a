/**
 * The production server's HTTP front (scripts/http-front.mjs, in front of Next.js in
 * scripts/server.mjs): requests no route can take get a 4xx that says what is wrong, instead of
 * the plain-text 500 Next.js answers them with. Sent over real sockets, since the defect is at the
 * HTTP layer: raw request targets (`%E0`) and methods (TRACE) that fetch() refuses to send.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withHttpFront } from "../scripts/http-front.mjs";

let server: http.Server;
let port = 0;
const reached: string[] = [];

function send(method: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  // Stands in for Next.js: records what reached it.
  server = http.createServer(
    withHttpFront((req, res) => {
      reached.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "Content-Type": "text/plain" }).end("app");
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("HTTP front of the main port", () => {
  it.each(["/api/v1/tenants/%E0", "/api/trpc/%E0", "/api/internal/contract/%E0", "/api/v1/mcp-servers/a%", "/api/auth/%zz?x=1"])(
    "answers 400 in the API's error shape for a path with a malformed percent-escape: %s",
    async (path) => {
      const res = await send("GET", path);
      expect(res.status).toBe(400);
      expect(res.headers["content-type"]).toBe("application/json");
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("BAD_REQUEST");
      expect(body.error.message).toContain("not valid percent-encoding");
      expect(reached).not.toContain(`GET ${path}`);
    },
  );

  it("answers 400 in plain text for a console page with a malformed escape", async () => {
    const res = await send("GET", "/servers/%E0");
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/not valid percent-encoding.*%25/);
  });

  it.each(["TRACE", "PROPFIND", "MKCOL", "PURGE"])("answers 405 with the served methods for %s on any path", async (method) => {
    for (const path of ["/", "/servers", "/api/readyz", "/api/v1/mcp-servers"]) {
      const res = await send(method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    }
    expect(reached.filter((r) => r.startsWith(method))).toEqual([]);
  });

  it("passes well-formed requests through, escapes and all", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/mcp-servers/caf%C3%A9"],
      ["DELETE", "/api/v1/tenants/100%25"],
      ["OPTIONS", "/api/v1/mcp-servers"],
      ["GET", "/servers?q=%E0"],
    ] as const) {
      const res = await send(method, path);
      expect(res.status, `${method} ${path}`).toBe(200);
      expect(reached).toContain(`${method} ${path}`);
    }
  });
});
