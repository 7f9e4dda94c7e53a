/** Rendering answers for people (aligned tables) and for scripts (JSON, YAML). Pure. */
import YAML from "yaml";
import { CliError, EXIT } from "./errors";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(`output format must be table, json or yaml (got '${value}')`, EXIT.usage);
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
  /** Longer cells are cut with an ellipsis, so one long description does not push every row off screen. */
  maxWidth?: number;
}

/** One line per cell value: "-" for nothing, lists comma-separated, objects as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.map(cellText).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value).replace(/\s*\n\s*/g, " ");
}

function truncate(text: string, maxWidth: number | undefined): string {
  if (!maxWidth || text.length <= maxWidth) return text;
  return `${text.slice(0, maxWidth - 1)}…`;
}

/** Columns padded to their widest cell, two spaces apart, with a header row; no trailing spaces. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], empty = "(none)"): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((column) => truncate(cellText(column.value(row)), column.maxWidth)));
  const lines = [columns.map((column) => column.header), ...cells];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  return lines
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** "Label:   value" lines for one object, labels aligned. */
export function formatDetails(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${cellText(value)}`).join("\n");
}

/** Blocks of text separated by a blank line, skipping empty ones. */
export function sections(...blocks: (string | null | undefined | false)[]): string {
  return blocks.filter((block): block is string => typeof block === "string" && block !== "").join("\n\n");
}

/** The text printed on stdout: the data itself for json/yaml, the table view for people. */
export function render<T>(data: T, format: OutputFormat, table: (data: T) => string): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(data, null, 2)}\n`;
    case "yaml":
      return YAML.stringify(data, { lineWidth: 0 });
    case "table":
      return `${table(data)}\n`;
  }
}

/** "2026-11-23 10:04:11Z": the API's UTC time to the second, narrow enough for a table. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace(/\.\d+Z$/, "Z").replace("T", " ");
}
