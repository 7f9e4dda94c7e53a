import { describe, expect, it } from "vitest";
import { z } from "zod";
import { unknownFieldMessage, unknownFields } from "./unknown-fields";

describe("unknownFields", () => {
  const subject = z.discriminatedUnion("type", [z.object({ type: z.literal("everyone") }), z.object({ type: z.literal("tenant"), name: z.string() })]);
  const schema = z.object({
    name: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    policy: z
      .object({ allow: z.array(z.string()).default([]) })
      .nullable()
      .optional(),
    subject: subject.optional(),
    items: z.array(z.object({ id: z.number() })).optional(),
    reshaped: z.preprocess((v) => v, z.object({ kept: z.string() })).optional(),
    loose: z.object({ a: z.string().optional() }).loose().optional(),
    strict: z.strictObject({ a: z.string().optional() }).optional(),
  });

  it("names every field a stripping object would drop, at any depth, with the fields it takes", () => {
    const found = unknownFields(schema, {
      name: "x",
      lables: { a: "b" },
      labels: { free: "form" },
      policy: { allow: [], alow: ["x"] },
      subject: { type: "tenant", name: "t", nme: "t" },
      items: [{ id: 1 }, { id: 2, idd: 3 }],
    });
    expect(found.map((f) => f.path.join("."))).toEqual(["lables", "policy.alow", "subject.nme", "items.1.idd"]);
    expect(found[1]!.known).toEqual(["allow"]);
    expect(unknownFieldMessage(found[1]!)).toBe("unknown field (a typo?): this object takes allow");
    expect(unknownFieldMessage(found[2]!)).toBe("unknown field (a typo?): this object takes type and name");
  });

  it("leaves alone what the schema keeps, refuses itself or may reshape, and values that are not objects", () => {
    expect(unknownFields(schema, { name: "x", loose: { extra: 1 }, strict: { extra: 1 }, reshaped: { other: 1 }, policy: null })).toEqual([]);
    expect(unknownFields(schema, "not an object")).toEqual([]);
    expect(unknownFields(schema, { name: "x", subject: { type: "nobody", extra: 1 } })).toEqual([]);
  });
});
