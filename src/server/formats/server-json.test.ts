import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedData } from "../../../test/support/env";
import { FIXTURES } from "../../../test/support/obot";
import { candidateFor } from "./import";
import { catalogNameForServerJson, parseServerJson } from "./server-json";

const fixture = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "server-json", file), "utf8"));

function accepted(doc: unknown) {
  const outcome = candidateFor(doc, 0);
  if (!outcome.ok) throw new Error(outcome.errors.join("; "));
  return outcome;
}

function rejected(doc: unknown): string {
  const outcome = candidateFor(doc, 0);
  if (outcome.ok) throw new Error("expected a rejection");
  return outcome.errors.join("; ");
}

describe("server.json → catalog server", () => {
  it("names the server by the part after '/', as a DNS label", () => {
    expect(catalogNameForServerJson("io.github.user/weather")).toBe("weather");
    expect(catalogNameForServerJson("com.acme/Tickets_API.v2")).toBe("tickets-api-v2");
  });

  it("a remote with URL variables becomes a URL template and a variable per placeholder", () => {
    const { candidate } = accepted(fixture("remote-variables.json"));
    expect(candidate.name).toBe("tickets");
    expect(candidate.spec.displayName).toBe("Acme Tickets");
    expect(candidate.spec.runtime).toEqual({
      type: "remote",
      urlTemplate: "https://${tenant}.tickets.acme.example/mcp",
      headers: [
        { key: "Authorization", name: "Authorization", description: "Bearer token", required: true, sensitive: true },
        { key: "X-Client", name: "X-Client", required: false, sensitive: false, value: "opencrane" },
      ],
    });
    expect(candidate.spec.env).toEqual([{ key: "tenant", name: "tenant", description: "Your Acme tenant", required: true, sensitive: false, file: false }]);
    expect(candidate.spec.icon).toBe("https://acme.example/tickets.png");
    expect(candidate.provenance).toEqual({ format: "server.json", upstreamName: "com.acme/tickets", upstreamVersion: "2.3.0" });
  });

  it("an npm package becomes a pinned npx runtime; user-supplied arguments become variables", () => {
    const { candidate, warnings } = accepted(fixture("npm-package.json"));
    expect(candidate.spec.runtime).toEqual({
      type: "npx",
      package: "@acme/files-mcp@3.1.4",
      args: ["--read-only", "--bucket", "public-docs", "${ROOT_DIR}"],
    });
    expect(candidate.spec.transport).toBe("stdio");
    expect(candidate.spec.env.map((e) => e.key)).toEqual(["ACME_FILES_KEY", "ACME_FILES_REGION", "ROOT_DIR"]);
    expect(candidate.spec.env[1]!.description).toBe("default: eu-west-1");
    expect(candidate.spec.package).toEqual({
      registryType: "npm",
      identifier: "@acme/files-mcp",
      version: "3.1.4",
      registryBaseUrl: "https://registry.npmjs.org",
    });
    expect(warnings).toContain("argument 'root_dir' is supplied by each user: passed as ${ROOT_DIR}");
  });

  it("a pypi package becomes a pinned uvx runtime", () => {
    const { candidate } = accepted(fixture("pypi-package.json"));
    expect(candidate.spec.runtime).toEqual({ type: "uvx", package: "acme-calendar-mcp==0.8.2", command: "", args: [] });
  });

  it("an OCI image that speaks HTTP becomes a containerized runtime at its port and path", () => {
    const { candidate } = accepted(fixture("oci-http.json"));
    expect(candidate.spec.runtime).toEqual({
      type: "containerized",
      image: "ghcr.io/acme/sql-mcp:2.0.1",
      port: 8099,
      path: "/mcp",
      command: "",
      args: [],
    });
    expect(candidate.spec.transport).toBe("streamable-http");
  });

  it("prefers a streamable-http remote over packages and over sse", () => {
    const { candidate } = accepted(fixture("remote-and-package.json"));
    expect(candidate.spec.runtime).toMatchObject({ type: "remote", fixedURL: "https://search.acme.example/mcp" });
  });

  it("rejects what Obot cannot represent, saying why", () => {
    const reason = rejected(fixture("oci-stdio.json"));
    expect(reason).toContain("OCI image speaks stdio; Obot runs containers as HTTP servers");
    expect(reason).toContain("nuget packages (dnx) cannot be run by Obot");
  });

  it("reads the legacy 2025-07-09 snake_case form", () => {
    const { candidate } = accepted(fixture("legacy.json"));
    expect(candidate.name).toBe("legacy-files");
    expect(candidate.spec.runtime).toEqual({ type: "npx", package: "@acme/legacy-files@1.2.0", args: ["${ROOT_DIR}"] });
    expect(candidate.spec.env.map((e) => [e.key, e.sensitive, e.required])).toEqual([
      ["ACME_KEY", true, true],
      ["ROOT_DIR", false, true],
    ]);
    expect(candidate.spec.shortDescription.length).toBeLessThanOrEqual(160);
    expect(candidate.spec.repoUrl).toBe("https://github.com/acme/legacy-files");
    expect(candidate.provenance).toEqual({ format: "server.json-legacy", upstreamName: "io.github.acme/legacy-files", upstreamVersion: "1.2.0" });
  });

  it("rejects a package without a pinned version", () => {
    expect(rejected(fixture("unpinned.json"))).toContain("runtime.package: npx package '@acme/unpinned-mcp' must pin an exact version");
  });

  it.each([
    [{ name: "a/b", description: "x", version: "^1.0.0" }, "version must be a specific version"],
    [{ name: "a/b", description: "x".repeat(101), version: "1.0.0" }, "description must be at most 100 characters"],
    [{ name: "a/b", description: "x", version: "1", remotes: [{ type: "websocket", url: "wss://x" }] }, "remote type must be streamable-http or sse"],
  ])("rejects schema violations: %j", (doc, reason) => {
    expect(rejected(doc)).toContain(reason);
  });
});

const examples = sharedData("reference", "mcp-registry", "examples");

describe.skipIf(!examples.available)(`the registry's own server.json examples (${examples.reason})`, () => {
  const dir = (kind: string) => path.join(examples.path, kind);
  const files = (kind: string) =>
    examples.available
      ? fs
          .readdirSync(dir(kind))
          .filter((f) => f.endsWith(".json"))
          .sort()
      : [];
  const read = (kind: string, file: string) => JSON.parse(fs.readFileSync(path.join(dir(kind), file), "utf8"));

  it.each(files("valid"))("valid/%s imports", (file) => {
    const outcome = candidateFor(read("valid", file), 0);
    expect(outcome.ok ? [] : outcome.errors).toEqual([]);
  });

  it.each(files("invalid"))("invalid/%s is rejected with a reason", (file) => {
    const outcome = candidateFor(read("invalid", file), 0);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.errors.join(" ").length).toBeGreaterThan(10);
  });

  it("gives the reasons an author would act on", () => {
    expect(rejected(read("invalid", "bad-name-pattern.json"))).toContain("must be 'namespace/name' with exactly one '/'");
    expect(rejected(read("invalid", "missing-name.json"))).toContain("name is required");
    expect(rejected(read("invalid", "package-version-latest.json"))).toContain("package version 'latest' is not allowed");
  });

  it("maps the remote example with its URL variable and secret header", () => {
    const { candidate } = accepted(read("valid", "with-remote.json"));
    expect(candidate.spec.runtime).toMatchObject({ type: "remote", urlTemplate: "https://${host}/mcp" });
    expect(candidate.spec.env[0]).toMatchObject({ key: "host", description: "API host (default: api.example.com)" });
  });

  it("imports the minimal example as a draft without a runtime", () => {
    const parsed = parseServerJson(read("valid", "minimal.json"));
    expect(parsed.ok && parsed.input.runtime).toBeNull();
    expect(parsed.ok && parsed.warnings).toEqual(["no packages or remotes: imported without a runtime; set one before publishing"]);
  });
});

const legacySeed = sharedData("data", "mcp-registry", "seed_2025_05_16.json");

describe.skipIf(!legacySeed.available)(`the registry's legacy seed file (${legacySeed.reason})`, () => {
  it("accepts each entry or rejects it with a stated reason", () => {
    const docs = JSON.parse(fs.readFileSync(legacySeed.path, "utf8")) as unknown[];
    const outcomes = docs.map((doc, i) => candidateFor(doc, i));
    const accepted = outcomes.filter((o) => o.ok);
    expect(accepted.length).toBeGreaterThan(50);
    for (const outcome of outcomes) {
      if (!outcome.ok) expect(outcome.errors.join("; ")).toMatch(/\w{3,}/);
    }
    const npx = outcomes.find((o) => o.ok && o.candidate.name === "magic-mcp");
    expect(npx?.ok && npx.candidate.spec.runtime).toEqual({ type: "npx", package: "@21st-dev/magic@0.0.46", args: [] });
    const unknown = outcomes.find((o) => !o.ok && o.errors.join(" ").includes("unknown packages cannot be run by Obot"));
    expect(unknown).toBeDefined();
  });
});
