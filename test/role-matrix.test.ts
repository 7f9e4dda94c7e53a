/**
 * Roles are enforced in one place for tRPC and REST alike: this walks every procedure of the
 * router and every route of the REST table and proves, for each, that no credentials get 401,
 * too small a role gets 403, and the declared role gets through.
 */
import { TRPCError } from "@trpc/server";
import { beforeAll, expect, it } from "vitest";
import { ALICE } from "./support/services";
import { apiTokenCreateInput, createApiToken } from "@/server/auth/tokens";
import { createUser, userCreateInput, userUpdateInput } from "@/server/auth/users";
import { ROLES, type Requirement, type Role } from "@/server/auth/roles";
import { obotFeedResponse } from "@/server/feeds/obot-route";
import { healthz, readyz } from "@/server/health";
import { restRoutes } from "@/server/rest";
import { authRoutes } from "@/server/rest/auth-routes";
import type { Services } from "@/server/services";
import { appRouter, createCaller } from "@/server/trpc/root";
import { describeEachDatabase } from "./support/database";
import { principalFor, restClient, testServices, trpcContext } from "./support/services";

const below: Record<Role, Role | null> = { viewer: null, editor: "viewer", admin: "editor" };

type Procedures = Record<string, { _def: { type: string; meta?: { requirement?: Requirement } } }>;
const procedures = Object.entries((appRouter._def as unknown as { procedures: Procedures }).procedures);

async function callProcedure(services: Services, role: Role | null, path: string): Promise<string> {
  const caller = createCaller(trpcContext(services, role ? principalFor(role) : null)) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  try {
    await fn({});
    return "OK";
  } catch (error) {
    return error instanceof TRPCError ? error.code : `THREW ${(error as Error).message}`;
  }
}

describeEachDatabase("role matrix", (database) => {
  let services: Services;
  const tokens: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    services = await testServices(database());
    for (const role of ROLES) {
      const user = await createUser(services.db, ALICE, userCreateInput.parse({ email: `${role}@example.com`, role, password: "correct horse battery" }));
      const { token } = await createApiToken(services.db, ALICE, principalFor(role, user.email, user.id), apiTokenCreateInput.parse({ name: "matrix", role }));
      tokens[role] = token;
    }
  });

  it("every tRPC procedure declares the role it needs", () => {
    expect(procedures.length).toBeGreaterThan(15);
    for (const [path, procedure] of procedures) {
      expect(procedure._def.meta?.requirement, path).toMatch(/^(public|viewer|editor|admin)$/);
    }
  });

  it("reads need at least viewer and changes at least editor (a user's own tokens excepted)", () => {
    const selfService = ["tokens.create", "tokens.revoke"];
    for (const [path, procedure] of procedures) {
      const requirement = procedure._def.meta?.requirement;
      if (path === "session.me") continue;
      expect(requirement, path).not.toBe("public");
      if (procedure._def.type === "mutation" && !selfService.includes(path)) expect(["editor", "admin"], path).toContain(requirement);
      if (path.startsWith("users.")) expect(requirement, path).toBe("admin");
    }
    for (const route of restRoutes) {
      if (route.method !== "GET" && !selfService.includes(route.useCase?.name ?? ""))
        expect(["editor", "admin"], `${route.method} ${route.path}`).toContain(route.role);
      if (route.path.startsWith("/api/v1/users")) expect(route.role, `${route.method} ${route.path}`).toBe("admin");
    }
  });

  it.each(procedures.map(([path, p]) => [path, p._def.meta?.requirement ?? "none"] as const))(
    "tRPC %s (%s): 401 without credentials, 403 below, allowed at its role",
    async (path, requirement) => {
      if (requirement === "public") {
        expect(await callProcedure(services, null, path)).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
        return;
      }
      const role = requirement as Role;
      expect(await callProcedure(services, null, path)).toBe("UNAUTHORIZED");
      const lower = below[role];
      if (lower) expect(await callProcedure(services, lower, path)).toBe("FORBIDDEN");
      expect(await callProcedure(services, role, path)).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
    },
  );

  it("every REST route declares the role it needs", () => {
    for (const route of [...restRoutes, ...authRoutes]) expect(route.role, `${route.method} ${route.path}`).toBeDefined();
    // Only the API's own description is public under /api/v1: it describes shapes, never data.
    expect(restRoutes.filter((r) => r.role === "public").map((r) => r.path)).toEqual(["/api/v1/openapi.json"]);
  });

  it.each(restRoutes.filter((r) => r.role !== "public").map((r) => [r.method, r.path, r.role] as const))(
    "REST %s %s (%s): 401 without credentials, 403 below, allowed at its role",
    async (method, template, role) => {
      const path = template.replace(/\{\w+\}/g, "matrix-probe");
      const body = method === "GET" || method === "DELETE" ? undefined : {};
      const as = (auth: Record<string, string>) => restClient(services, undefined, auth)(method, path, body);
      expect((await as({})).status).toBe(401);
      expect((await as({ authorization: "Bearer oct_not-a-real-token" })).status).toBe(401);
      const lower = below[role as Role];
      if (lower) expect((await as({ authorization: `Bearer ${tokens[lower]}` })).status).toBe(403);
      const allowed = (await as({ authorization: `Bearer ${tokens[role as Role]}` })).status;
      expect([401, 403]).not.toContain(allowed);
      // A made-up id or name is the caller's mistake: never a server error.
      expect(allowed).toBeLessThan(500);
    },
  );

  it("keeps the feeds and health checks outside admin auth", async () => {
    expect(obotFeedResponse(services, new Request("http://cp.test/api/internal/obot-registry")).status).toBe(200);
    expect(healthz().status).toBe(200);
    expect((await readyz(services, null)).status).toBe(200);
  });

  it("a token never has more rights than its owner, even if the owner is demoted later", async () => {
    const call = restClient(services, undefined, { authorization: `Bearer ${tokens.editor}` });
    expect((await call("POST", "/api/v1/mcp-servers", { name: "by-editor", displayName: "By Editor" })).status).toBe(201);
    const { updateUser, listUsers } = await import("@/server/auth/users");
    const editor = (await listUsers(services.db)).find((u) => u.email === "editor@example.com")!;
    await updateUser(services.db, ALICE, editor.id, userUpdateInput.parse({ role: "viewer" }));
    expect((await call("POST", "/api/v1/mcp-servers", { name: "by-demoted", displayName: "By Demoted" })).status).toBe(403);
    expect((await call("GET", "/api/v1/mcp-servers")).status).toBe(200);
  });
});
