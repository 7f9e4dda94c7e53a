/**
 * The main port's own answer to API clients' writes (rest/api-client-writes.ts, used by
 * scripts/server.mjs instead of Next.js): which requests it takes, and that its answers are the
 * route's, headers included.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isApiClientWrite, serveApiClientWrite } from "@/server/rest/api-client-writes";
import { MAIN_PORT_API_HEADERS } from "@/server/security-headers";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { BOOTSTRAP, restClient, testServices } from "./support/services";

function incoming(method: string, url: string, headers: Record<string, string>): http.IncomingMessage {
  return { method, url, headers } as unknown as http.IncomingMessage;
}

describe("isApiClientWrite", () => {
  const bearer = { authorization: "Bearer oc_x" };
  it("takes REST writes with a bearer token and no cookie", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) expect(isApiClientWrite(incoming(method, "/api/v1/tenants/a", bearer)), method).toBe(true);
    expect(isApiClientWrite(incoming("PATCH", "/api/v1/tenants/a", { authorization: "bearer oc_x" }))).toBe(true);
  });

  it("leaves to Next.js reads, sessions (the CSRF guard reads the origin Next builds), other APIs and requests without a token", () => {
    expect(isApiClientWrite(incoming("GET", "/api/v1/tenants", bearer))).toBe(false);
    expect(isApiClientWrite(incoming("OPTIONS", "/api/v1/tenants", bearer))).toBe(false);
    expect(isApiClientWrite(incoming("PATCH", "/api/v1/tenants/a", { ...bearer, cookie: "oc_session=x" }))).toBe(false);
    expect(isApiClientWrite(incoming("PATCH", "/api/v1/tenants/a", {}))).toBe(false);
    expect(isApiClientWrite(incoming("PATCH", "/api/v1/tenants/a", { authorization: "Basic eDp5" }))).toBe(false);
    expect(isApiClientWrite(incoming("POST", "/api/auth/sign-in", bearer))).toBe(false);
    expect(isApiClientWrite(incoming("POST", "/api/trpc/tenants.update", bearer))).toBe(false);
    expect(isApiClientWrite(incoming("POST", "/api/v1", bearer))).toBe(false);
  });
});

describeEachDatabase("API clients' writes on the main port's listener", (database) => {
  let services: Services;
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    services = await testServices(database());
    server = http.createServer((request, response) => void serveApiClientWrite(services, request, response, MAIN_PORT_API_HEADERS));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await services.close();
  });

  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method, headers: { ...BOOTSTRAP, "content-type": "application/json", ...headers }, body });

  it("answers as the route does, with the API's headers and a request id, and the write is visible at once", async () => {
    const created = await send("POST", "/api/v1/tenants", JSON.stringify({ name: "fast-path", displayName: "Fast path" }));
    expect(created.status).toBe(201);
    for (const [name, value] of Object.entries(MAIN_PORT_API_HEADERS)) expect(created.headers.get(name), name).toBe(value);
    // The route's own Content-Type stands, once.
    expect(created.headers.get("content-type")).toBe("application/json");
    expect(created.headers.get("x-request-id")).toBeTruthy();
    const body = (await created.json()) as { name: string; version: number };
    expect(body).toMatchObject({ name: "fast-path", version: 1 });

    const patched = await send("PATCH", "/api/v1/tenants/fast-path", JSON.stringify({ team: "platform", version: 1 }));
    expect(patched.status).toBe(200);
    const inProcess = await restClient(services)("GET", "/api/v1/tenants/fast-path");
    const answered = (await patched.json()) as { team: string; version: number };
    expect(answered).toMatchObject({ team: "platform", version: 2 });
    expect(inProcess.body).toMatchObject(answered);
    // Read-your-writes: the answer came after the snapshot that includes the write.
    expect(services.snapshots.current?.tenants.get("fast-path")?.team).toBe("platform");
  });

  it("refuses what the route refuses, with the route's errors", async () => {
    const malformed = await send("PATCH", "/api/v1/tenants/fast-path", "{not json");
    expect(malformed.status).toBe(400);
    const stale = await send("PATCH", "/api/v1/tenants/fast-path", JSON.stringify({ labels: {}, version: 1 }));
    expect(stale.status).toBe(409);
    const unknown = await send("DELETE", "/api/v1/tenants/nobody");
    expect(unknown.status).toBe(404);
    const unauthenticated = await send("DELETE", "/api/v1/tenants/fast-path", undefined, { authorization: "Bearer not-a-token" });
    expect(unauthenticated.status).toBe(401);
    const tooLarge = await send("PATCH", "/api/v1/tenants/fast-path", JSON.stringify({ labels: { x: "y".repeat(2 * 1024 * 1024) } }));
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});
