/** oc sources: third-party registries and repositories the catalog is fed from, and their runs. */
import { Command, Option } from "commander";
import type { Run, RunItem } from "../../server/ingest/runs";
import type { Source } from "../../server/ingest/sources";
import { segment } from "../client";
import { examples, withContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { collect, describeSubjectShort, mergeBody, parsePositiveInteger, parseSubject, readObjectFile, SUBJECT_SYNTAX } from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";
import { countsSummary, followRun } from "../progress";

const base = "/api/v1/sources";
const sourcePath = (name: string) => `${base}/${segment(name)}`;

type ListedSource = Source & { lastRun: Run | null };
type RunDetail = Run & { items: RunItem[] };

export interface SourceFlags {
  file?: string;
  kind?: string;
  ref?: string;
  path?: string;
  include?: string[];
  exclude?: string[];
  entitle?: string[];
  every?: number;
}

/** The body of `sources add`: --every N makes the source scheduled, --entitle SUBJECT a default entitlement. */
export function sourceFieldsFromFlags(flags: SourceFlags): Record<string, unknown> {
  return {
    kind: flags.kind,
    ref: flags.ref,
    path: flags.path,
    include: flags.include,
    exclude: flags.exclude,
    defaultEntitlements: flags.entitle?.map((subject) => ({ subject: parseSubject(subject) })),
    syncMode: flags.every ? "scheduled" : undefined,
    intervalMinutes: flags.every,
  };
}

export function sourceView(source: Source): string {
  return formatDetails([
    ["Name", source.name],
    ["Kind", source.kind],
    ["URL", source.url],
    ["Ref", source.ref],
    ["Path", source.path],
    ["Include", source.include],
    ["Exclude", source.exclude],
    ["Sync", source.syncMode === "scheduled" ? `every ${source.intervalMinutes} minutes` : "manual"],
    ["Entitles", source.defaultEntitlements.map((e) => describeSubjectShort(e.subject))],
    ["Status", source.lastError ? `${source.status}: ${source.lastError}` : source.status],
    ["Approved", source.approvedBy ? `${shortTime(source.approvedAt)} by ${source.approvedBy}` : "not yet (oc sources approve)"],
    ["Last synced", shortTime(source.lastSyncedAt)],
  ]);
}

export function runView(run: RunDetail): string {
  return sections(
    formatDetails([
      ["Run", run.id],
      ["Source", run.source],
      ["Status", run.error ? `${run.status}: ${run.error}` : run.status],
      ["Trigger", run.trigger],
      ["Counts", countsSummary(run.counts)],
      ["Queued", `${shortTime(run.queuedAt)} by ${run.createdBy}`],
      ["Finished", shortTime(run.finishedAt)],
    ]),
    run.items.length > 0 &&
      formatTable(run.items, [
        { header: "UPSTREAM", value: (i) => i.upstreamId },
        { header: "SERVER", value: (i) => i.name },
        { header: "OUTCOME", value: (i) => i.outcome },
        { header: "WHY", value: (i) => [...i.errors, ...i.findings.map((f) => (f as { message?: string }).message ?? JSON.stringify(f))], maxWidth: 80 },
      ]),
  );
}

const runColumns = [
  { header: "RUN", value: (r: Run) => r.id },
  { header: "STATUS", value: (r: Run) => r.status },
  { header: "TRIGGER", value: (r: Run) => r.trigger },
  { header: "QUEUED", value: (r: Run) => shortTime(r.queuedAt) },
  { header: "COUNTS", value: (r: Run) => (r.error ? r.error : countsSummary(r.counts)), maxWidth: 70 },
];

export function sourcesCommand(io: Io): Command {
  const sources = new Command("sources").description("third-party sources: MCP registries, git repositories and uploads, and their runs");

  sources
    .command("list")
    .description("list sources with their status and last run")
    .addHelpText("after", examples("oc sources list", "oc sources list -o json"))
    .action(
      withContext(io, async (ctx) => {
        const { items } = await ctx.client.get<{ items: ListedSource[] }>(base);
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "NAME", value: (s) => s.name },
              { header: "KIND", value: (s) => s.kind },
              { header: "STATUS", value: (s) => s.status },
              { header: "URL", value: (s) => s.url, maxWidth: 50 },
              { header: "LAST RUN", value: (s) => (s.lastRun ? `${s.lastRun.status} ${shortTime(s.lastRun.finishedAt ?? s.lastRun.queuedAt)}` : "never") },
            ],
            "No sources yet.",
          ),
        );
      }),
    );

  sources
    .command("get")
    .description("show one source")
    .argument("<name>", "the source's name")
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.get<Source>(sourcePath(name)), sourceView);
      }),
    );

  sources
    .command("add")
    .description("add a source; it syncs only after an admin approves it")
    .argument("[name]", "the source's name; or give it in the file")
    .argument("[url]", "a registry's base URL or a git repository's URL (none for manual-upload)")
    .option("-f, --file <file>", "a JSON or YAML file with the source's fields (flags override it)")
    .addOption(new Option("--kind <kind>", "what the URL points at").choices(["mcp-registry", "git", "manual-upload"]))
    .option("--ref <ref>", "git: the branch, tag or commit")
    .option("--path <path>", "git: the directory holding the documents")
    .option("--include <glob>", "only upstream names matching (repeatable)", collect)
    .option("--exclude <glob>", "skip upstream names matching (repeatable)", collect)
    .option("--entitle <subject>", `allow new servers to this subject (${SUBJECT_SYNTAX}; repeatable)`, collect)
    .option("--every <minutes>", "sync on a schedule, every this many minutes", parsePositiveInteger("--every"))
    .addHelpText(
      "after",
      examples(
        "oc sources add mcp-official https://registry.modelcontextprotocol.io --kind mcp-registry --include 'io.github.*'",
        "oc sources add acme-git https://github.com/acme/mcp-servers --kind git --ref main --path servers --every 60",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string | undefined, url: string | undefined, flags: SourceFlags) => {
        const body = mergeBody(readObjectFile(flags.file), { ...sourceFieldsFromFlags(flags), name, url });
        ctx.output(await ctx.client.post<Source>(base, body), (source) =>
          sections(`Added source '${source.name}'; an admin must approve it before it syncs (oc sources approve ${source.name}).`, sourceView(source)),
        );
      }),
    );

  sources
    .command("approve")
    .description("approve a source so it can sync (admins)")
    .argument("<name>", "the source's name")
    .addHelpText("after", examples("oc sources approve mcp-official"))
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.post<Source>(`${sourcePath(name)}/approve`), (source) => sections(`Approved source '${source.name}'.`, sourceView(source)));
      }),
    );

  sources
    .command("sync")
    .description("queue a run of the source now; --wait follows it to the end")
    .argument("<name>", "the source's name")
    .option("--wait", "wait for the run to finish, showing its progress on stderr; exit 1 if it fails")
    .addHelpText(
      "after",
      sections(
        examples("oc sources sync mcp-official", "oc sources sync mcp-official --wait", "oc sources sync mcp-official --wait -o json > run.json"),
        "With --wait, progress is a bar on a terminal and one line per change otherwise (CI logs).",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string, options: { wait?: boolean }) => {
        const { runId } = await ctx.client.post<{ runId: string }>(`${sourcePath(name)}/sync`);
        const runPath = `${sourcePath(name)}/runs/${segment(runId)}`;
        if (!options.wait) {
          ctx.output({ runId, source: name }, () => `Queued run ${runId} of '${name}'. Follow it with: oc sources runs ${name} ${runId}`);
          return;
        }
        const run = await followRun(() => ctx.client.get<RunDetail>(runPath), ctx.io.stderr);
        ctx.output(run, runView);
        if (run.status === "failed") throw new CliError(`run ${run.id} of '${name}' failed: ${run.error ?? "no reason given"}`, EXIT.failed);
      }),
    );

  sources
    .command("runs")
    .description("the source's last 50 runs, or one run with every item's outcome")
    .argument("<name>", "the source's name")
    .argument("[run]", "a run id: show that run in full")
    .addHelpText("after", examples("oc sources runs mcp-official", "oc sources runs mcp-official 5c0b2d1e-…"))
    .action(
      withContext(io, async (ctx, name: string, runId: string | undefined) => {
        if (runId) {
          ctx.output(await ctx.client.get<RunDetail>(`${sourcePath(name)}/runs/${segment(runId)}`), runView);
          return;
        }
        const { items } = await ctx.client.get<{ items: Run[] }>(`${sourcePath(name)}/runs`);
        ctx.output(items, (rows) => formatTable(rows, runColumns, "No runs yet."));
      }),
    );

  return sources;
}
