import { describe, expect, it } from "vitest";
import type { Source } from "@/server/ingest/source-model";
import {
  checkSourceForm,
  emptySourceFormValues,
  entitlementLine,
  parseEntitlementLine,
  sourceFieldErrors,
  sourceFormValuesOf,
  sourcePatchOf,
  type SourceFormValues,
} from "./source-form";

const values = (over: Partial<SourceFormValues>): SourceFormValues => ({ ...emptySourceFormValues(), ...over });

describe("checkSourceForm", () => {
  it("turns a git form into the create input", () => {
    const result = checkSourceForm(
      values({
        name: "acme",
        url: "https://git.example.com/acme/catalog.git",
        ref: "main",
        path: "servers",
        include: "acme-*\n\n",
        entitlements: "group:platform # all of it",
      }),
    );
    expect(result).toEqual({
      ok: true,
      input: {
        name: "acme",
        kind: "git",
        url: "https://git.example.com/acme/catalog.git",
        ref: "main",
        path: "servers",
        include: ["acme-*"],
        exclude: [],
        syncMode: "manual",
        defaultEntitlements: [{ subject: { type: "group", name: "platform" }, note: "all of it" }],
      },
    });
  });

  it("puts the schema's messages beside the fields they are about", () => {
    const result = checkSourceForm(values({ name: "Acme", url: "ftp://x", syncMode: "scheduled", intervalMinutes: "" }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.name).toMatch(/lowercase/);
    expect(result.errors.url).toMatch(/https:\/\//);
    expect(result.errors.intervalMinutes).toMatch(/needs intervalMinutes/);
  });

  it("refuses an interval under five minutes", () => {
    const result = checkSourceForm(
      values({ name: "a", kind: "mcp-registry", url: "https://registry.example.com", syncMode: "scheduled", intervalMinutes: "2" }),
    );
    expect(result.ok ? null : result.errors.intervalMinutes).toMatch(/at least 5 minutes/);
  });

  it("sends no URL, schedule or git fields for an upload source", () => {
    const result = checkSourceForm(values({ name: "drop", kind: "manual-upload", url: "https://ignored", ref: "main", syncMode: "scheduled" }));
    expect(result.ok && result.input).toMatchObject({ url: "", syncMode: "manual" });
    expect(result.ok && "ref" in result.input).toBe(false);
  });

  it("names the entitlement line that is wrong", () => {
    const result = checkSourceForm(values({ name: "a", url: "https://g.example.com/r.git", entitlements: "everyone\nteam:x" }));
    expect(result.ok ? null : result.errors.entitlements).toMatch(/^line 2: /);
  });
});

describe("entitlement lines", () => {
  it("round-trips every subject type", () => {
    for (const line of ["everyone", "group:platform", "tenant:acme-prod # pilot", "labels:env=prod,team=data"]) {
      const parsed = parseEntitlementLine(line);
      expect(entitlementLine(parsed as never)).toBe(line);
    }
  });
});

describe("sourceFieldErrors", () => {
  it("maps the server's dotted paths to form fields, first message first", () => {
    expect(sourceFieldErrors({ "include.1": ["a glob must not be empty"], name: ["already exists", "other"] }, ["cannot create source"])).toEqual({
      include: "a glob must not be empty",
      name: "already exists",
      form: "cannot create source",
    });
  });
});

describe("editing", () => {
  const source: Source = {
    id: "1",
    name: "acme",
    kind: "git",
    url: "https://g.example.com/r.git",
    ref: null,
    path: "servers",
    include: [],
    exclude: ["*-beta"],
    syncMode: "scheduled",
    intervalMinutes: 30,
    defaultEntitlements: [{ subject: { type: "everyone" } }],
    status: "healthy",
    lastError: null,
    lastSyncedAt: null,
    nextRunAt: null,
    approvedBy: null,
    approvedAt: null,
    version: 4,
    createdAt: "",
    updatedAt: "",
    createdBy: "",
    updatedBy: "",
  };

  it("loads a source into the form and sends back an equal patch", () => {
    const result = checkSourceForm(sourceFormValuesOf(source));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(sourcePatchOf(result.input, source.version)).toEqual({
      version: 4,
      url: source.url,
      ref: null,
      path: "servers",
      include: [],
      exclude: ["*-beta"],
      syncMode: "scheduled",
      intervalMinutes: 30,
      defaultEntitlements: [{ subject: { type: "everyone" } }],
    });
  });
});
