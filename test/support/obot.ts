import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

/** Obot's Go fields that are not strings (lower-cased); every other scalar field is a string. */
const NON_STRING_FIELDS = new Set(["port", "required", "sensitive", "file", "dynamicfile", "staticoauthrequired", "denyallegress"]);

/**
 * How Obot itself would see an entry, so two entries can be compared the way Obot compares them:
 * - Obot decodes with Go's encoding/json, which matches keys case-insensitively (`URLTemplate`
 *   and `urlTemplate` are the same field), so keys are lower-cased;
 * - sigs.k8s.io/yaml turns a YAML number or boolean into a string where the Go field is a string
 *   (`- 8080` in `args` is "8080"), so such scalars are compared as strings;
 * - Go zero values (false, "", null, empty lists and maps) decode the same as an absent key, so
 *   they are dropped.
 * Everything else is compared as written: `metadata.categories` must come back byte-equal.
 */
export function asObotSeesIt(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => asObotSeesIt(v, key));
    return items.length === 0 ? undefined : items;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const normalized = asObotSeesIt(v, k.toLowerCase());
      if (normalized !== undefined) out[k.toLowerCase()] = normalized;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if ((typeof value === "number" || typeof value === "boolean") && !NON_STRING_FIELDS.has(key)) return String(value);
  if (value === false || value === "" || value === null || value === undefined) return undefined;
  return value;
}

export const FIXTURES = path.resolve(__dirname, "..", "fixtures");

export function readYamlFixture(...relative: string[]): unknown {
  return YAML.parse(fs.readFileSync(path.join(FIXTURES, ...relative), "utf8"));
}

export function obotFixtureFiles(): string[] {
  return fs
    .readdirSync(path.join(FIXTURES, "obot"))
    .filter((f) => f.endsWith(".yaml"))
    .sort();
}
