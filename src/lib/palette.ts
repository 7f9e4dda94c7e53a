/** The command palette's entries: pages by their label, and what search.find found, each with where it leads. */
import { describeSubject } from "@/server/policy/model";

export type PaletteKind = "page" | "server" | "tenant" | "group" | "rule";

export interface PaletteEntry {
  id: string;
  kind: PaletteKind;
  label: string;
  detail: string;
  href: string;
}

export interface PalettePage {
  href: string;
  label: string;
}

type Subject =
  { type: "everyone" } | { type: "group"; name: string } | { type: "tenant"; name: string } | { type: "selector"; matchLabels: Record<string, string> };

export interface Found {
  servers: { name: string; displayName: string; status: string }[];
  tenants: { name: string; displayName: string; team: string }[];
  groups: { name: string; description: string }[];
  rules: { id: string; subject: Subject; servers: string; access: string; note: string }[];
}

const enc = encodeURIComponent;

/** The rules page filtered down to the rule: its subject (when named) and its server pattern. */
export function ruleHref(rule: Pick<Found["rules"][number], "subject" | "servers">): string {
  const params = new URLSearchParams();
  if (rule.subject.type === "group" || rule.subject.type === "tenant") params.set(rule.subject.type, rule.subject.name);
  params.set("server", rule.servers);
  return `/rules?${params.toString()}`;
}

/** Pages whose label contains the text (all of them for no text). */
export function matchingPages(pages: readonly PalettePage[], text: string): PaletteEntry[] {
  const needle = text.trim().toLowerCase();
  return pages
    .filter((page) => !needle || page.label.toLowerCase().includes(needle))
    .map((page) => ({ id: `page:${page.href}`, kind: "page", label: page.label, detail: page.href, href: page.href }));
}

export function foundEntries(found: Found): PaletteEntry[] {
  return [
    ...found.servers.map((s): PaletteEntry => ({
      id: `server:${s.name}`,
      kind: "server",
      label: s.name,
      detail: `${s.displayName} · ${s.status}`,
      href: `/servers/${enc(s.name)}`,
    })),
    ...found.tenants.map((t): PaletteEntry => ({
      id: `tenant:${t.name}`,
      kind: "tenant",
      label: t.name,
      detail: [t.displayName, t.team && `team ${t.team}`].filter(Boolean).join(" · "),
      href: `/tenants/${enc(t.name)}`,
    })),
    ...found.groups.map((g): PaletteEntry => ({
      id: `group:${g.name}`,
      kind: "group",
      label: g.name,
      detail: g.description,
      href: `/groups?q=${enc(g.name)}`,
    })),
    ...found.rules.map((r): PaletteEntry => ({
      id: `rule:${r.id}`,
      kind: "rule",
      label: `${r.access} ${describeSubject(r.subject)} → ${r.servers}`,
      detail: r.note,
      href: ruleHref(r),
    })),
  ];
}

/** The next active entry for an arrow key, wrapping around; -1 when there is none. */
export function moveActive(active: number, count: number, key: "ArrowDown" | "ArrowUp" | "Home" | "End"): number {
  if (count === 0) return -1;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  if (key === "ArrowDown") return active < 0 ? 0 : (active + 1) % count;
  return active <= 0 ? count - 1 : active - 1;
}

/** Whether a key press lands in something that takes text, where "/" is a character and not a shortcut. */
export function isTyping(target: { tagName?: string; isContentEditable?: boolean; type?: string } | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag !== "input") return false;
  return !["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"].includes(target.type ?? "text");
}
