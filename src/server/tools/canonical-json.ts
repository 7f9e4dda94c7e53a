/**
 * RFC 8785 (JSON Canonicalization Scheme): the one serialization of a JSON value that every
 * implementation agrees on, so a digest over it names the value, not its spelling. Object members
 * are sorted by their names' UTF-16 code units (what Array.prototype.sort does with strings);
 * strings and numbers are written as ECMAScript's JSON.stringify writes them, which is what the
 * RFC prescribes. Pure.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`a ${typeof value} has no JSON form`);
}
