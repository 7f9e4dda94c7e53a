/**
 * The app as users run it (`npm start`: Next.js behind scripts/http-front.mjs) answers requests
 * no route can take with a 4xx, never Next's plain-text 500 — raw sockets, since fetch() will not
 * send a malformed path or a TRACE.
 */
import http from "node:http";
import { expect, test } from "@playwright/test";
import { E2E_PORT } from "./env";

function send(method: string, path: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: E2E_PORT, method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, contentType: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("malformed percent-escapes get 400 on API routes, tRPC, feeds and console pages", async () => {
  for (const path of ["/api/v1/tenants/%E0", "/api/trpc/%E0", "/api/internal/contract/%E0", "/api/auth/%E0", "/servers/%E0"]) {
    const res = await send("GET", path);
    expect(res.status, path).toBe(400);
    expect(res.body, path).toContain("not valid percent-encoding");
  }
});

test("TRACE gets 405 on every kind of path", async () => {
  for (const path of ["/", "/servers", "/api/readyz", "/api/v1/mcp-servers", "/api/trpc/session.me"]) {
    expect((await send("TRACE", path)).status, path).toBe(405);
  }
  expect((await send("GET", "/api/readyz")).status).toBe(200);
});
