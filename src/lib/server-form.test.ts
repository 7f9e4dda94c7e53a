import { describe, expect, it } from "vitest";
import { catalogServer, remoteSpec } from "../../test/support/catalog";
import { serverCreateInput, serverSpecSchema, type McpServer } from "@/server/catalog/model";
import {
  createInputOf,
  emptyFormValues,
  errorTargetFor,
  formValuesOf,
  mapFieldErrors,
  serverFormResolver,
  specInputOf,
  type ServerFormValues,
} from "./server-form";

function server(overrides: Partial<McpServer>): McpServer {
  return catalogServer("github", remoteSpec("https://api.example.com/mcp", { displayName: "GitHub" }), {
    id: "00000000-0000-0000-0000-000000000001",
    createdBy: "anonymous",
    updatedBy: "anonymous",
    ...overrides,
  });
}

function values(change: (v: ServerFormValues) => void): ServerFormValues {
  const v = emptyFormValues();
  v.name = "weather";
  v.displayName = "Weather";
  v.runtime.fixedURL = "https://weather.example.com/mcp";
  change(v);
  return v;
}

async function resolve(v: ServerFormValues, mode: "create" | "edit" = "create") {
  return serverFormResolver(mode)(v, undefined, { fields: {}, shouldUseNativeValidation: false });
}

describe("server form values", () => {
  it("turn into input the create schema accepts, with lists split and the transport left to its default", () => {
    const input = createInputOf(
      values((v) => {
        v.categories = "Weather, Data ,";
        v.env = [{ key: "API_KEY", name: "", description: "", required: true, sensitive: true, file: false, value: "leak" }];
      }),
    );
    const parsed = serverCreateInput.parse(input);
    expect(parsed.categories).toEqual(["Weather", "Data"]);
    expect(parsed.env[0]).toMatchObject({ key: "API_KEY", sensitive: true });
    expect(parsed.env[0]!.value).toBeUndefined();
    expect(parsed.transport).toBeUndefined();
  });

  it("round-trip a stored server, keeping runtime settings the form does not show", () => {
    const stored = server({
      transport: "stdio",
      endpoint: null,
      runtime: { type: "npx", package: "pkg@1.2.3", args: ["--port", "1 2"], egressDomains: ["api.example.com"] },
      categories: ["A", "B"],
      toolPreview: [{ name: "search", description: "Search", params: { q: "query" } }],
    });
    const input = specInputOf(formValuesOf(stored), stored);
    const spec = serverSpecSchema.parse(input);
    expect(spec.runtime).toEqual(stored.runtime);
    expect(spec.categories).toEqual(["A", "B"]);
    expect(spec.toolPreview).toEqual(stored.toolPreview);
    expect(input.transport).toBeUndefined();
  });

  it("send the owner tenant of a personal server only, and ask for it when it is missing", async () => {
    const personal = values((v) => {
      v.scope = "personal";
      v.ownerTenant = " payments-bot ";
    });
    expect(serverCreateInput.parse(createInputOf(personal))).toMatchObject({ scope: "personal", ownerTenant: "payments-bot" });
    const backToOrg = { ...personal, scope: "org" as const };
    expect(createInputOf(backToOrg).ownerTenant).toBeNull();
    expect(formValuesOf(server({ scope: "personal", ownerTenant: "payments-bot" })).ownerTenant).toBe("payments-bot");
    const missing = await resolve(values((v) => (v.scope = "personal")));
    expect(missing.errors.ownerTenant?.message).toBe("a personal server needs an owner tenant: the one tenant that may be granted it");
  });

  it("send only the chosen remote mode", () => {
    const input = specInputOf(
      values((v) => {
        v.runtime.remoteMode = "hostname";
        v.runtime.hostname = "*.example.com";
      }),
    );
    expect(input.runtime).toEqual({ type: "remote", hostname: "*.example.com", headers: [] });
  });
});

describe("error paths map onto form fields", () => {
  it.each([
    ["runtime.fixedURL", "runtime.fixedURL"],
    ["endpoint", "runtime.fixedURL"],
    ["runtime", "runtime.type"],
    ["env.0.key", "env.0.key"],
    ["runtime.headers.1.value", "runtime.headers.1.value"],
    ["categories.2", "categories"],
    ["runtime.args.0", "runtime.args"],
    ["toolPreview.0.name", "toolPreview"],
    ["displayName", "displayName"],
    ["ownerTenant", "ownerTenant"],
  ])("%s → %s", (path, field) => {
    expect(errorTargetFor(path, "bad").field).toBe(field);
  });

  it("words list item errors with their position and sends unknown paths to the summary", () => {
    expect(errorTargetFor("toolPreview.1.name", "tool name is required").message).toBe("tool 2: tool name is required");
    expect(mapFieldErrors({ "metadata.x": ["too long"] }, ["top"]).form).toEqual(["top", "metadata.x: too long"]);
  });

  it("puts the missing-URL error on the remote field in use", () => {
    const v = values((x) => (x.runtime.remoteMode = "urlTemplate"));
    expect(errorTargetFor("runtime.fixedURL", "needs one", v).field).toBe("runtime.urlTemplate");
  });
});

describe("serverFormResolver", () => {
  it("reports an invalid fixed URL on the fixed URL field", async () => {
    const result = await resolve(values((v) => (v.runtime.fixedURL = "not-a-url")));
    expect(result.errors).toMatchObject({ runtime: { fixedURL: { message: expect.stringContaining("absolute http") } } });
  });

  it("reports an unpinned npx package on the package field and a bad env key on its row", async () => {
    const result = await resolve(
      values((v) => {
        v.runtime.type = "npx";
        v.runtime.package = "some-server";
        v.env = [{ key: "1BAD", name: "", description: "", required: false, sensitive: false, file: false, value: "" }];
      }),
    );
    expect(result.errors).toMatchObject({
      runtime: { package: { message: expect.stringContaining("pin an exact version") } },
      env: [{ key: { message: expect.stringContaining("1BAD") } }],
    });
  });

  it("reports tool preview that is not JSON or YAML on the tool preview field", async () => {
    const result = await resolve(values((v) => (v.toolPreview = "[{")));
    expect(result.errors).toMatchObject({ toolPreview: { message: expect.stringContaining("not valid JSON or YAML") } });
  });

  it("still shows the other fields' errors while the tool preview cannot be read", async () => {
    const result = await resolve(
      values((v) => {
        v.toolPreview = "[{";
        v.runtime.fixedURL = "not-a-url";
      }),
    );
    expect(result.errors).toMatchObject({
      toolPreview: { message: expect.stringContaining("not valid JSON or YAML") },
      runtime: { fixedURL: { message: expect.stringContaining("absolute http") } },
    });
  });

  it("passes valid values through", async () => {
    const v = values(() => {});
    expect(await resolve(v)).toEqual({ values: v, errors: {} });
  });
});
