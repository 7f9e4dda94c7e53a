/** How command-line arguments become request bodies and queries. */
import { describe, expect, it } from "vitest";
import type { User } from "../../server/auth/model";
import { grantBody, grantChangesFromFlags, subjectFilter } from "./grants";
import { changeMembers } from "./groups";
import { matrixRows } from "./policy";
import { runtimeSummary, serverFieldsFromFlags } from "./mcp";
import { sourceChangesFromFlags, sourceFieldsFromFlags, uploadBody } from "./sources";
import { tenantFieldsFromFlags } from "./tenants";
import { tokenState } from "./tokens";
import { findUser } from "./users";

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

describe("oc users, tokens, grants update, sources edit and upload", () => {
  const user = (email: string, id: string) => ({ email, id }) as User;

  it("find a user by e-mail (any case) or id, and say which one does not exist", () => {
    const users = [user("ops@example.com", "5c0b2d1e-0000-4000-8000-000000000001")];
    expect(findUser(users, "OPS@example.com ").id).toBe("5c0b2d1e-0000-4000-8000-000000000001");
    expect(findUser(users, "5c0b2d1e-0000-4000-8000-000000000001").email).toBe("ops@example.com");
    expect(() => findUser(users, "dev@example.com")).toThrow("user 'dev@example.com' does not exist");
  });

  it("call a token revoked, expired or active", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    expect(tokenState({ revokedAt: "2026-11-01T00:00:00Z", expiresAt: null }, now)).toBe("revoked");
    expect(tokenState({ revokedAt: null, expiresAt: "2026-11-30T00:00:00Z" }, now)).toBe("expired");
    expect(tokenState({ revokedAt: null, expiresAt: "2026-12-02T00:00:00Z" }, now)).toBe("active");
    expect(tokenState({ revokedAt: null, expiresAt: null }, now)).toBe("active");
  });

  it("send only the rule fields given, --no-expiry as a cleared expiry", () => {
    expect(grantChangesFromFlags({ subject: "group:platform", expiry: false })).toEqual({
      subject: { type: "group", name: "platform" },
      servers: undefined,
      access: undefined,
      note: undefined,
      expiresAt: null,
    });
    expect(grantChangesFromFlags({ expiresAt: "2026-12-31T23:59:59Z", expiry: true }).expiresAt).toBe("2026-12-31T23:59:59Z");
  });

  it("send only the source fields given; --manual drops the schedule, and kind never changes", () => {
    const changes = sourceChangesFromFlags({ url: "https://registry.example.com", manual: true });
    expect(changes).toMatchObject({ url: "https://registry.example.com", syncMode: "manual", intervalMinutes: null });
    expect("kind" in changes).toBe(false);
    expect(sourceChangesFromFlags({ every: 60 })).toMatchObject({ syncMode: "scheduled", intervalMinutes: 60, url: undefined });
  });

  it("upload one file as it is and several as the files of a form, each typed by its name", async () => {
    const read = (file: string) => `text of ${file}`;
    expect(uploadBody(["a.json"], read)).toEqual({ body: "text of a.json", contentType: "application/json" });
    const { body, contentType } = uploadBody(["dir/a.json", "b.yaml", "-"], read);
    expect(contentType).toBeUndefined();
    const files = (body as FormData).getAll("file") as File[];
    expect(files.map((f) => [f.name, f.type])).toEqual([
      ["a.json", "application/json"],
      ["b.yaml", "application/yaml"],
      ["stdin.yaml", "application/yaml"],
    ]);
    expect(await files[0]!.text()).toBe("text of dir/a.json");
  });
});

describe("oc policy matrix", () => {
  it("reads each cell's tier as allow (3, 5) or deny, column by column", () => {
    const matrix = {
      revision: 3,
      servers: [
        { name: "github", scope: "org" },
        { name: "tenant", scope: "org" },
      ],
      rows: [{ tenant: "ci-bot", tiers: "52" }],
      totalTenants: 1,
    };
    expect(matrixRows(matrix)).toEqual([{ tenant: "ci-bot", cells: ["allow 5", "deny 2"] }]);
  });
});
