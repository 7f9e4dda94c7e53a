/**
 * The folder-level cycle check behind `npm run lint` (scripts/check-folder-cycles.mjs), on small
 * hand-made graphs in dependency-cruiser's JSON shape.
 */
import { describe, expect, it } from "vitest";
import { cycles, folderGraph, unitOf, type CruisedModule } from "../scripts/check-folder-cycles.mjs";

const imports = (source: string, ...targets: string[]): CruisedModule => ({
  source,
  dependencies: targets.map((target) => {
    const typeOnly = target.endsWith(" (type)");
    return { resolved: target.replace(" (type)", ""), dependencyTypes: typeOnly ? ["local", "type-only"] : ["local"] };
  }),
});

describe("folder-level import cycles", () => {
  it("groups modules by their folder under src/server, and root files by name", () => {
    expect(unitOf("src/server/policy/compile.ts")).toBe("policy/");
    expect(unitOf("src/server/trpc/routers/policy.ts")).toBe("trpc/");
    expect(unitOf("src/server/services.ts")).toBe("services.ts");
    expect(unitOf("src/app/layout.tsx")).toBeNull();
    expect(unitOf("zod")).toBeNull();
  });

  it("finds two folders importing each other, type-only imports included, with the imports behind each direction", () => {
    const graph = folderGraph([
      imports("src/server/feeds/snapshot.ts", "src/server/policy/compile.ts"),
      imports("src/server/policy/queries.ts", "src/server/feeds/snapshot.ts (type)"),
    ]);
    expect(cycles(graph)).toEqual([["feeds/", "policy/", "feeds/"]]);
    expect(graph.get("policy/")?.get("feeds/")).toEqual(["src/server/policy/queries.ts → src/server/feeds/snapshot.ts (type only)"]);
  });

  it("finds a longer loop that no pair shows", () => {
    const graph = folderGraph([
      imports("src/server/db/client.ts", "src/server/rest/http.ts"),
      imports("src/server/rest/router.ts", "src/server/auth/guard.ts"),
      imports("src/server/auth/users.ts", "src/server/db/schema.ts"),
    ]);
    expect(cycles(graph)).toEqual([["auth/", "db/", "rest/", "auth/"]]);
  });

  it("accepts layers that import only downwards", () => {
    const graph = folderGraph([
      imports("src/server/rest/router.ts", "src/server/policy/store.ts", "src/server/services.ts (type)"),
      imports("src/server/services.ts", "src/server/policy/store.ts", "src/server/db/client.ts"),
      imports("src/server/policy/store.ts", "src/server/db/schema.ts", "src/server/policy/compile.ts"),
    ]);
    expect(cycles(graph)).toEqual([]);
  });

  it("does not count imports of the domain model, nor imports made by tests", () => {
    const graph = folderGraph([
      imports("src/server/db/schema.ts", "src/server/policy/model.ts (type)", "src/server/ingest/source-model.ts (type)"),
      imports("src/server/policy/store.ts", "src/server/db/schema.ts"),
      imports("src/server/ingest/sources.ts", "src/server/db/schema.ts"),
      imports("src/server/db/breaker.test.ts", "src/server/rest/http.ts"),
      imports("src/server/rest/http.ts", "src/server/db/breaker.ts"),
    ]);
    expect(cycles(graph)).toEqual([]);
  });
});
