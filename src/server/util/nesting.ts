/**
 * How deep JSON and YAML from a request may nest. Real documents (an Obot entry, a server.json,
 * a policy) nest fewer than 10 levels; thousands of levels overflow the stack of whatever walks
 * the value next (serializing, hashing, validating) and used to answer 500. A YAML alias inside
 * its own anchor (`a: &a {b: *a}`) makes a cycle: infinitely deep.
 */
import YAML from "yaml";
import { DomainError } from "../errors";

export const MAX_NESTING = 100;

export const tooDeep = (what: string) =>
  new DomainError("BAD_REQUEST", `${what} is nested deeper than ${MAX_NESTING} levels, or an alias contains itself: flatten it`);

/** Whether JSON text nests arrays and objects deeper than `limit`: one pass over the text, no parse. */
export function jsonNestsDeeperThan(text: string, limit = MAX_NESTING): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Whether a parsed value nests deeper than `limit`; a cycle counts as too deep. Iterative: no stack to overflow. */
export function valueNestsDeeperThan(value: unknown, limit = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * JSON text parsed, refusing it (400) when it nests too deep or holds a number beyond a double's
 * range; a syntax error is thrown as JSON.parse throws it.
 */
export function parseJsonText(text: string, what = "the JSON"): unknown {
  if (jsonNestsDeeperThan(text)) throw tooDeep(what);
  const value: unknown = JSON.parse(text);
  // A literal beyond a double's range (1e999) parses as Infinity, which no JSON can say again.
  if (holdsInfinity(value)) {
    throw new DomainError("BAD_REQUEST", `${what} holds a number too large to represent (beyond ±1.8e308): send a smaller one`);
  }
  return value;
}

/** Whether a parsed value holds ±Infinity anywhere. Iterative: no stack to overflow. */
function holdsInfinity(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === "number" && !Number.isFinite(current)) return true;
    if (current !== null && typeof current === "object") for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push(child);
  }
  return false;
}

/** The values of a YAML stream (empty documents left out), refusing one that nests too deep or contains itself. */
export function parseYamlDocuments(text: string, what = "the YAML"): unknown[] {
  const docs = YAML.parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) throw errors[0];
  return docs
    .map((d) => d.toJS())
    .filter((v) => v !== null && v !== undefined)
    .map((value) => refuseTooDeep(value, what));
}

/** The value itself, or a 400 when it nests too deep or contains itself (a YAML alias inside its own anchor). */
export function refuseTooDeep<T>(value: T, what: string): T {
  if (valueNestsDeeperThan(value)) throw tooDeep(what);
  return value;
}
