/**
 * Pure parts of the Obot link: what to PUT so the feed is among Obot's catalog sources, and how
 * each active server stands in Obot compared with the feed. The rules follow Obot's own code
 * (obot-platform/obot at ba10ff7, pkg/api/handlers/{mcpcatalogs,systemmcpcatalogs}.go,
 * pkg/mcp/source.go; DESIGN §10).
 */
import { sanitizeObotName } from "../catalog/model";
import type { ObotEntry } from "../formats/obot-entry";

/** `GET /api/mcp-catalogs/default`, as much of it as the link reads. */
export interface ObotCatalog {
  id?: string;
  displayName?: string;
  sourceURLs?: string[] | null;
  /** Masked by Obot ("****" + the last 4 characters); sending a masked value back keeps the stored token. */
  sourceURLCredentials?: Record<string, string> | null;
  lastSynced?: string | null;
  syncErrors?: Record<string, string> | null;
  isSyncing?: boolean;
}

/** `PUT /api/mcp-catalogs/default`'s body. */
export interface ObotCatalogUpdate {
  displayName: string;
  sourceURLs: string[];
  sourceURLCredentials?: Record<string, string>;
}

/** An item of `GET /api/mcp-catalogs/default/entries?all=true`. */
export interface ObotCatalogEntry {
  id?: string;
  sourceURL?: string;
  manifest?: Record<string, unknown> | null;
  lastUpdated?: string;
}

/** Obot's source id: the URL without scheme and trailing slashes (pkg/mcp/source.go). Two sources with one id are refused. */
export function obotSourceId(url: string): string {
  return url
    .replace(/^https:\/\//, "")
    .replace(/^http:\/\//, "")
    .replace(/\/+$/, "");
}

/** Obot's mask of a stored token (maskCatalogCredential): "****" and, past 4 characters, the last 4. */
export function maskedToken(token: string): string {
  return token.length <= 4 ? "****" : `****${token.slice(-4)}`;
}

export interface EnsurePlan {
  update: ObotCatalogUpdate;
  /** What was wrong: the feed was not a source, or its stored token is not OBOT_REGISTRY_TOKEN. */
  reason: "source-missing" | "credential-mismatch";
}

/**
 * The update that puts the feed back among the catalog's sources, or null when it is there (by
 * Obot's source id, so `…/obot-registry/` counts as present) with the right credential as far as
 * Obot's mask shows it. Every other source stays and is left out of `sourceURLCredentials`: Obot
 * keeps the stored token of a URL the update does not mention (mergeCatalogTokens), so no other
 * source's credential is touched or needs revealing.
 */
export function planEnsure(catalog: ObotCatalog, feedUrl: string, token: string | undefined): EnsurePlan | null {
  const sources = catalog.sourceURLs ?? [];
  const id = obotSourceId(feedUrl);
  const present = sources.find((url) => obotSourceId(url) === id);
  const displayName = catalog.displayName ?? "";
  if (present === undefined) {
    const update: ObotCatalogUpdate = { displayName, sourceURLs: [...sources, feedUrl] };
    if (token) update.sourceURLCredentials = { [feedUrl]: token };
    return { update, reason: "source-missing" };
  }
  if (token && catalog.sourceURLCredentials?.[present] !== maskedToken(token)) {
    return { update: { displayName, sourceURLs: [...sources], sourceURLCredentials: { [present]: token } }, reason: "credential-mismatch" };
  }
  return null;
}

/** The syncErrors entry for our source (Obot keys them by the URL as configured). */
export function syncErrorFor(catalog: ObotCatalog, feedUrl: string): string | null {
  const id = obotSourceId(feedUrl);
  for (const [url, message] of Object.entries(catalog.syncErrors ?? {})) {
    if (obotSourceId(url) === id && message) return message;
  }
  return null;
}

/**
 * A manifest the way Obot's decoder sees it, so what we served and what Obot holds compare equal
 * when Obot would not tell them apart: Go's encoding/json matches keys case-insensitively, zero
 * values (false, "", empty lists and maps, null) decode the same as an absent key, and
 * `metadata.categories` is a comma-separated list Obot splits and trims.
 */
export function obotCanonical(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => obotCanonical(v));
    return items.length === 0 ? undefined : items;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      const lower = k.toLowerCase();
      const normalized =
        key === "metadata" && lower === "categories" && typeof v === "string"
          ? v
              .split(",")
              .map((c) => c.trim())
              .filter(Boolean)
          : obotCanonical(v, lower);
      if (normalized !== undefined) out[lower] = normalized;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === false || value === "" || value === null || value === undefined) return undefined;
  return value;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(obotCanonical(value) ?? null);
}

/**
 * Whether Obot's sync error is about this entry: Obot words entry errors as "failed to validate
 * catalog entry <name>: …" and "duplicate source entry key \"<key>\" …" (readMCPCatalog).
 */
function syncErrorNames(syncError: string, served: ObotEntry): boolean {
  return syncError.includes(`catalog entry ${served.name}:`) || syncError.includes(`entry key "${served.entryKey}"`);
}

export type ObotServerState = "in-obot" | "missing" | "outdated" | "error";

export interface ObotServerStatus {
  name: string;
  state: ObotServerState;
  message?: string;
}

/**
 * Each served entry against what Obot holds from our source. An entry is found by its entryKey
 * (our server name), else by Obot's key for it (the sanitized display name). A sync error for our
 * source that names the entry marks it `error`; one that does not marks every server Obot does
 * not hold as served (Obot kept its old entries and pruned nothing).
 */
export function compareWithObot(feed: readonly ObotEntry[], held: readonly ObotCatalogEntry[], feedUrl: string, syncError: string | null): ObotServerStatus[] {
  const id = obotSourceId(feedUrl);
  const ours = held.filter((e) => e.manifest && obotSourceId(e.sourceURL ?? "") === id);
  const byKey = new Map<string, ObotCatalogEntry>();
  for (const entry of ours) {
    const manifest = entry.manifest!;
    const key = typeof manifest.entryKey === "string" && manifest.entryKey ? manifest.entryKey : undefined;
    if (key) byKey.set(`key:${key}`, entry);
    if (typeof manifest.name === "string") byKey.set(`name:${sanitizeObotName(manifest.name)}`, entry);
  }
  return feed.map((served) => {
    const entry = byKey.get(`key:${served.entryKey}`) ?? byKey.get(`name:${sanitizeObotName(served.name)}`);
    const namesIt = syncError !== null && syncErrorNames(syncError, served);
    if (namesIt) return { name: served.entryKey, state: "error", message: syncError! };
    if (entry && canonicalJson(entry.manifest) === canonicalJson(served)) return { name: served.entryKey, state: "in-obot" };
    if (syncError !== null) return { name: served.entryKey, state: "error", message: syncError };
    if (!entry) return { name: served.entryKey, state: "missing" };
    return { name: served.entryKey, state: "outdated", message: "Obot holds a different version of this entry" };
  });
}
