import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { tenantCreateInput } from "@/server/policy/model";
import { fieldsNamed, FORM_ERROR, inputResolver, mapErrors, showServerErrors, withoutPrefix, type ErrorTargetOf } from "./form";

/** Like the tenant form: labels and pattern lists are edited as a whole. */
const tenantTarget: ErrorTargetOf = (path, message) => {
  const [head, next] = path.split(".");
  if (head === "labels" || head === "name") return { field: head, message };
  if (head === "mcpPolicy" && next) return { field: next, message };
  return { field: null, message: `${path}: ${message}` };
};

async function resolve<V extends Record<string, unknown>>(resolver: ReturnType<typeof inputResolver<V>>, values: V) {
  return resolver(values, undefined, { fields: {}, shouldUseNativeValidation: false } as never);
}

describe("inputResolver", () => {
  const resolver = inputResolver<{ name: string; labels: Record<string, string>; allow: string[] }>(
    tenantCreateInput,
    (v) => ({ name: v.name, labels: v.labels, mcpPolicy: { allow: v.allow } }),
    tenantTarget,
    { gather: true },
  );

  it("shows a bad record key's own message, not zod's 'Invalid key in record'", async () => {
    const result = await resolve(resolver, { name: "acme", labels: { "Bad Key": "x" }, allow: [] });
    expect(result.errors).toMatchObject({ labels: { message: expect.stringContaining("label key 'Bad Key' is not a Kubernetes label key") } });
  });

  it("gathers the errors of a whole map on its field, one per line, and puts a list item's error on its list", async () => {
    const result = await resolve(resolver, { name: "acme", labels: { "Bad Key": "x", ok: "bad value!" }, allow: ["x y"] });
    const labels = (result.errors as { labels?: { message?: string } }).labels?.message ?? "";
    expect(labels.split("\n")).toHaveLength(2);
    expect(labels).toContain("label value 'bad value!'");
    expect(result.errors).toMatchObject({ allow: { message: expect.stringContaining("'x y' is not a server name or glob") } });
  });

  it("passes valid values through unchanged", async () => {
    const values = { name: "acme", labels: { team: "data" }, allow: ["github-*"] };
    expect(await resolve(resolver, values)).toEqual({ values, errors: {} });
  });

  it("sends errors no field shows to the form's summary", async () => {
    const only = inputResolver<{ a: string }>(z.object({ a: z.string(), b: z.string("b is required") }), (v) => v, fieldsNamed(["a"]));
    expect((await resolve(only, { a: "x" })).errors).toMatchObject({ root: { form: { message: "b: b is required" } } });
  });
});

describe("mapping errors to fields", () => {
  it("keeps the first message of a field unless told to gather", () => {
    const errors = { name: ["taken", "second"], "labels.a": ["bad a"], "labels.b": ["bad b"] };
    expect(mapErrors(errors, [], tenantTarget).fields).toEqual({ name: "taken", labels: "bad a" });
    expect(mapErrors(errors, ["top"], tenantTarget, { gather: true })).toEqual({ fields: { name: "taken", labels: "bad a\nbad b" }, form: ["top"] });
  });

  it("strips the input wrapper from server field errors", () => {
    expect(withoutPrefix({ "grant.servers": ["bad"], "subject.name": ["no such group"] }, "grant")).toEqual({
      servers: ["bad"],
      "subject.name": ["no such group"],
    });
  });
});

describe("showServerErrors", () => {
  it("puts field errors next to their fields, focusing the first, with no summary", () => {
    const setError = vi.fn();
    const summary = showServerErrors(
      setError,
      { message: "cannot create user: …", fieldErrors: { email: ["taken"], role: ["no such role"] }, formErrors: [] },
      fieldsNamed(["email", "role"]),
    );
    expect(summary).toBeNull();
    expect(setError.mock.calls).toEqual([
      ["email", { type: "server", message: "taken" }, { shouldFocus: true }],
      ["role", { type: "server", message: "no such role" }, { shouldFocus: false }],
    ]);
  });

  it("makes the message the summary when no field is to blame", () => {
    const setError = vi.fn();
    expect(showServerErrors(setError, { message: "the tenant changed since you loaded it", fieldErrors: {}, formErrors: [] }, fieldsNamed([]))).toBe(
      "the tenant changed since you loaded it",
    );
    expect(setError).toHaveBeenCalledWith(FORM_ERROR, { type: "server", message: "the tenant changed since you loaded it" });
  });

  it("shows the summary where the form asks", () => {
    const setError = vi.fn();
    showServerErrors(setError, { message: "not YAML", fieldErrors: {}, formErrors: [] }, () => ({ field: "text", message: "" }), { summaryField: "text" });
    expect(setError).toHaveBeenCalledWith("text", { type: "server", message: "not YAML" });
  });
});
