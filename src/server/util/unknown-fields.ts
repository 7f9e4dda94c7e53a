import type { z } from "zod";

export interface UnknownField {
  /** Where the field is, from the arguments' root: ["labels"], ["subject", "nme"]. */
  path: (string | number)[];
  /** The fields the object there takes, in the schema's order. */
  known: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The fields of `value` that `schema` would drop without a word: keys of an object an ordinary
 * (stripping) zod object does not know. A typo such as `lables` would otherwise be accepted and
 * ignored, and the admin would believe the labels were set. Objects declared loose (they keep
 * unknown keys) or strict (zod refuses them itself) are not reported, and neither is anything
 * under a preprocess step (it may reshape its input) or a union no member of which accepts the
 * value (zod reports that).
 */
export function unknownFields(schema: z.ZodType, value: unknown, path: (string | number)[] = []): UnknownField[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return unknownFields(def.innerType as z.ZodType, value, path);
    case "lazy":
      return unknownFields((def.getter as () => z.ZodType)(), value, path);
    case "pipe": {
      const input = def.in as z.ZodType;
      return (input._zod.def as { type: string }).type === "transform" ? [] : unknownFields(input, value, path);
    }
    case "object": {
      if (!isRecord(value)) return [];
      const shape = def.shape as Record<string, z.ZodType>;
      const stripping = def.catchall === undefined;
      const found: UnknownField[] = [];
      for (const [key, field] of Object.entries(value)) {
        if (Object.hasOwn(shape, key)) found.push(...unknownFields(shape[key]!, field, [...path, key]));
        else if (stripping) found.push({ path: [...path, key], known: Object.keys(shape) });
      }
      return found;
    }
    case "array":
      return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(def.element as z.ZodType, item, [...path, i])) : [];
    case "record":
      return isRecord(value) ? Object.entries(value).flatMap(([key, item]) => unknownFields(def.valueType as z.ZodType, item, [...path, key])) : [];
    case "union": {
      const member = (def.options as z.ZodType[]).find((option) => option.safeParse(value).success);
      return member ? unknownFields(member, value, path) : [];
    }
    default:
      return [];
  }
}

/** "unknown field: this object takes name, labels and mcpPolicy" */
export function unknownFieldMessage(field: UnknownField): string {
  const { known } = field;
  if (known.length === 0) return "unknown field: this object takes no fields";
  const list = known.length === 1 ? known[0]! : `${known.slice(0, -1).join(", ")} and ${known.at(-1)}`;
  return `unknown field (a typo?): this object takes ${list}`;
}

/** A field the schema would drop, as a validation issue (so it is reported with the schema's own). */
export function unknownFieldIssue(field: UnknownField, message = unknownFieldMessage(field)): z.core.$ZodIssue {
  return { code: "custom", path: field.path, message, input: undefined };
}
