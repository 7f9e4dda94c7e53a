/**
 * Pure helpers behind the access-policy pages: impact wording, label and pattern inputs, glob
 * hints, grant and matrix filters. No React, no I/O.
 */

export interface ImpactChange {
  server: string;
  gained: readonly string[];
  lost: readonly string[];
}

const tenantCount = (n: number) => `${n} tenant${n === 1 ? "" : "s"}`;

/**
 * One line per server and direction, each with its tenants: "adds github to 12 tenants",
 * "removes slack from 3 tenants" (the phrases of the server's own summary, one by one).
 */
export function impactLines(changes: readonly ImpactChange[]): { server: string; verb: "adds" | "removes"; tenants: readonly string[]; text: string }[] {
  return [
    ...changes
      .filter((c) => c.gained.length > 0)
      .map((c) => ({ server: c.server, verb: "adds" as const, tenants: c.gained, text: `adds ${c.server} to ${tenantCount(c.gained.length)}` })),
    ...changes
      .filter((c) => c.lost.length > 0)
      .map((c) => ({ server: c.server, verb: "removes" as const, tenants: c.lost, text: `removes ${c.server} from ${tenantCount(c.lost.length)}` })),
  ];
}

export interface LabelRow {
  key: string;
  value: string;
}

export function labelRowsOf(labels: Record<string, string>): LabelRow[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

/** Rows of the key/value editor as a labels object; fully blank rows are ignored, the last duplicate key wins. */
export function labelsOf(rows: readonly LabelRow[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const row of rows) {
    const key = row.key.trim();
    const value = row.value.trim();
    if (key === "" && value === "") continue;
    labels[key] = value;
  }
  return labels;
}

/** "team=payments, tier=gold" (or one per line) → {team: "payments", tier: "gold"}; null when a part is not key=value. */
export function parseLabelSelector(text: string): Record<string, string> | null {
  const parts = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter(Boolean);
  const labels: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

export function formatLabels(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** Server names or globs typed one per line or comma-separated. */
export function parsePatternList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\s]+/)
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Whether a server pattern matches a name. Patterns only use `*` and `?` as wildcards (the model
 * refuses anything else), so this agrees with the compiler on every valid pattern.
 */
export function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(name);
}

export function serversMatching(pattern: string, servers: readonly string[]): string[] {
  const trimmed = pattern.trim();
  return trimmed ? servers.filter((s) => globMatches(trimmed, s)) : [];
}

export interface GrantLike {
  subject: { type: string; name?: string; matchLabels?: Record<string, string> };
  servers: string;
  access: string;
  note: string;
  expiresAt: string | null;
}

export function isExpired(grant: Pick<GrantLike, "expiresAt">, now: number): boolean {
  return grant.expiresAt !== null && new Date(grant.expiresAt).getTime() <= now;
}

/** Indices of the matrix columns whose server name contains the text (case-insensitive). */
export function matrixColumnsMatching(servers: readonly { name: string }[], text: string): number[] {
  const needle = text.trim().toLowerCase();
  const indices: number[] = [];
  servers.forEach((s, i) => {
    if (!needle || s.name.includes(needle)) indices.push(i);
  });
  return indices;
}

/** "team=payments" → the label filter the matrix query takes; undefined when empty, null when malformed. */
export function labelFilterOf(text: string): string | undefined | null {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const eq = trimmed.indexOf("=");
  return eq > 0 && eq < trimmed.length - 1 ? trimmed : null;
}

export interface ImpactLike {
  changes: readonly ImpactChange[];
  /** Per `server/tool`: tools gained or lost on servers kept. */
  toolChanges?: readonly ImpactChange[];
  summary: string;
  tenantsAffected: number;
}

/**
 * The sentence above an impact preview: the server's summary while it reads at a glance, a count
 * when it would run to a paragraph (the lines below still list every server).
 */
export function impactHeadline(impact: ImpactLike): string {
  const all = [...impact.changes, ...(impact.toolChanges ?? [])];
  if (all.length === 0) return "No tenant gains or loses access.";
  const lines = impactLines(all).length;
  if (lines <= 3) return `This change ${impact.summary}.`;
  const servers =
    impact.changes.length > 0
      ? `${impact.changes.length} server${impact.changes.length === 1 ? "" : "s"}`
      : `${impact.toolChanges!.length} tool${impact.toolChanges!.length === 1 ? "" : "s"}`;
  return `This change alters access to ${servers} for ${tenantCount(impact.tenantsAffected)}.`;
}

/** A datetime-local input value ("2026-12-31T23:59") as an ISO instant, or null when empty. */
export function isoFromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export function localInputFromIso(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The access matrix's filters, as the page keeps them in its URL. */
export interface MatrixFilters {
  group: string;
  label: string;
  tenant: string;
  server: string;
}

const MATRIX_FILTER_KEYS = ["group", "label", "tenant", "server"] as const;

/** `?group=payments&label=env%3Dprod`: only the filters in use, so a shared link shows the same slice. */
export function matrixSearchOf(filters: MatrixFilters): string {
  const params = new URLSearchParams();
  for (const key of MATRIX_FILTER_KEYS) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The filters a URL's query names; anything else in it is ignored. */
export function matrixFiltersOf(params: Record<string, string | string[] | undefined>): MatrixFilters {
  const one = (key: string) => {
    const value = params[key];
    return typeof value === "string" ? value : "";
  };
  return { group: one("group"), label: one("label"), tenant: one("tenant"), server: one("server") };
}
