/** oc review: documents held by a critical scan finding, and upstream changes staged for an admin. */
import { Command, Option } from "commander";
import type { FieldChange } from "../../server/catalog/ownership";
import { UPSTREAM_FIELDS } from "../../server/catalog/ownership";
import type { McpServer } from "../../server/catalog/model";
import type { ReviewItem } from "../../server/ingest/review";
import { segment } from "../client";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { cellText, formatDetails, formatTable, sections, shortTime } from "../output";
import { changeOrPreview, DRY_RUN_FLAG } from "./shared";

const base = "/api/v1/review";
const itemPath = (id: string) => `${base}/items/${segment(id)}`;
const QUEUES = { quarantined: "quarantined", "pending-update": "pending-updates" } as const;
type Queue = keyof typeof QUEUES;

interface Outcome {
  outcome: string;
  server?: string | null;
}

async function queue(ctx: CommandContext, which: Queue, source: string | undefined): Promise<ReviewItem[]> {
  return (await ctx.client.get<{ items: ReviewItem[] }>(`${base}/${QUEUES[which]}`, { source })).items;
}

/** What is wrong with a quarantined item, or what a staged update changes, in one cell. */
function whyText(item: ReviewItem): string {
  if (item.state === "pending-update") {
    const diff = Array.isArray(item.pendingDiff) ? (item.pendingDiff as FieldChange[]) : [];
    return diff.map((change) => `${change.field}${change.conflict ? " (conflict)" : ""}`).join(", ");
  }
  return [...item.errors, ...item.findings.map((f) => (f as { message?: string }).message ?? JSON.stringify(f))].join("; ");
}

export function reviewItemView(item: ReviewItem): string {
  const diff = item.state === "pending-update" && Array.isArray(item.pendingDiff) ? (item.pendingDiff as FieldChange[]) : [];
  return sections(
    formatDetails([
      ["Item", item.id],
      ["State", item.state],
      ["Source", item.source],
      ["Upstream", `${item.upstreamId}${item.upstreamVersion ? ` ${item.upstreamVersion}` : ""}`],
      ["Server", item.server ? `${item.server.name} (${item.server.status}, version ${item.server.version})` : item.name],
      ["Updated", shortTime(item.updatedAt)],
    ]),
    item.state === "quarantined" &&
      formatTable(
        [...item.findings.map((f) => cellText((f as { message?: string }).message ?? f)), ...item.errors],
        [{ header: "HELD BECAUSE", value: (line) => line, maxWidth: 120 }],
      ),
    diff.length > 0 &&
      formatTable(diff, [
        { header: "FIELD", value: (c) => c.field },
        { header: "NOW", value: (c) => c.before, maxWidth: 50 },
        { header: "UPSTREAM", value: (c) => c.after, maxWidth: 50 },
        { header: "CONFLICT", value: (c) => (c.conflict ? "yes: kept unless --take-upstream" : "") },
      ]),
  );
}

async function findItem(ctx: CommandContext, id: string, which?: Queue): Promise<ReviewItem> {
  const queues: Queue[] = which ? [which] : ["quarantined", "pending-update"];
  for (const q of queues) {
    const item = (await queue(ctx, q, undefined)).find((i) => i.id === id);
    if (item) return item;
  }
  throw new CliError(
    `review item ${id} is not ${which === "pending-update" ? "a pending update" : which === "quarantined" ? "quarantined" : "in the review queue"}`,
    EXIT.notFound,
  );
}

const collectField = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean),
];

export function reviewCommand(io: Io): Command {
  const review = new Command("review").description("the review queue: quarantined documents and staged upstream updates (deciding needs admin)");

  review
    .command("list")
    .description("quarantined items and pending updates, oldest first")
    .addOption(new Option("--state <state>", "only this queue").choices(Object.keys(QUEUES)))
    .option("--source <name>", "only items from this source")
    .addHelpText("after", examples("oc review list", "oc review list --state pending-update --source mcp-official -o json"))
    .action(
      withContext(io, async (ctx, options: { state?: Queue; source?: string }) => {
        const queues: Queue[] = options.state ? [options.state] : ["quarantined", "pending-update"];
        const items = (await Promise.all(queues.map((q) => queue(ctx, q, options.source)))).flat();
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "ID", value: (i) => i.id },
              { header: "STATE", value: (i) => i.state },
              { header: "SOURCE", value: (i) => i.source },
              { header: "SERVER", value: (i) => i.server?.name ?? i.name ?? i.upstreamId },
              { header: "WHY", value: whyText, maxWidth: 80 },
            ],
            "Nothing to review.",
          ),
        );
      }),
    );

  review
    .command("get")
    .description("one item: why it is held, or what the update changes field by field")
    .argument("<id>", "the item's id (see oc review list)")
    .action(
      withContext(io, async (ctx, id: string) => {
        ctx.output(await findItem(ctx, id), reviewItemView);
      }),
    );

  review
    .command("release")
    .description("release a quarantined item: it is validated and registered")
    .argument("<id>", "the item's id")
    .addHelpText("after", examples("oc review release 5c0b2d1e-…"))
    .action(
      withContext(io, async (ctx, id: string) => {
        const outcome = await ctx.client.post<Outcome>(`${itemPath(id)}/release`);
        ctx.output(outcome, (o) => `Released item ${id}: ${o.outcome}${o.server ? ` as server '${o.server}'` : ""}.`);
      }),
    );

  for (const [verb, path, what] of [
    ["reject", "reject", "reject a quarantined item"],
    ["reject-update", "reject-update", "discard a staged upstream update (the server keeps its values)"],
  ] as const) {
    review
      .command(verb)
      .description(what)
      .argument("<id>", "the item's id")
      .option("--reason <text>", "why, for the audit log")
      .addHelpText("after", examples(`oc review ${verb} 5c0b2d1e-… --reason 'not ours'`))
      .action(
        withContext(io, async (ctx, id: string, options: { reason?: string }) => {
          const outcome = await ctx.client.post<Outcome>(`${itemPath(id)}/${path}`, options.reason === undefined ? undefined : { reason: options.reason });
          ctx.output(outcome, (o) => `${verb === "reject" ? "Rejected item" : "Discarded the update"} ${id}: ${o.outcome}.`);
        }),
      );
  }

  review
    .command("approve-update")
    .description("apply a staged upstream update to its server (refused if the server changed since the version approved)")
    .argument("<id>", "the item's id")
    .option("--server-version <n>", "the server's version you reviewed (default: the version the queue shows now)", (v) => Number(v))
    .option("--take-upstream <fields>", `conflicting fields to take from upstream, comma-separated or repeated (${UPSTREAM_FIELDS.join(", ")})`, collectField)
    .option("--confirm-rename", "the update renames a published server in Obot: go ahead")
    .option(...DRY_RUN_FLAG)
    .addHelpText(
      "after",
      examples(
        "oc review get 5c0b2d1e-…                      # the field diff first",
        "oc review approve-update 5c0b2d1e-… --dry-run",
        "oc review approve-update 5c0b2d1e-… --take-upstream description",
      ),
    )
    .action(
      withContext(io, async (ctx, id: string, flags: { serverVersion?: number; takeUpstream?: string[]; confirmRename?: boolean; dryRun?: boolean }) => {
        let version = flags.serverVersion;
        if (version === undefined) {
          const item = await findItem(ctx, id, "pending-update");
          if (!item.server) throw new CliError(`review item ${id} has no server to update`, EXIT.failed);
          version = item.server.version;
        }
        if (!Number.isInteger(version) || version < 1) throw new CliError("--server-version must be a positive whole number", EXIT.usage);
        const body = { version, takeUpstream: flags.takeUpstream, confirmRename: flags.confirmRename };
        await changeOrPreview(
          ctx,
          flags.dryRun,
          (query) => ctx.client.post<McpServer>(`${itemPath(id)}/approve-update`, body, query),
          (server) => ctx.output(server, (s) => `Applied the update to '${s.name}' (now version ${s.version}).`),
        );
      }),
    );

  return review;
}
