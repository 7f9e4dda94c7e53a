import { describe, expect, it } from "vitest";
import { asObotSeesIt, obotFixtureFiles, readYamlFixture } from "../../../test/support/obot";
import { sanitizeObotName, serverCreateInput, toServerSpec, type Provenance, type ServerSpec } from "../catalog/model";
import { obotEntryFor, parseObotEntry } from "./obot-entry";

function specFrom(doc: unknown): { name: string; spec: ServerSpec; provenance: Provenance; warnings: string[] } {
  const parsed = parseObotEntry(doc);
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  const input = serverCreateInput.parse(parsed.input);
  return { name: input.name, spec: toServerSpec(input), provenance: parsed.provenance, warnings: parsed.warnings };
}

function entryFor(doc: unknown) {
  const { name, spec, provenance } = specFrom(doc);
  return obotEntryFor({ ...spec, name, runtime: spec.runtime!, provenance });
}

describe("Obot entry for each runtime kind", () => {
  it("remote with a fixed URL: endpoint, headers with prefix, metadata and tools", () => {
    const entry = entryFor(readYamlFixture("obot", "remote-fixed.yaml"));
    expect(entry.entryKey).toBe("acme-tickets");
    expect(entry.name).toBe("Acme Tickets");
    expect(entry.runtime).toBe("remote");
    expect(entry.remoteConfig).toEqual({
      fixedURL: "https://mcp.acme.example/mcp",
      headers: [
        { key: "Authorization", name: "API token", description: "Token from the Acme admin console", required: true, sensitive: true, prefix: "Bearer " },
        { key: "X-Acme-Region", name: "Region", description: "Data residency region", required: false, sensitive: false },
      ],
    });
    expect(entry.metadata).toEqual({ categories: "Support, Ticketing", "allow-multiple": "true" });
    expect(entry.toolPreview?.map((t) => t.name)).toEqual(["search_tickets", "close_ticket"]);
    expect(entry.npxConfig).toBeUndefined();
  });

  it("remote with a hostname and static OAuth", () => {
    const entry = entryFor(readYamlFixture("obot", "remote-hostname.yaml"));
    expect(entry.remoteConfig).toEqual({ hostname: "*.wiki.acme.example", staticOAuthRequired: true });
  });

  it("remote with a URL template, accepting Obot's URLTemplate spelling and emitting the JSON field name", () => {
    const entry = entryFor(readYamlFixture("obot", "remote-template.yaml"));
    expect(entry.remoteConfig?.urlTemplate).toBe("${ACME_WORKSPACE_URL}/api/mcp");
    expect(entry.env).toEqual([
      { key: "ACME_WORKSPACE_URL", name: "Workspace URL", description: "e.g. https://team.metrics.acme.example", required: true, sensitive: false },
    ]);
    expect(entry.metadata?.categories).toBe("Observability,Monitoring");
  });

  it("npx with a pinned package, file-backed secrets and tool ids", () => {
    const entry = entryFor(readYamlFixture("obot", "npx.yaml"));
    expect(entry.runtime).toBe("npx");
    expect(entry.npxConfig).toEqual({ package: "@acme/files-mcp@3.1.4", args: ["--read-only"] });
    expect(entry.env?.[1]).toMatchObject({ key: "ACME_FILES_CREDENTIALS", file: true, sensitive: true });
    expect(entry.toolPreview?.[0]).toEqual({ id: "list", name: "list_files", description: "List files under a prefix", params: { prefix: "Key prefix" } });
  });

  it("uvx with a command and a fixed, non-secret variable value", () => {
    const entry = entryFor(readYamlFixture("obot", "uvx.yaml"));
    expect(entry.uvxConfig).toEqual({ package: "acme-calendar-mcp==0.8.2", command: "acme-calendar", args: ["--no-telemetry"] });
    expect(entry.env).toEqual([
      { key: "ACME_CALENDAR_TZ", name: "Time zone", description: "Fixed for every user", required: false, sensitive: false, value: "Europe/Amsterdam" },
    ]);
  });

  it("containerized with image, port, path, command and args", () => {
    const entry = entryFor(readYamlFixture("obot", "containerized.yaml"));
    expect(entry.containerizedConfig).toEqual({
      image: "ghcr.io/acme/sql-mcp:2.0.1",
      port: 8099,
      path: "/mcp",
      command: "sql-mcp",
      args: ["--read-only", "--max-rows=500"],
    });
    expect(entry.metadata).toEqual({ categories: "Databases", source: "vendor" });
  });

  it("orders keys the way Obot's own catalog files do", () => {
    const entry = entryFor(readYamlFixture("obot", "containerized.yaml"));
    expect(Object.keys(entry)).toEqual([
      "name",
      "entryKey",
      "serverUserType",
      "shortDescription",
      "description",
      "metadata",
      "icon",
      "repoURL",
      "env",
      "runtime",
      "containerizedConfig",
      "toolPreview",
    ]);
  });

  it.each(obotFixtureFiles())("%s comes back as Obot would read the original", (file) => {
    const original = readYamlFixture("obot", file) as Record<string, unknown>;
    // The feed always names the entry by the server's name; without an entryKey that name is the
    // sanitized display name, which is the key Obot derives for such an entry anyway.
    const expected = { entryKey: sanitizeObotName(String(original.name)), ...original };
    expect(asObotSeesIt(entryFor(original))).toEqual(asObotSeesIt(expected));
  });
});

describe("parsing an Obot entry", () => {
  it("names the server by entryKey, else by the sanitized name", () => {
    expect(specFrom(readYamlFixture("obot", "remote-fixed.yaml")).name).toBe("acme-tickets");
    expect(specFrom(readYamlFixture("obot", "no-entry-key.yaml")).name).toBe("acme-chat-beta");
  });

  it("warns about fields Obot does not read instead of dropping them silently", () => {
    const parsed = parseObotEntry({ name: "X", runtime: "remote", remoteConfig: { fixedURL: "https://x.example", tls: true }, colour: "red" });
    expect(parsed.ok && parsed.warnings).toEqual(["colour: not a field Obot reads; ignored", "remoteConfig.tls: not a field Obot reads; ignored"]);
  });

  it.each([
    [{ runtime: "remote", remoteConfig: { fixedURL: "https://x.example" } }, "name: an Obot entry needs a name"],
    [{ name: "X", runtime: "docker" }, 'runtime: must be one of remote, npx, uvx, containerized (got "docker")'],
    [{ name: "X", runtime: "npx" }, "npxConfig: required when runtime is npx"],
    [{ name: "X", runtime: "composite", compositeConfig: {} }, "composite entries are not supported"],
    [{ name: "X", runtime: "remote", remoteConfig: { fixedURL: "https://x" }, metadata: "a" }, "metadata: must be a map of strings"],
  ])("rejects %j with a reason", (doc, reason) => {
    const parsed = parseObotEntry(doc);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors.join("; ")).toContain(reason);
  });

  it("stringifies YAML scalars in metadata, which Obot holds as strings", () => {
    const parsed = parseObotEntry({ name: "X", runtime: "remote", remoteConfig: { fixedURL: "https://x.example" }, metadata: { "allow-multiple": true } });
    expect(parsed.ok && parsed.input.metadata).toEqual({ "allow-multiple": "true" });
  });
});

describe("an entry Obot loads imports as Obot reads it", () => {
  const base = { name: "X", runtime: "containerized" };
  const container = (config: Record<string, unknown>) => ({
    ...base,
    containerizedConfig: { image: "ghcr.io/o/x:1.0.0", port: 8080, path: "/mcp", ...config },
  });

  it("a tool preview with `params:` and nothing after it has no params (and says so)", () => {
    const { spec, warnings } = specFrom(readYamlFixture("obot", "decoder-empty-values.yaml"));
    expect(spec.toolPreview[0]).toEqual({ name: "list_tables", description: "List the tables" });
    expect(spec.toolPreview[1]!.params).toEqual({ sql: "The SQL to run", limit: "" });
    expect(spec.runtime).toMatchObject({ args: [] });
    expect(warnings).toContain("toolPreview[0].params: empty (null); read as none");
    expect(warnings).toContain('toolPreview[1].params.limit: empty (null); read as the empty string ""');
  });

  it("a YAML number in containerizedConfig.args is the argument Obot runs, as a string, and served as one", () => {
    const { spec, warnings } = specFrom(readYamlFixture("obot", "decoder-scalars.yaml"));
    expect(spec.runtime).toMatchObject({ command: "42", args: ["--port", "9090", "--ratio", "1.5", "--verbose", "true"] });
    expect(spec.toolPreview).toEqual([{ id: "7", name: "1234", description: "false", params: { depth: "10" } }]);
    expect(spec.description).toBe("2024");
    expect(spec.metadata).toEqual({ "allow-multiple": "true", tier: "2" });
    expect(warnings).toContain('containerizedConfig.args[1]: the number 9090 is read as the string "9090" (as Obot reads it)');
    const entry = entryFor(readYamlFixture("obot", "decoder-scalars.yaml"));
    expect(entry.containerizedConfig?.args).toEqual(["--port", "9090", "--ratio", "1.5", "--verbose", "true"]);
  });

  it("keys in any case at every level fill Obot's fields, and the feed serves Obot's spelling", () => {
    const { spec, warnings } = specFrom(readYamlFixture("obot", "decoder-key-case.yaml"));
    expect(spec.runtime).toEqual({
      type: "remote",
      urlTemplate: "https://${ACME_REGION_HOST}/mcp",
      headers: [{ key: "X-Acme-Token", name: "Token", required: true, sensitive: true, prefix: "Token " }],
    });
    expect(spec.env[0]).toMatchObject({ key: "ACME_REGION_HOST", required: true });
    expect(spec.toolPreview).toEqual([{ id: "status", name: "get_status", description: "Current status", params: { component: "Component name" } }]);
    expect(spec.serverUserType).toBe("multiUser");
    expect(warnings).toContain("remoteConfig.URLTemplate: read as 'urlTemplate' (Obot matches field names case-insensitively); served as 'urlTemplate'");
    expect(warnings).toContain("toolPreview[0].PARAMS: read as 'params' (Obot matches field names case-insensitively); served as 'params'");
    const entry = entryFor(readYamlFixture("obot", "decoder-key-case.yaml"));
    expect(Object.keys(entry.remoteConfig!)).toEqual(["urlTemplate", "headers"]);
    expect(entry.entryKey).toBe("acme-status");
  });

  it("serves metadata.categories byte-equal until the categories are edited", () => {
    const { name, spec, provenance } = specFrom(readYamlFixture("obot", "decoder-empty-values.yaml"));
    expect(spec.categories).toEqual(["Databases", "Data & Analytics"]);
    const serve = (categories: string[]) => obotEntryFor({ ...spec, categories, name, runtime: spec.runtime!, provenance }).metadata?.categories;
    expect(serve(spec.categories)).toBe("Databases,Data & Analytics");
    expect(serve(["Databases"])).toBe("Databases");
    expect(serve(["Data & Analytics", "Databases"])).toBe("Data & Analytics, Databases");
    expect(specFrom(readYamlFixture("obot", "decoder-scalars.yaml")).provenance.categoriesText).toBe("Messaging , Queues");
  });

  it("refuses what Obot's decoder refuses, naming the field", () => {
    const refused = (doc: unknown) => {
      const parsed = parseObotEntry(doc);
      return parsed.ok ? [] : parsed.errors;
    };
    expect(refused(container({ port: "8080" }))).toEqual(['containerizedConfig.port: must be a whole number, not string "8080"']);
    expect(refused(container({ args: "--x" }))).toEqual(['containerizedConfig.args: must be a list, not string "--x"']);
    expect(refused({ ...container({}), env: [{ key: "K", required: "yes" }] })).toEqual(['env[0].required: must be true or false, not string "yes"']);
    // MCPEnv embeds MCPHeader: sigs.k8s.io/yaml does not coerce there, so Obot cannot decode this.
    expect(refused({ ...container({}), env: [{ key: "PORT", value: 8080 }] })[0]).toContain("env[0].value: must be a string, not the number 8080");
  });

  it("reads null where a list, map or scalar is expected as empty", () => {
    const parsed = parseObotEntry({
      ...container({ args: null, egressDomains: null }),
      env: null,
      metadata: null,
      toolPreview: null,
      icon: null,
      repoURL: null,
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(serverCreateInput.safeParse(parsed.input).success).toBe(true);
    expect(parsed.warnings).toEqual(expect.arrayContaining(["env: empty (null); read as none", "containerizedConfig.args: empty (null); read as none"]));
  });

  it("reports fields Obot reads that the catalog does not carry, and still checks their type", () => {
    const parsed = parseObotEntry(container({ startupTimeoutSeconds: 90, healthzPath: "/healthz" }));
    expect(parsed.ok && parsed.warnings).toEqual([
      "containerizedConfig.healthzPath: the readiness path is not carried by the catalog; ignored",
      "containerizedConfig.startupTimeoutSeconds: the startup timeout is not carried by the catalog; ignored",
    ]);
    expect(parseObotEntry(container({ startupTimeoutSeconds: "90" })).ok).toBe(false);
  });
});

describe("what the catalog model normalizes on import", () => {
  it("reports whitespace it trims, by the entry's field names", async () => {
    const { candidateFor } = await import("./import");
    const result = candidateFor(
      {
        name: "X ",
        shortDescription: "folded\n",
        runtime: "remote",
        remoteConfig: { fixedURL: "https://x.example/mcp", headers: [{ key: " Authorization", required: true, sensitive: true }] },
      },
      0,
    );
    expect(result.ok && result.warnings).toEqual([
      "name: leading and trailing whitespace removed",
      "shortDescription: leading and trailing whitespace removed",
      "remoteConfig.headers[0].key: leading and trailing whitespace removed",
    ]);
  });
});
