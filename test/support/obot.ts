import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

/**
 * How Obot itself would see an entry, so two entries can be compared the way Obot compares them:
 * - Obot decodes with Go's encoding/json, which matches keys case-insensitively (`URLTemplate`
 *   and `urlTemplate` are the same field), so keys are lower-cased;
 * - Go zero values (false, "", empty lists and maps) decode the same as an absent key, so they are
 *   dropped;
 * - `metadata.categories` is a comma-separated list that Obot splits on ',' and trims, so it is
 *   compared as that list ("A,B" and "A, B" are the same categories).
 */
export function asObotSeesIt(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => asObotSeesIt(v));
    return items.length === 0 ? undefined : items;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const lower = k.toLowerCase();
      const normalized =
        key === "metadata" && lower === "categories" && typeof v === "string"
          ? v.split(",").map((c) => c.trim()).filter(Boolean)
          : asObotSeesIt(v, lower);
      if (normalized !== undefined) out[lower] = normalized;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
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
