/** Turning command-line arguments and input files into request bodies. Pure except readInputFile. */
import fs from "node:fs";
import YAML from "yaml";
import type { z } from "zod";
import { fieldErrorsOf } from "../server/errors";
import type { Subject } from "../server/policy/model";
import { CliError, EXIT, fieldErrorLines } from "./errors";

/** Repeatable option: `--category a --category b` → ["a", "b"]. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Repeatable option taking comma-separated values too: `--member a,b --member c` → ["a", "b", "c"]. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}

export function parsePositiveInteger(what: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new CliError(`${what} must be a positive whole number (got '${value}')`, EXIT.usage);
    return number;
  };
}

/** ["team=payments", "tier=gold"] → {team: "payments", tier: "gold"}. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`label '${pair}' must be key=value`, EXIT.usage);
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}

export const SUBJECT_SYNTAX = "everyone, group:NAME, tenant:NAME or labels:KEY=VALUE[,KEY=VALUE]";

/** "group:platform" → {type: "group", name: "platform"}; the server checks the names. */
export function parseSubject(text: string): Subject {
  if (text === "everyone") return { type: "everyone" };
  const colon = text.indexOf(":");
  const kind = colon > 0 ? text.slice(0, colon) : "";
  const rest = text.slice(colon + 1);
  if ((kind === "group" || kind === "tenant") && rest) return { type: kind, name: rest };
  if ((kind === "labels" || kind === "selector") && rest) return { type: "selector", matchLabels: parseLabels(rest.split(",")) };
  throw new CliError(`subject '${text}' must be ${SUBJECT_SYNTAX}`, EXIT.usage);
}

export function describeSubjectShort(subject: Subject): string {
  switch (subject.type) {
    case "everyone":
      return "everyone";
    case "group":
    case "tenant":
      return `${subject.type}:${subject.name}`;
    case "selector":
      return `labels:${Object.entries(subject.matchLabels)
        .map(([key, value]) => `${key}=${value}`)
        .join(",")}`;
  }
}

/** A body from a file's object with the flags given on top: flags win, unset flags leave the file's value. */
export function mergeBody(fromFile: Record<string, unknown>, fromFlags: Record<string, unknown>): Record<string, unknown> {
  const body = { ...fromFile };
  for (const [key, value] of Object.entries(fromFlags)) if (value !== undefined) body[key] = value;
  return body;
}

/** A parsed JSON or YAML document; YAML is a superset of JSON, so one parser reads both. */
export function parseDocument(text: string, name: string): unknown {
  try {
    return YAML.parse(text, { prettyErrors: true });
  } catch (error) {
    throw new CliError(`${name} is neither valid JSON nor YAML: ${(error as Error).message.split("\n")[0]}`, EXIT.usage);
  }
}

export function asObject(document: unknown, name: string): Record<string, unknown> {
  if (document === null || document === undefined) return {};
  if (typeof document !== "object" || Array.isArray(document)) throw new CliError(`${name} must hold one object`, EXIT.usage);
  return document as Record<string, unknown>;
}

/** The file's text; `-` reads standard input. */
export function readInputFile(file: string): string {
  try {
    return fs.readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`, EXIT.usage);
  }
}

export function readObjectFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  return asObject(parseDocument(readInputFile(file), file), file);
}

/** The media type the import endpoint needs for a file, by its name: YAML streams differ from JSON. */
export function importContentType(file: string): "application/json" | "application/yaml" {
  return /\.json$/i.test(file) ? "application/json" : "application/yaml";
}

/**
 * Checks a body with the schema the server validates it with, so a mistake is reported before
 * anything is sent, field by field, in the server's own words. The server still decides.
 */
export function validateInput(schema: z.ZodType, body: unknown, what: string): void {
  const result = schema.safeParse(body);
  if (result.success) return;
  throw new CliError(what, EXIT.usage, fieldErrorLines(fieldErrorsOf(result.error)));
}

const DURATION = /^(\d+)\s*(s|m|h|d|w)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "90m", "24h", "7d" before now, or an absolute date-time, as the ISO time the API takes. */
export function parseSince(value: string, now: Date): string {
  const duration = DURATION.exec(value.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]).toISOString();
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new CliError(`'${value}' is neither a duration (30m, 24h, 7d) nor a date-time (2026-11-23T10:00:00Z)`, EXIT.usage);
  return new Date(time).toISOString();
}
