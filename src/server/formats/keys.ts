/**
 * Obot decodes catalog entries with Go's encoding/json, which matches object keys to struct fields
 * case-insensitively (the real catalog writes `URLTemplate` for the `urlTemplate` field). We accept
 * the same spellings and report keys that match no field instead of dropping them silently.
 */
export function canonicalizeKeys(value: Record<string, unknown>, known: readonly string[], where: string, warnings: string[]): Record<string, unknown> {
  const byLowerCase = new Map(known.map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const canonical = byLowerCase.get(key.toLowerCase());
    if (canonical === undefined) {
      warnings.push(`${where}${key}: not a field Obot reads; ignored`);
      continue;
    }
    out[canonical] = v;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
