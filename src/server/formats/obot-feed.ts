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

/** Each server's entry as JSON, rendered once per server object (server objects are never changed in place). */
const entryJson = new WeakMap<McpServer, string>();

/** The feed's bytes: the same as JSON.stringify(obotCatalogEntries(servers)), made from each entry's JSON. */
export function renderObotFeed(servers: readonly McpServer[]): string {
  const listed = servers.filter((s) => s.status === "active" && s.runtime !== null).sort(byName);
  const parts = listed.map((server) => {
    let json = entryJson.get(server);
    if (json === undefined) entryJson.set(server, (json = JSON.stringify(obotEntryFor(server as McpServer & { runtime: NonNullable<McpServer["runtime"]> }))));
    return json;
  });
  return `[${parts.join(",")}]`;
}
