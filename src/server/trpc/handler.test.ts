import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, BOOTSTRAP, principalFor, testServices } from "../../../test/support/services";
import { apiTokenCreateInput, createApiToken } from "../auth/tokens";
import { createUser, userCreateInput } from "../auth/users";
import type { Services } from "../services";

/** The route module Next.js serves /api/trpc with, over the services the test made. */
async function trpcRoute(services: Services) {
  // The state src/server/app.ts keeps on globalThis, as if the server had started with these services.
  const shared = globalThis as { __opencrane?: { services: Services | null; starting: null; lastError: null } };
  (shared.__opencrane ??= { services: null, starting: null, lastError: null }).services = services;
  return import("@/app/api/trpc/[trpc]/route");
}

describeEachDatabase("tRPC endpoint", (database) => {
  let services: Services;
  let viewerToken: string;
  let route: Awaited<ReturnType<typeof trpcRoute>>;

  beforeAll(async () => {
    services = await testServices(database());
    const user = await createUser(
      services.db,
      ALICE,
      userCreateInput.parse({ email: "viewer@example.com", role: "viewer", password: "a long enough password" }),
    );
    viewerToken = (
      await createApiToken(services.db, ALICE, principalFor("viewer", "viewer@example.com", user.id), apiTokenCreateInput.parse({ name: "t", role: "viewer" }))
    ).token;
    route = await trpcRoute(services);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => {
    (globalThis as { __opencrane?: { services: Services | null } }).__opencrane!.services = null;
  });

  /** A body that counts how much of it the server pulled. */
  function countedBody(bytes: number) {
    const counter = { pulled: 0 };
    let left = bytes;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (left <= 0) return controller.close();
          counter.pulled += 1;
          const chunk = new TextEncoder().encode(" ".repeat(Math.min(left, 64 * 1024)));
          left -= chunk.length;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 }, // pulled only when read
    );
    return { body, counter };
  }

  it("answers an anonymous mutation 401 without reading its body", async () => {
    const { body, counter } = countedBody(8 * 1024 * 1024);
    const response = await route.POST(
      new Request("http://cp.test/api/trpc/catalog.create", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(401);
    expect((await response.json()).error.data.code).toBe("UNAUTHORIZED");
    expect(counter.pulled).toBe(0);

    const batch = countedBody(1024);
    const batched = await route.POST(
      new Request("http://cp.test/api/trpc/catalog.create,tokens.create?batch=1", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer oct_not-a-real-token" },
        body: batch.body,
        duplex: "half",
      } as RequestInit),
    );
    expect(batched.status).toBe(401);
    expect(batch.counter.pulled).toBe(0);
  });

  it("still reads a signed-in caller's mutation, and answers anonymous public queries", async () => {
    const response = await route.POST(
      new Request("http://cp.test/api/trpc/catalog.create", {
        method: "POST",
        headers: { "content-type": "application/json", ...BOOTSTRAP },
        body: JSON.stringify({ name: "read-body", displayName: "Read Body", endpoint: "https://read-body.example/mcp" }),
      }),
    );
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).result.data).toMatchObject({ name: "read-body" });
    const me = await route.GET(new Request("http://cp.test/api/trpc/session.me"));
    expect(me.status).toBe(200);
  });

  it("tells a signed-in caller nothing of an unexpected error but a request id; the log has the rest", async () => {
    // A genuine driver error, with the statement and its parameters in its message.
    vi.spyOn(services.fetches, "latest").mockImplementation(async () => {
      await services.db.execute(sql`select no_such_column from feed_fetches where feed = ${"secret-parameter"}`);
      return null;
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await route.GET(
      new Request("http://cp.test/api/trpc/dashboard.summary", { headers: { authorization: `Bearer ${viewerToken}`, "x-request-id": "req-leak-1" } }),
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/no_such_column|secret-parameter|feed_fetches|select/i);
    const { error } = JSON.parse(text);
    expect(error.message).toBe("internal error (request id req-leak-1)");
    expect(error.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId: "req-leak-1" });
    expect(response.headers.get("x-request-id")).toBe("req-leak-1");
    expect(logged).toHaveBeenCalled();
    expect(
      logged.mock.calls.map((args) => args.map((a) => (a instanceof Error ? `${a.message} ${String(a.cause ?? "")}` : String(a))).join(" ")).join("\n"),
    ).toMatch(/req-leak-1[\s\S]*no_such_column/);
  });
});
