/**
 * A stand-in for how Obot reads a catalog entry: `sigs.k8s.io/yaml` (v1.6) converts the YAML to
 * JSON against the Go target type, then Go's `encoding/json` decodes it into the struct. The
 * rules, as those two libraries implement them (Obot itself cannot run here):
 * - an object key fills the struct field whose JSON name equals it, else one whose name matches
 *   case-insensitively; when several keys fill the same field the last in byte order wins (the
 *   JSON in between is written with sorted keys); keys that fill no field are ignored;
 * - a YAML number or boolean where the Go field is a string becomes that string (integers in
 *   decimal, floats as `strconv.FormatFloat(v, 'g', -1, 32)`, booleans `true`/`false`), also
 *   inside `[]string` and `map[string]string`; but not for fields promoted from an embedded struct
 *   (`MCPEnv` embeds `MCPHeader`): sigs.k8s.io/yaml looks the target up as the embedded struct,
 *   so a number there reaches encoding/json as a number and the whole catalog fails to decode;
 * - `null` (an empty YAML value) leaves the field at its zero value: no string, false, 0, an
 *   empty list or map; a `null` list item is the item type's zero value;
 * - any other mismatch (a string for an int or bool, a scalar for a list or object, a fraction
 *   for an int) is a decoding error, and Obot then loads nothing from the source.
 * Pure functions: the decoded value uses the Go field names, with zero values left out.
 */
import { isPlainObject } from "./keys";

export type GoType =
  | { kind: "string"; promoted?: boolean }
  | { kind: "bool" }
  | { kind: "int" }
  | { kind: "list"; of: GoType }
  | { kind: "stringMap" }
  | { kind: "struct"; fields: Record<string, GoType> }
  /** A field Obot reads that the catalog does not carry: ignored with a warning. */
  | { kind: "ignored"; why: string; type?: GoType }
  /** Kept undecoded, for the caller to judge (e.g. a runtime the catalog does not support). */
  | { kind: "raw" };

export const go = {
  string: { kind: "string" } as GoType,
  bool: { kind: "bool" } as GoType,
  int: { kind: "int" } as GoType,
  stringMap: { kind: "stringMap" } as GoType,
  list: (of: GoType): GoType => ({ kind: "list", of }),
  struct: (fields: Record<string, GoType>): GoType => ({ kind: "struct", fields }),
  /** `type`, when given, is still checked: Obot fails to decode a mismatch there too. */
  ignored: (why: string, type?: GoType): GoType => ({ kind: "ignored", why, type }),
  raw: { kind: "raw" } as GoType,
  /** The fields of an embedded struct, as promoted into the struct that embeds it. */
  promoted: (fields: Record<string, GoType>): Record<string, GoType> =>
    Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, t.kind === "string" ? { kind: "string", promoted: true } : t])),
};

export interface DecodeReport {
  warnings: string[];
  errors: string[];
}

/** Go's `strconv.FormatFloat(v, 'g', -1, 32)`: the shortest decimal that reads back as the same float32. */
export function goFormatFloat32(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  const f = Math.fround(value);
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  let mantissa = "";
  let exponent = 0;
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = f.toExponential(precision - 1);
    if (Math.fround(Number(candidate)) === f || precision === 9) {
      const [m, e] = candidate.split("e");
      mantissa = m!.replace("-", "").replace(".", "");
      exponent = Number(e);
      break;
    }
  }
  const sign = f < 0 ? "-" : "";
  // %g with the shortest precision: exponent form when the exponent is < -4 or >= 6.
  if (exponent < -4 || exponent >= 6) {
    const digits = mantissa.length > 1 ? `${mantissa[0]}.${mantissa.slice(1)}` : mantissa;
    const abs = Math.abs(exponent);
    return `${sign}${digits}e${exponent < 0 ? "-" : "+"}${abs < 10 ? `0${abs}` : abs}`;
  }
  const point = exponent + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${mantissa}`;
  if (point >= mantissa.length) return `${sign}${mantissa}${"0".repeat(point - mantissa.length)}`;
  return `${sign}${mantissa.slice(0, point)}.${mantissa.slice(point)}`;
}

/** The string sigs.k8s.io/yaml makes of a YAML number or boolean read into a Go string. */
export function goScalarString(value: number | boolean): string {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Number.isInteger(value)) return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  return goFormatFloat32(value);
}

/** Go's case folding of a key against an ASCII field name (incl. the Kelvin sign and long s). */
function fold(key: string): string {
  return key
    .toLowerCase()
    .replace(/\u212a/g, "k")
    .replace(/\u017f/g, "s");
}

const describe = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "a list" : isPlainObject(value) ? "an object" : `${typeof value} ${JSON.stringify(value)}`;

function decodeString(value: unknown, type: { promoted?: boolean }, where: string, report: DecodeReport): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") {
    if (type.promoted) {
      report.errors.push(
        `${where}: must be a string, not the ${typeof value} ${JSON.stringify(value)}: Obot cannot decode a ${typeof value} in this field of an env entry (quote it)`,
      );
      return undefined;
    }
    const text = goScalarString(value);
    report.warnings.push(`${where}: the ${typeof value} ${JSON.stringify(value)} is read as the string ${JSON.stringify(text)} (as Obot reads it)`);
    return text;
  }
  report.errors.push(`${where}: must be a string, not ${describe(value)}`);
  return undefined;
}

/**
 * Decodes `value` as Obot decodes it into `type`. Returns the decoded value (Go field names, zero
 * values and nulls left out); problems go to `report`. `where` names the place for messages.
 */
export function decodeAs(value: unknown, type: GoType, where: string, report: DecodeReport): unknown {
  if (type.kind === "ignored") return undefined;
  if (value === null || value === undefined) {
    if (value === null && where && (type.kind === "list" || type.kind === "stringMap" || type.kind === "struct")) {
      report.warnings.push(`${where}: empty (null); read as none`);
    }
    return undefined;
  }
  switch (type.kind) {
    case "string":
      return decodeString(value, type, where, report);
    case "bool":
      if (typeof value === "boolean") return value;
      report.errors.push(`${where}: must be true or false, not ${describe(value)}`);
      return undefined;
    case "int":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      report.errors.push(`${where}: must be a whole number, not ${describe(value)}`);
      return undefined;
    case "list": {
      if (!Array.isArray(value)) {
        report.errors.push(`${where}: must be a list, not ${describe(value)}`);
        return undefined;
      }
      return value.map((item, i) => {
        const at = `${where}[${i}]`;
        if (item === null) {
          report.warnings.push(`${at}: empty (null); read as ${type.of.kind === "string" ? 'the empty string ""' : "an empty item"}`);
          return type.of.kind === "string" ? "" : type.of.kind === "struct" ? {} : undefined;
        }
        return decodeAs(item, type.of, at, report);
      });
    }
    case "stringMap": {
      if (!isPlainObject(value)) {
        report.errors.push(`${where}: must be a map of strings, not ${describe(value)}`);
        return undefined;
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === null) {
          report.warnings.push(`${where}.${k}: empty (null); read as the empty string ""`);
          out[k] = "";
          continue;
        }
        const text = decodeString(v, {}, `${where}.${k}`, report);
        if (text !== undefined) out[k] = text;
      }
      return out;
    }
    case "struct":
      return decodeStruct(value, type.fields, where, report);
    case "raw":
      return value;
  }
}

function decodeStruct(value: unknown, fields: Record<string, GoType>, where: string, report: DecodeReport): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    report.errors.push(`${where || "the entry"}: must be an object, not ${describe(value)}`);
    return undefined;
  }
  const prefix = where ? `${where}.` : "";
  const byFold = new Map(Object.keys(fields).map((name) => [fold(name), name]));
  // Which keys fill each field; encoding/json sees them in byte order, so the last one wins.
  const keysFor = new Map<string, string[]>();
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const field = key in fields ? key : byFold.get(fold(key));
    if (field === undefined) {
      report.warnings.push(`${prefix}${key}: not a field Obot reads; ignored`);
      continue;
    }
    keysFor.set(field, [...(keysFor.get(field) ?? []), key]);
  }
  const out: Record<string, unknown> = {};
  for (const [field, type] of Object.entries(fields)) {
    const keys = keysFor.get(field);
    if (!keys) continue;
    const key = keys.at(-1)!;
    if (type.kind === "ignored") {
      report.warnings.push(`${prefix}${key}: ${type.why}; ignored`);
      if (type.type) decodeAs(value[key], type.type, `${prefix}${field}`, { warnings: [], errors: report.errors });
      continue;
    }
    if (keys.length > 1) {
      report.warnings.push(`${prefix}${field}: given as ${keys.map((k) => `'${k}'`).join(" and ")}; Obot reads '${key}', so it is used`);
    } else if (key !== field) {
      report.warnings.push(`${prefix}${key}: read as '${field}' (Obot matches field names case-insensitively); served as '${field}'`);
    }
    const decoded = decodeAs(value[key], type, `${prefix}${field}`, report);
    if (decoded !== undefined) out[field] = decoded;
  }
  return out;
}
