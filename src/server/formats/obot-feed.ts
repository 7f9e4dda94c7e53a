import type { McpServer } from "../catalog/model";
import { obotEntryFor, type ObotEntry } from "../formats/obot-entry";

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The Obot catalog: an array of entries for the active servers, ordered by server name (byte
 * order, so the body never depends on the database's collation).
 */
export function obotCatalogEntries(servers: readonly McpServer[]): ObotEntry[] {
  return servers
    .filter((s): s is McpServer & { runtime: NonNullable<McpServer["runtime"]> } => s.status === "active" && s.runtime !== null)
    .sort(byName)
    .map((s) => obotEntryFor(s));
}

export function renderObotFeed(servers: readonly McpServer[]): string {
  return JSON.stringify(obotCatalogEntries(servers));
}
