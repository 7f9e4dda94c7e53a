/** oc obot status: the Obot link (is the feed among Obot's sources, what Obot holds) and drift repair. */
import { Command } from "commander";
import type { ObotStatus } from "../../server/obot/status";
import { examples, withContext, type Io } from "../context";
import { formatDetails, formatTable, sections, shortTime } from "../output";

const SERVER_STATE_TEXT: Record<string, string> = {
  "in-obot": "in Obot",
  missing: "missing from Obot",
  outdated: "Obot holds an older version",
  error: "Obot reports an error",
};

export function obotStatusView(status: ObotStatus): string {
  const { link, drift } = status;
  const linkBlock =
    link.state === "off"
      ? "Obot link: off (set OPENCRANE_OBOT_URL and OPENCRANE_OBOT_FEED_URL to turn it on)"
      : formatDetails([
          ["Obot link", link.state],
          ["Obot", link.url],
          ["Feed URL", link.feedUrl],
          ["Last synced", shortTime(link.lastSynced)],
          ["Syncing", link.isSyncing ? "yes" : "no"],
          ["Sync error", link.syncError],
          ["Refresh asked", shortTime(link.lastRefreshRequestedAt)],
          ["Source checked", shortTime(link.lastEnsuredAt)],
        ]);
  const serversBlock =
    link.state === "off"
      ? null
      : formatTable(
          status.servers,
          [
            { header: "SERVER", value: (s) => s.name },
            { header: "IN OBOT", value: (s) => SERVER_STATE_TEXT[s.state] ?? s.state },
            { header: "MESSAGE", value: (s) => s.message, maxWidth: 80 },
          ],
          "No active servers read back from Obot yet.",
        );
  const driftBlock =
    drift.state === "off"
      ? "Drift repair: off (set OPENCRANE_OBOT_DEPLOYMENT=<namespace>/<name> to turn it on)"
      : sections(
          formatDetails([
            ["Drift repair", `${drift.state} (mode ${drift.mode})`],
            ["Deployment", drift.deployment],
            ["Last checked", shortTime(drift.lastCheckedAt)],
            ["Last repaired", shortTime(drift.lastRepairedAt)],
            ["Note", drift.message],
          ]),
          formatTable(
            drift.variables,
            [
              { header: "VARIABLE", value: (v) => v.name },
              { header: "INTENDED", value: (v) => v.intended, maxWidth: 60 },
              { header: "ACTUAL", value: (v) => v.actual, maxWidth: 60 },
              { header: "ACTION", value: (v) => v.action },
            ],
            "No variables checked yet.",
          ),
        );
  return sections(linkBlock, serversBlock, driftBlock);
}

export function obotCommand(io: Io): Command {
  const obot = new Command("obot").description("the Obot gateway: the link to its catalog and drift repair of its Deployment");
  obot
    .command("status")
    .description("whether Obot reads the feed, what it holds of each active server, and whether its Deployment env is as intended")
    .addHelpText("after", examples("oc obot status", "oc obot status -o json"))
    .action(
      withContext(io, async (ctx) => {
        ctx.output(await ctx.client.get<ObotStatus>("/api/v1/obot"), obotStatusView);
      }),
    );
  return obot;
}
