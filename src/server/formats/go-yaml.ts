/**
 * Reading YAML documents. An Obot catalog entry is read the way Obot reads it: sigs.k8s.io/yaml
 * parses with go-yaml v2, which resolves plain (unquoted) scalars by YAML 1.1 rules (`yes`, `on`,
 * `y` are true; `0777` is octal; `1_000` is 1000; `1.0` is a float) and supports `<<` merge keys.
 * Other documents (server.json) keep YAML 1.2 core rules. A stand-in for go-yaml's resolve.go
 * (v2.4), which cannot run here.
 */
import YAML, { type Document } from "yaml";
import { goFormatFloat32 } from "./go-decode";
import { isPlainObject } from "./keys";
import { looksLikeObotEntry } from "./obot-entry";
import { refuseTooDeep } from "../util/nesting";

const GO_YAML_WORDS = new Map<string, unknown>([
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((w) => [w, true] as const),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((w) => [w, false] as const),
  ...["", "~", "null", "Null", "NULL"].map((w) => [w, null] as const),
  // Not representable in JSON: kept as the text Go would make of them in a string field.
  ...[".nan", ".NaN", ".NAN"].map((w) => [w, "NaN"] as const),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((w) => [w, "+Inf"] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((w) => [w, "-Inf"] as const),
]);

const GO_INT = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const UINT64_MAX = 2n ** 64n - 1n;

function goInteger(sign: string, digits: string): bigint {
  const lower = digits.toLowerCase();
  const prefixed = lower.startsWith("0x") || lower.startsWith("0b") || lower.startsWith("0o");
  // A leading 0 without a prefix is octal in Go's strconv.ParseInt with base 0.
  const body = !prefixed && lower.length > 1 && lower.startsWith("0") ? `0o${lower.slice(1)}` : lower;
  const value = BigInt(body);
  return sign === "-" ? -value : value;
}

/**
 * What go-yaml v2 makes of a plain scalar: boolean, null, number, or the text itself. A number
 * JavaScript cannot hold exactly (beyond 2^53, or a float literal whose Go text differs from its
 * integer text, e.g. `1e6` → "1e+06") is given as the text Go would put in a string field.
 */
export function resolvePlainScalarLikeGo(text: string): unknown {
  if (GO_YAML_WORDS.has(text)) return GO_YAML_WORDS.get(text);
  const first = text[0]!;
  const float = (value: number) => {
    if (!Number.isFinite(value)) return text; // strconv.ParseFloat refuses an overflow: it stays text
    const goText = goFormatFloat32(value);
    return Number.isInteger(value) && goText !== String(value) ? goText : value;
  };
  if (first === ".") return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? float(Number(text)) : text;
  if (!/[-+0-9]/.test(first)) return text;
  const plain = text.replace(/_/g, "");
  const int = GO_INT.exec(plain);
  if (int) {
    const value = goInteger(int[1]!, int[2]!);
    const fits = (value >= INT64[0] && value <= INT64[1]) || (int[1] === "" && value >= 0n && value <= UINT64_MAX);
    if (fits) return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (YAML_STYLE_FLOAT.test(plain)) return float(Number(plain));
  return text;
}

/** Re-resolves the plain scalars of a parsed document (keys and values) by go-yaml v2 rules. */
function resolveLikeGoYaml(doc: Document): void {
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (node.type !== "PLAIN" || node.tag) return;
      const text = typeof node.source === "string" ? node.source : String(node.value ?? "");
      if (text === "<<") return;
      node.value = resolvePlainScalarLikeGo(text);
    },
  });
}

/**
 * The documents of a YAML stream as JavaScript values, nulls left out; Obot entries read as Obot
 * reads them (see above). Throws the first syntax error.
 */
export function parseYamlDocuments(text: string, what = "the YAML"): unknown[] {
  // go-yaml v2 (not strict) lets a later duplicate key win, as JSON.parse does: so do we.
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: false });
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) throw errors[0];
  // Parsed a second time for Obot entries: merge keys, then go-yaml's scalar rules.
  let obotDocs: Document.Parsed[] | null = null;
  return docs
    .map((doc, i) => {
      const value: unknown = doc.toJS();
      if (!isPlainObject(value) || !looksLikeObotEntry(value)) return value;
      obotDocs ??= YAML.parseAllDocuments(text, { merge: true, uniqueKeys: false }) as Document.Parsed[];
      const obotDoc = obotDocs[i]!;
      resolveLikeGoYaml(obotDoc);
      return obotDoc.toJS();
    })
    .filter((v) => v !== null && v !== undefined)
    .map((value) => refuseTooDeep(value, what));
}
