/** oc sources: third-party registries and repositories the catalog is fed from, and their runs. */
import { Command, Option } from "commander";
import type { Run, RunItem } from "../../server/ingest/runs";
import type { Source } from "../../server/ingest/sources";
import { segment } from "../client";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { sourceUpdateInput } from "../../server/ingest/source-model";
import {
  collect,
  describeSubjectShort,
  importContentType,
  mergeBody,
  parsePositiveInteger,
  parseSubject,
  readInputFile,
  readObjectFile,
  SUBJECT_SYNTAX,
  validateInput,
} from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";
import { countsSummary, followRun } from "../progress";
import { printDeleted } from "./shared";

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

export interface SourceEditFlags extends Omit<SourceFlags, "kind"> {
  url?: string;
  manual?: boolean;
}

/** The fields `sources edit` changes: only those given; --include, --exclude and --entitle replace their lists. */
export function sourceChangesFromFlags(flags: SourceEditFlags): Record<string, unknown> {
  const fields = sourceFieldsFromFlags(flags);
  delete fields.kind;
  if (flags.manual) Object.assign(fields, { syncMode: "manual", intervalMinutes: null });
  return { ...fields, url: flags.url };
}

/** Documents for an upload: one file goes as it is (JSON or YAML by its name), several as the files of a multipart form. */
export function uploadBody(files: readonly string[], read: (file: string) => string): { body: string | FormData; contentType?: string } {
  if (files.length === 1) return { body: read(files[0]!), contentType: importContentType(files[0]!) };
  const form = new FormData();
  for (const file of files) {
    const name = file === "-" ? "stdin.yaml" : file.split(/[\\/]/).pop()!;
    form.append("file", new Blob([read(file)], { type: importContentType(file) }), name);
  }
  return { body: form };
}

/** Follows a queued run to its end when asked, printing it; a failed run exits 1. */
async function finishRun(ctx: CommandContext, name: string, runId: string, wait: boolean | undefined): Promise<void> {
  const runPath = `${sourcePath(name)}/runs/${segment(runId)}`;
  if (!wait) {
    ctx.output({ runId, source: name }, () => `Queued run ${runId} of '${name}'. Follow it with: oc sources runs ${name} ${runId}`);
    return;
  }
  const run = await followRun(() => ctx.client.get<RunDetail>(runPath), ctx.io.stderr);
  ctx.output(run, runView);
  if (run.status === "failed") throw new CliError(`run ${run.id} of '${name}' failed: ${run.error ?? "no reason given"}`, EXIT.failed);
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
        await finishRun(ctx, name, runId, options.wait);
      }),
    );

  sources
    .command("edit")
    .alias("update")
    .description("change a source: only the fields given change; a new URL, ref or path needs an admin's approval again")
    .argument("<name>", "the source's name")
    .option("-f, --file <file>", "a JSON or YAML file with the fields to change (flags override it)")
    .option("--url <url>", "the registry's base URL or the repository's URL")
    .option("--ref <ref>", "git: the branch, tag or commit")
    .option("--path <path>", "git: the directory holding the documents")
    .option("--include <glob>", "only upstream names matching (repeatable; replaces the list)", collect)
    .option("--exclude <glob>", "skip upstream names matching (repeatable; replaces the list)", collect)
    .option("--entitle <subject>", `allow new servers to this subject (${SUBJECT_SYNTAX}; repeatable; replaces the list)`, collect)
    .option("--every <minutes>", "sync on a schedule, every this many minutes", parsePositiveInteger("--every"))
    .option("--manual", "sync only when asked (no schedule)")
    .addHelpText("after", examples("oc sources edit mcp-official --exclude 'io.github.legacy-*'", "oc sources edit acme-git --ref v2 --every 120"))
    .action(
      withContext(io, async (ctx, name: string, flags: SourceEditFlags) => {
        if (flags.manual && flags.every) throw new CliError("--manual and --every contradict each other: give one", EXIT.usage);
        const changes = mergeBody(readObjectFile(flags.file), sourceChangesFromFlags(flags));
        if (Object.keys(changes).filter((key) => key !== "version").length === 0) {
          throw new CliError("nothing to change: give the fields to change as flags or in a file (-f)", EXIT.usage);
        }
        const current = await ctx.client.get<Source>(sourcePath(name));
        const body = { version: current.version, ...changes };
        validateInput(sourceUpdateInput, body, "cannot update source");
        const source = await ctx.client.patch<Source>(sourcePath(name), body);
        ctx.output(source, (s) =>
          sections(
            `Updated source '${s.name}'.${s.status === "pending-approval" ? ` It waits for an admin's approval again (oc sources approve ${s.name}).` : ""}`,
            sourceView(s),
          ),
        );
      }),
    );

  sources
    .command("delete")
    .alias("rm")
    .description("delete a source (the servers it registered stay)")
    .argument("<name>", "the source's name")
    .addHelpText("after", examples("oc sources delete acme-git"))
    .action(
      withContext(io, async (ctx, name: string) => {
        await ctx.client.delete(sourcePath(name));
        printDeleted(ctx, "source", name);
      }),
    );

  sources
    .command("upload")
    .description("upload documents as a run of an upload source (kind manual-upload; 'uploads' is the built-in one)")
    .argument("<name>", "the upload source")
    .argument("<files...>", "Obot catalog entries or server.json documents: .json (one or an array) or YAML (--- between documents); - reads stdin")
    .option("--wait", "wait for the run to finish, showing its progress on stderr; exit 1 if it fails")
    .addHelpText(
      "after",
      sections(
        examples(
          "oc sources upload uploads servers.yaml --wait",
          "oc sources upload team-drops github.json linear.json",
          "cat servers.yaml | oc sources upload team-drops -",
        ),
        "The documents go through the same scan, validation and registration as a sync; see the outcome per document with --wait.",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string, files: string[], options: { wait?: boolean }) => {
        const { body, contentType } = uploadBody(files, readInputFile);
        const { runId } = await ctx.client.request<{ runId: string }>("POST", `${sourcePath(name)}/upload`, { body, contentType });
        await finishRun(ctx, name, runId, options.wait);
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
