import { describe, expect, it } from "vitest";
import { npmPackagePinError, pypiPackagePinError, sanitizeObotName, serverCreateInput, serverListQuery, toServerSpec, type ServerCreateInput } from "./model";

const remote = { type: "remote", fixedURL: "https://mcp.example.com/mcp" } as const;
const base: ServerCreateInput = { name: "example", displayName: "Example", runtime: remote };

/** The messages zod gives per dotted path, for a create input. */
function errorsOf(input: unknown): Record<string, string[]> {
  const result = serverCreateInput.safeParse(input);
  if (result.success) return {};
  const out: Record<string, string[]> = {};
  for (const issue of result.error.issues) (out[issue.path.join(".")] ??= []).push(issue.message);
  return out;
}

describe("server name", () => {
  it.each([
    ["GitHub", "must be lowercase letters, digits and '-'"],
    ["-github", "must be lowercase letters"],
    ["github-", "must be lowercase letters"],
    ["git_hub", "must be lowercase letters"],
    ["a".repeat(64), "longer than 63 characters"],
    ["", "name is required"],
  ])("refuses %j with an actionable message", (name, message) => {
    const errors = errorsOf({ ...base, name });
    expect(errors.name?.join(" ")).toContain(message);
  });

  it("names the offending value", () => {
    expect(errorsOf({ ...base, name: "GitHub" }).name?.[0]).toContain("'GitHub'");
  });

  it.each(["github", "github-enterprise", "a", "x1", "a".repeat(63)])("accepts %j", (name) => {
    expect(errorsOf({ ...base, name })).toEqual({});
  });
});

describe("display name", () => {
  it("is required and must have a letter or digit, since Obot keys entries by it", () => {
    expect(errorsOf({ ...base, displayName: "" }).displayName).toEqual(["display name is required"]);
    expect(errorsOf({ ...base, displayName: "!!!" }).displayName?.[0]).toContain("needs at least one letter or digit");
    expect(errorsOf({ ...base, displayName: "x".repeat(101) }).displayName?.[0]).toContain("at most 100");
  });

  it("sanitizes the way Obot does", () => {
    expect(sanitizeObotName("GitHub Enterprise")).toBe("github-enterprise");
    expect(sanitizeObotName("  Files.com  ")).toBe("files-com");
    expect(sanitizeObotName("Monday.com -- CRM!")).toBe("monday-com-crm");
    expect(sanitizeObotName("A".repeat(70))).toHaveLength(63);
  });
});

describe("endpoint and remote runtime", () => {
  it("turns {endpoint} without a runtime into a remote runtime with that fixed URL", () => {
    const parsed = serverCreateInput.parse({ name: "x", displayName: "X", endpoint: "https://a.example/mcp" });
    const spec = toServerSpec(parsed);
    expect(spec.runtime).toEqual({ type: "remote", fixedURL: "https://a.example/mcp", headers: [] });
    expect(spec.endpoint).toBe("https://a.example/mcp");
    expect(spec.transport).toBe("streamable-http");
  });

  it.each(["not a url", "ftp://example.com/mcp", "https://", "/relative/mcp"])("refuses endpoint %j", (endpoint) => {
    expect(errorsOf({ name: "x", displayName: "X", endpoint }).endpoint?.[0]).toContain("must be an absolute http:// or https:// URL");
  });

  it("refuses an endpoint that disagrees with the runtime", () => {
    expect(errorsOf({ ...base, endpoint: "https://other.example/mcp" }).endpoint).toEqual(["endpoint must equal the runtime's fixed URL"]);
    expect(errorsOf({ ...base, runtime: { type: "npx", package: "a@1.0.0" }, endpoint: "https://a.example" }).endpoint?.[0]).toContain(
      "only for a remote runtime",
    );
  });

  it("needs exactly one of fixed URL, hostname and URL template", () => {
    expect(errorsOf({ ...base, runtime: { type: "remote" } })["runtime.fixedURL"]).toEqual([
      "a remote runtime needs a fixed URL, a hostname, or a URL template",
    ]);
    expect(errorsOf({ ...base, runtime: { type: "remote", fixedURL: "https://a.example", hostname: "a.example" } })["runtime.fixedURL"]).toEqual([
      "set only one of fixed URL, hostname and URL template",
    ]);
  });

  it("checks hostnames and URL templates", () => {
    expect(errorsOf({ ...base, runtime: { type: "remote", hostname: "*.mcp.cloudflare.com" } })).toEqual({});
    expect(errorsOf({ ...base, runtime: { type: "remote", hostname: "https://x" } })["runtime.hostname"]?.[0]).toContain("must be a host name");
    expect(errorsOf({ ...base, runtime: { type: "remote", urlTemplate: "${HOST}/api/mcp" } })).toEqual({});
    expect(errorsOf({ ...base, runtime: { type: "remote", urlTemplate: "https://a b" } })["runtime.urlTemplate"]).toEqual([
      "URL template must not contain spaces",
    ]);
  });
});

describe("package pinning", () => {
  it.each([
    ["@modelcontextprotocol/server-filesystem@2025.8.21", null],
    ["pkg@1.2.3", null],
    ["pkg@1.2.3-beta.1", null],
    ["pkg", "must pin an exact version, for example 'pkg@1.2.3'"],
    ["pkg@latest", "'latest' is a tag or range"],
    ["pkg@^1.2.3", "is a tag or range"],
    ["@scope/pkg@1.x", "is a tag or range"],
    ["not a package!", "is not an npm package name"],
  ])("npx %j", (spec, message) => {
    const error = npmPackagePinError(spec);
    if (message === null) expect(error).toBeNull();
    else expect(error).toContain(message);
  });

  it.each([
    ["mcp-server-fetch==2025.4.7", null],
    ["mcp-server-fetch@2025.4.7", null],
    ["pkg[extra]==1.0.0rc1", null],
    ["mcp-server-fetch", "must pin an exact version, for example 'mcp-server-fetch==1.2.3'"],
    ["pkg>=1.0", "must be a PyPI package pinned with '=='"],
    ["pkg==1.*", "is not an exact version"],
  ])("uvx %j", (spec, message) => {
    const error = pypiPackagePinError(spec);
    if (message === null) expect(error).toBeNull();
    else expect(error).toContain(message);
  });

  it("reports an unpinned package at runtime.package", () => {
    expect(errorsOf({ ...base, runtime: { type: "npx", package: "pkg@latest" } })["runtime.package"]?.[0]).toContain("not pinned");
    expect(errorsOf({ ...base, runtime: { type: "uvx", package: "pkg" } })["runtime.package"]?.[0]).toContain("exact version");
  });
});

describe("containerized runtime", () => {
  it("needs an image, a port and a path", () => {
    const errors = errorsOf({ ...base, runtime: { type: "containerized" } });
    expect(errors["runtime.image"]?.[0]).toContain("image is required");
    expect(errors["runtime.port"]?.[0]).toContain("port is required");
    expect(errors["runtime.path"]?.[0]).toContain("path is required");
  });

  it("checks port range and path shape", () => {
    const errors = errorsOf({ ...base, runtime: { type: "containerized", image: "ghcr.io/o/i:1", port: 70000, path: "mcp" } });
    expect(errors["runtime.port"]).toEqual(["port must be between 1 and 65535"]);
    expect(errors["runtime.path"]).toEqual(["path must start with '/', for example '/mcp'"]);
  });

  it("defaults to streamable-http and refuses stdio, which Obot cannot reach in a container", () => {
    const runtime = { type: "containerized", image: "ghcr.io/o/i:1.0", port: 8080, path: "/mcp" };
    expect(toServerSpec(serverCreateInput.parse({ ...base, runtime })).transport).toBe("streamable-http");
    expect(errorsOf({ ...base, runtime, transport: "stdio" }).transport).toEqual(["a containerized runtime speaks streamable-http or sse, not stdio"]);
  });
});

describe("transport", () => {
  it("defaults from the runtime", () => {
    expect(toServerSpec(serverCreateInput.parse({ ...base, runtime: { type: "npx", package: "a@1.0.0" } })).transport).toBe("stdio");
    expect(toServerSpec(serverCreateInput.parse(base)).transport).toBe("streamable-http");
    expect(toServerSpec(serverCreateInput.parse({ name: "x", displayName: "X" })).transport).toBe("stdio");
  });

  it("must be one the runtime speaks", () => {
    expect(errorsOf({ ...base, transport: "stdio" }).transport).toEqual(["a remote runtime speaks streamable-http or sse, not stdio"]);
    expect(errorsOf({ ...base, runtime: { type: "uvx", package: "a==1.0" }, transport: "sse" }).transport).toEqual(["a uvx runtime speaks stdio, not sse"]);
    expect(errorsOf({ ...base, transport: "websocket" }).transport).toEqual(["transport must be one of streamable-http, sse, stdio"]);
  });
});

describe("declarations", () => {
  it("never stores a value for a sensitive variable or header", () => {
    expect(errorsOf({ ...base, env: [{ key: "TOKEN", sensitive: true, value: "s3cret" }] })["env.0.value"]?.[0]).toContain("secrets are supplied by each user");
    expect(
      errorsOf({ ...base, runtime: { ...remote, headers: [{ key: "Authorization", sensitive: true, value: "Bearer x" }] } })["runtime.headers.0.value"]?.[0],
    ).toContain("cannot carry a value");
  });

  it("refuses duplicate keys (headers case-insensitively)", () => {
    expect(errorsOf({ ...base, env: [{ key: "A" }, { key: "A" }] })["env.1.key"]).toEqual(["environment variable 'A' is declared twice"]);
    expect(errorsOf({ ...base, runtime: { ...remote, headers: [{ key: "X-Key" }, { key: "x-key" }] } })["runtime.headers.1.key"]).toEqual([
      "header 'x-key' is declared twice",
    ]);
  });

  it("checks variable and header names", () => {
    expect(errorsOf({ ...base, env: [{ key: "1BAD" }] })["env.0.key"]?.[0]).toContain("must be letters, digits and '_'");
    expect(errorsOf({ ...base, runtime: { ...remote, headers: [{ key: "Bad Header" }] } })["runtime.headers.0.key"]?.[0]).toContain(
      "not a valid HTTP header name",
    );
  });
});

describe("other fields", () => {
  it("limits the short description to 160 characters", () => {
    expect(errorsOf({ ...base, shortDescription: "x".repeat(161) }).shortDescription).toEqual(["short description must be at most 160 characters"]);
  });

  it("keeps commas out of categories, which Obot stores comma-separated", () => {
    expect(errorsOf({ ...base, categories: ["a,b"] })["categories.0"]?.[0]).toContain("must not contain ','");
  });

  it("keeps categories out of metadata", () => {
    expect(errorsOf({ ...base, metadata: { categories: "x" } }).metadata).toEqual(["set categories with the categories field, not metadata"]);
  });

  it("checks icon and repository URLs but allows them empty", () => {
    expect(errorsOf({ ...base, icon: "", repoUrl: "" })).toEqual({});
    expect(errorsOf({ ...base, icon: "javascript:alert(1)" }).icon?.[0]).toContain("must be an absolute http:// or https:// URL");
  });

  it("checks scope and server user type", () => {
    expect(errorsOf({ ...base, scope: "global" }).scope).toEqual(["scope must be one of org, department, project, personal"]);
    expect(errorsOf({ ...base, serverUserType: "everyone" }).serverUserType).toEqual(["server user type must be singleUser or multiUser"]);
  });
});

describe("list query", () => {
  it("accepts comma-separated and repeated filters", () => {
    expect(serverListQuery.parse({ status: "active,draft" }).status).toEqual(["active", "draft"]);
    expect(serverListQuery.parse({ status: ["active", "disabled"] }).status).toEqual(["active", "disabled"]);
  });

  it("explains bad values", () => {
    const result = serverListQuery.safeParse({ status: "live", limit: "500", sort: "size" });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => i.message);
    expect(messages).toContain("status must be one of draft, active, degraded, disabled");
    expect(messages).toContain("limit must be between 1 and 200");
    expect(messages).toContain("sort must be one of name, displayName, updatedAt, status");
  });
});
