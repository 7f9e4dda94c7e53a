/**
 * How a source URL may be spelled. The SSRF guard judges the host that WHATWG URL parsing sees, but
 * other parsers (curl inside git) split some spellings differently: in `http://1.2.3.4\@10.0.0.1/`
 * the guard sees host 1.2.3.4 and curl sees user `1.2.3.4\` at host 10.0.0.1. Spellings on which
 * parsers disagree are refused, and whatever connects is handed the re-serialized parsed URL.
 * Pure (the console's source form uses it through source-model).
 */

/** What is wrong with how `raw` is spelled, or null when every parser reads the same host from it. */
export function urlSpellingProblem(raw: string): string | null {
  if (raw.includes("\\")) return "must not contain a backslash (URL parsers disagree on where its host ends); use '/'";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return "must not contain control characters (tabs, line breaks)";
  const authority = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split(/[/?#]/)[0] ?? "";
  if (authority.includes("@")) {
    return "must not contain user info ('user:password@'): credentials do not belong in a source's URL, and a '@' can hide which host is reached";
  }
  return null;
}
