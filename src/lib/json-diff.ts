/**
 * A field-by-field diff of two JSON values, for the audit log's before/after view. Objects are
 * compared key by key, in alphabetical order (the database does not keep the order keys were
 * written in); arrays are aligned on their longest common subsequence, so inserting one
 * category shows one added item rather than every later item "changed". A changed object inside
 * an array (say one env declaration) is diffed field by field too.
 */
export type DiffKind = "added" | "removed" | "changed";

export interface DiffEntry {
  /** "runtime.fixedURL", "env[0].key", 'metadata["x-y"]'; "" for the whole value. */
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Above this many cell comparisons, arrays are compared index by index instead. */
const MAX_LCS_CELLS = 250_000;

export function diffJson(before: unknown, after: unknown): DiffEntry[] {
  const out: DiffEntry[] = [];
  walk(before as Json, after as Json, "", out);
  return out;
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

function keyPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

function walk(before: Json | undefined, after: Json | undefined, path: string, out: DiffEntry[]): void {
  if (jsonEqual(before, after)) return;
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const a = before[key];
      const b = after[key];
      const child = keyPath(path, key);
      if (a === undefined && b !== undefined) out.push({ path: child, kind: "added", after: b });
      else if (b === undefined && a !== undefined) out.push({ path: child, kind: "removed", before: a });
      else walk(a, b, child, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(before, after, path, out);
    return;
  }
  out.push({ path, kind: "changed", before, after });
}

type Op = { kind: "same"; i: number; j: number } | { kind: "removed"; i: number } | { kind: "added"; j: number };

/** The edit script from a to b along their longest common subsequence (by deep equality). */
function editScript(a: Json[], b: Json[]): Op[] {
  if (a.length * b.length > MAX_LCS_CELLS) {
    const ops: Op[] = [];
    for (let k = 0; k < Math.max(a.length, b.length); k++) {
      if (k < a.length && k < b.length) {
        if (jsonEqual(a[k], b[k])) ops.push({ kind: "same", i: k, j: k });
        else ops.push({ kind: "removed", i: k }, { kind: "added", j: k });
      } else if (k < a.length) ops.push({ kind: "removed", i: k });
      else ops.push({ kind: "added", j: k });
    }
    return ops;
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..].
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i]![j] = jsonEqual(a[i], b[j]) ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (jsonEqual(a[i], b[j])) ops.push({ kind: "same", i: i++, j: j++ });
    else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) ops.push({ kind: "removed", i: i++ });
    else ops.push({ kind: "added", j: j++ });
  }
  while (i < a.length) ops.push({ kind: "removed", i: i++ });
  while (j < b.length) ops.push({ kind: "added", j: j++ });
  return ops;
}

function diffArrays(a: Json[], b: Json[], path: string, out: DiffEntry[]): void {
  const ops = editScript(a, b);
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === "same") {
      k++;
      continue;
    }
    // A run of removals and additions between two kept items: pair them up as changes.
    const removed: number[] = [];
    const added: number[] = [];
    while (k < ops.length && ops[k]!.kind !== "same") {
      const op = ops[k++]!;
      if (op.kind === "removed") removed.push(op.i);
      else if (op.kind === "added") added.push(op.j);
    }
    const paired = Math.min(removed.length, added.length);
    for (let p = 0; p < paired; p++) walk(a[removed[p]!], b[added[p]!], `${path}[${added[p]}]`, out);
    for (const i of removed.slice(paired)) out.push({ path: `${path}[${i}]`, kind: "removed", before: a[i] });
    for (const j of added.slice(paired)) out.push({ path: `${path}[${j}]`, kind: "added", after: b[j] });
  }
}

/** A value as one line of JSON, shortened for table cells; the full text goes in a tooltip or <pre>. */
export function previewJson(value: unknown, max = 200): string {
  const text = value === undefined ? "" : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
