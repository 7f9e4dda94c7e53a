import type { ObotStatus } from "@/server/obot/status";

type Link = ObotStatus["link"];
type ServerState = ObotStatus["servers"][number];

/** "8 s ago", "4 min ago": seconds matter here, since a refresh lands within seconds. */
export function agoText(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** One line about the link for the dashboard. */
export function linkText(link: Link, now: number): string {
  if (link.state === "off")
    return "The Obot link is off: set OPENCRANE_OBOT_URL and OPENCRANE_OBOT_FEED_URL to keep Obot pointed at the feed and read back what it holds.";
  if (link.state === "unreachable") return link.syncError ?? "Obot is unreachable.";
  const synced = link.lastSynced ? `Obot synced ${agoText(link.lastSynced, now)}` : "Obot has not synced yet";
  return `${synced}${link.isSyncing ? " (syncing now)" : ""}.${link.syncError ? ` Obot reports: ${link.syncError}` : ""}`;
}

/** What the console says about one active server: "in Obot, synced 8 s ago", "missing from Obot", "Obot reports: …". */
export function serverText(link: Link, server: ServerState | undefined, now: number): string {
  if (link.state === "off") return "The Obot link is off, so whether Obot holds this server is not known.";
  if (link.state === "unreachable") return `Obot is unreachable, so whether it holds this server is not known (${link.syncError ?? "no answer"}).`;
  if (!server) return "Not read back from Obot yet.";
  switch (server.state) {
    case "in-obot":
      return link.lastSynced ? `in Obot, synced ${agoText(link.lastSynced, now)}` : "in Obot";
    case "missing":
      return "missing from Obot";
    case "outdated":
      return "Obot holds an older version";
    case "error":
      return `Obot reports: ${server.message ?? "an error"}`;
  }
}
