/**
 * One behaviour, one use case: every REST route and every tRPC procedure is an adapter over a use
 * case of src/server/application, and a route and its twin procedure (the two adapting one use
 * case) demand the same role and accept the same input — the use case's argument schema.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { AnyUseCase } from "@/server/application/use-case";
import { documentedRoutes } from "@/server/rest";
import { appRouter } from "@/server/trpc/root";

interface ProcedureDef {
  _def: { type: string; meta?: { requirement?: string; useCase?: string }; inputs: z.ZodType[] };
}
const procedures = Object.entries((appRouter._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures);

/** Edges that are not use cases, and why. */
const NOT_USE_CASES = new Set([
  // Serves the document describing the routes themselves.
  "GET /api/v1/openapi.json",
  // The browser sign-in flow: cookies, redirects and throttling are the edge's business.
  "GET /api/auth/config",
  "GET /api/auth/session",
  "POST /api/auth/login",
  "POST /api/auth/logout",
  "POST /api/auth/setup",
  "GET /api/auth/oidc/start",
  "GET /api/auth/oidc/callback",
]);

/** Procedures without a REST twin, and why: everything else the console does, a script can (issue 15). */
const CONSOLE_ONLY = new Set([
  // Part of the sign-in flow: its REST twin is GET /api/auth/session, which the edge answers itself.
  "session.me",
  // The console's paged views of lists a script reads whole: GET /api/v1/grants, /groups and /tenants.
  "grants.page",
  "groups.page",
  "tenants.page",
  // GET /api/v1/sources, /sources/{name}/runs (the last 50), /review/quarantined, /review/pending-updates,
  // /review/tool-drift, /users and /api-tokens answer whole lists: their shapes are contracts.
  "sources.page",
  "sources.runsPage",
  "sources.reviewPage",
  "tools.driftPage",
  "users.page",
  "tokens.page",
  // Parts of the tenant page, loaded tab by tab: GET /api/v1/tenants/{name} answers them together.
  "tenants.summary",
  "tenants.access",
  // A run's items a page at a time for the run page: GET /api/v1/sources/{name}/runs/{runId} lists them all.
  "sources.runItems",
  // The rules page's compiler warnings, counted by kind and a page at a time: GET /api/v1/policy answers them whole.
  "policy.warnings",
  // Form and palette helpers: suggestions and hints while typing, over lists REST already serves
  // (GET /api/v1/mcp-servers, /api/v1/grants?subject=…, each list's ?q=).
  "policy.serverTargets",
  "grants.duplicates",
  "search.find",
  // Per-file results of a multi-file upload; scripts send the same files as multipart to POST /api/v1/mcp-servers/import.
  "catalog.importFiles",
]);

const label = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

describe("REST routes and tRPC procedures over the application layer", () => {
  const useCases = new Map<string, AnyUseCase>();
  for (const route of documentedRoutes) if (route.useCase) useCases.set(route.useCase.name, route.useCase);

  it("every route and procedure adapts a use case, but for the edges listed with their reason", () => {
    const without = [
      ...documentedRoutes.filter((r) => !r.useCase).map(label),
      ...procedures.filter(([, p]) => !p._def.meta?.useCase).map(([path]) => `trpc ${path}`),
    ].sort();
    expect(without).toEqual([...NOT_USE_CASES].sort());
  });

  it("every procedure has a REST twin adapting the same use case, but for the ones listed with their reason", () => {
    const withoutTwin = procedures.filter(([path]) => !useCases.has(path)).map(([path]) => path);
    expect(withoutTwin.sort()).toEqual([...CONSOLE_ONLY].sort());
  });

  it("a procedure is named after its use case and takes its role, kind and argument schema", () => {
    for (const [path, procedure] of procedures) {
      const name = procedure._def.meta?.useCase;
      if (!name) continue;
      expect(name, `trpc ${path}`).toBe(path);
      const useCase = useCases.get(name);
      if (!useCase) continue; // tRPC-only (CONSOLE_ONLY): checked by the role matrix
      expect(procedure._def.meta?.requirement, `trpc ${path} role`).toBe(useCase.role);
      expect(procedure._def.type, `trpc ${path} kind`).toBe(useCase.mutates ? "mutation" : "query");
      const input = procedure._def.inputs[0] as z.ZodType & { unwrap?: () => z.ZodType };
      expect(input === useCase.args || input.unwrap?.() === useCase.args, `trpc ${path} input`).toBe(true);
    }
  });

  it("a route takes its use case's role, and twins demand the same role and accept the same arguments", () => {
    const byName = new Map(procedures.map(([path, p]) => [path, p]));
    let twins = 0;
    for (const route of documentedRoutes) {
      if (!route.useCase) continue;
      expect(route.role, label(route)).toBe(route.useCase.role);
      const twin = byName.get(route.useCase.name);
      if (!twin) continue;
      twins += 1;
      expect(twin._def.meta?.useCase, label(route)).toBe(route.useCase.name);
      expect(twin._def.meta?.requirement, `${label(route)} and trpc ${route.useCase.name}`).toBe(route.role);
    }
    expect(twins).toBeGreaterThan(0);
  });

  it("routes adapting one use case agree on it (one name, one definition)", () => {
    const seen = new Map<string, AnyUseCase>();
    for (const route of documentedRoutes) {
      if (!route.useCase) continue;
      const earlier = seen.get(route.useCase.name);
      if (earlier) expect(earlier, `${route.useCase.name} is declared twice`).toBe(route.useCase);
      seen.set(route.useCase.name, route.useCase);
    }
  });
});
