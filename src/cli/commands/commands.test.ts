/** How command-line arguments become request bodies and queries. */
import { describe, expect, it } from "vitest";
import { grantBody, subjectFilter } from "./grants";
import { changeMembers } from "./groups";
import { runtimeSummary, serverFieldsFromFlags } from "./mcp";
import { sourceFieldsFromFlags } from "./sources";
import { tenantFieldsFromFlags } from "./tenants";

describe("oc mcp create/update flags", () => {
  it("map to the API's fields, leaving unset flags undefined so a file's values stand", () => {
    expect(serverFieldsFromFlags({ displayName: "Linear", endpoint: "https://mcp.linear.app/mcp", category: ["Projects"] })).toEqual({
      displayName: "Linear",
      endpoint: "https://mcp.linear.app/mcp",
      categories: ["Projects"],
      shortDescription: undefined,
      description: undefined,
      runtime: undefined,
      transport: undefined,
      scope: undefined,
      ownerTenant: undefined,
      repoUrl: undefined,
      icon: undefined,
    });
  });

  it("make a package runtime from --npx or --uvx, and refuse two runtimes", () => {
    expect(serverFieldsFromFlags({ npx: "@acme/files@1.2.0" }).runtime).toEqual({ type: "npx", package: "@acme/files@1.2.0", args: [] });
    expect(serverFieldsFromFlags({ uvx: "acme==1.0" }).runtime).toEqual({ type: "uvx", package: "acme==1.0", command: "", args: [] });
    expect(() => serverFieldsFromFlags({ npx: "a@1.0.0", endpoint: "https://x" })).toThrow("give only one of --npx, --endpoint");
  });

  it("summarise each runtime kind in one cell", () => {
    expect(runtimeSummary({ type: "containerized", image: "ghcr.io/acme/x:1", port: 8080, path: "/mcp", command: "", args: [] })).toBe(
      "ghcr.io/acme/x:1 :8080/mcp",
    );
    expect(runtimeSummary({ type: "remote", hostname: "*.acme.com", headers: [] })).toBe("any URL on *.acme.com");
    expect(runtimeSummary(null)).toBe("-");
  });
});

describe("oc tenants flags", () => {
  it("change one override list and keep the other as it is", () => {
    const current = { allow: ["github"], deny: ["shell*"] };
    expect(tenantFieldsFromFlags({ deny: ["slack"] }, current).mcpPolicy).toEqual({ allow: ["github"], deny: ["slack"] });
    expect(tenantFieldsFromFlags({ team: "payments" }, current).mcpPolicy).toBeUndefined();
    expect(tenantFieldsFromFlags({ label: ["tier=gold"] }).labels).toEqual({ tier: "gold" });
  });
});

describe("oc grants", () => {
  it("builds an allow rule, or a deny rule with --deny", () => {
    expect(grantBody("group:platform", "github*", { note: "why" })).toEqual({
      subject: { type: "group", name: "platform" },
      servers: "github*",
      access: "allow",
      note: "why",
      expiresAt: undefined,
    });
    expect(grantBody("everyone", "shell", { deny: true }).access).toBe("deny");
  });

  it("filters the list by subject type and name", () => {
    expect(subjectFilter({ type: "group", name: "platform" })).toEqual({ subjectType: "group", subjectName: "platform" });
    expect(subjectFilter({ type: "everyone" })).toEqual({ subjectType: "everyone" });
    expect(subjectFilter(undefined)).toEqual({});
  });
});

describe("oc groups members", () => {
  it("adds without duplicates and removes, keeping the order", () => {
    expect(changeMembers(["a", "b"], "add", ["b", "c"])).toEqual(["a", "b", "c"]);
    expect(changeMembers(["a", "b", "c"], "remove", ["b", "x"])).toEqual(["a", "c"]);
  });
});

describe("oc sources add", () => {
  it("makes --every a schedule and --entitle a default entitlement", () => {
    expect(sourceFieldsFromFlags({ kind: "git", every: 60, entitle: ["group:platform"] })).toMatchObject({
      kind: "git",
      syncMode: "scheduled",
      intervalMinutes: 60,
      defaultEntitlements: [{ subject: { type: "group", name: "platform" } }],
    });
    expect(sourceFieldsFromFlags({ kind: "mcp-registry" }).syncMode).toBeUndefined();
  });
});
