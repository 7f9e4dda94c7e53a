/** oc mcp: the server catalog. */
import { Command, Option } from "commander";
import { SCOPES, serverCreateInput, SERVER_STATUSES, TRANSPORTS, type McpServer, type Runtime } from "../../server/catalog/model";
import type { Source } from "../../server/ingest/sources";
import type { ImportResult } from "../../server/ingest/upload";
import { segment } from "../client";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { collect, collectList, importContentType, mergeBody, parsePositiveInteger, readInputFile, readObjectFile, validateInput } from "../input";
import { formatDetails, formatTable, sections, shortTime, type Column } from "../output";
import { toolsCommand } from "./mcp-tools";
import { changeOrPreview, DRY_RUN_FLAG, printDeleted } from "./shared";

const base = "/api/v1/mcp-servers";
const serverPath = (name: string) => `${base}/${segment(name)}`;

interface ServerPage {
  items: McpServer[];
  nextCursor: string | null;
  total: number;
}

/** The flags `create` and `update` share, as commander hands them over. */
export interface ServerFlags {
  file?: string;
  displayName?: string;
  shortDescription?: string;
  description?: string;
  endpoint?: string;
  npx?: string;
  uvx?: string;
  transport?: string;
  scope?: string;
  ownerTenant?: string;
  category?: string[];
  repoUrl?: string;
  icon?: string;
}

/** The request body fields the flags set; flags left out stay undefined so the file's values stand. */
export function serverFieldsFromFlags(flags: ServerFlags): Record<string, unknown> {
  const runtimes = [flags.npx && "--npx", flags.uvx && "--uvx", flags.endpoint && "--endpoint"].filter(Boolean);
  if (runtimes.length > 1) throw new CliError(`give only one of ${runtimes.join(", ")}: a server has one runtime`, EXIT.usage);
  const runtime: Runtime | undefined = flags.npx
    ? { type: "npx", package: flags.npx, args: [] }
    : flags.uvx
      ? { type: "uvx", package: flags.uvx, command: "", args: [] }
      : undefined;
  return {
    displayName: flags.displayName,
    shortDescription: flags.shortDescription,
    description: flags.description,
    endpoint: flags.endpoint,
    runtime,
    transport: flags.transport,
    scope: flags.scope,
    ownerTenant: flags.ownerTenant,
    categories: flags.category,
    repoUrl: flags.repoUrl,
    icon: flags.icon,
  };
}

/** "https://mcp.linear.app/mcp", "npx @acme/files@1.2.0", "ghcr.io/acme/x:1 :8080/mcp" */
export function runtimeSummary(runtime: Runtime | null): string {
  if (!runtime) return "-";
  switch (runtime.type) {
    case "remote":
      return runtime.fixedURL ?? (runtime.hostname ? `any URL on ${runtime.hostname}` : `template ${runtime.urlTemplate}`);
    case "npx":
    case "uvx":
      return `${runtime.type} ${runtime.package}`;
    case "containerized":
      return `${runtime.image} :${runtime.port}${runtime.path}`;
  }
}

const serverColumns: Column<McpServer>[] = [
  { header: "NAME", value: (s) => s.name },
  { header: "STATUS", value: (s) => s.status },
  { header: "RUNTIME", value: (s) => s.runtime?.type ?? "none" },
  { header: "TRANSPORT", value: (s) => s.transport },
  { header: "SCOPE", value: (s) => s.scope },
  { header: "DISPLAY NAME", value: (s) => s.displayName, maxWidth: 32 },
  { header: "UPDATED", value: (s) => shortTime(s.updatedAt) },
];

export function serverView(server: McpServer): string {
  return formatDetails([
    ["Name", server.name],
    ["Display name", server.displayName],
    ["Status", server.statusReason ? `${server.status} (${server.statusReason})` : server.status],
    ["Description", server.shortDescription],
    ["Runtime", server.runtime ? `${server.runtime.type}: ${runtimeSummary(server.runtime)}` : "none (a draft without a runtime cannot be published)"],
    ["Transport", server.transport],
    ["Scope", server.scope === "personal" ? `personal (owner tenant: ${server.ownerTenant ?? "none, so nobody can be granted it"})` : server.scope],
    ["Categories", server.categories],
    ["Capabilities", server.capabilities],
    ["Environment", server.env.map((e) => (e.required ? e.key : `${e.key} (optional)`))],
    ["Repository", server.repoUrl],
    ["Imported from", server.provenance ? `${server.provenance.upstreamName} (${server.provenance.format})` : "-"],
    ["Version", server.version],
    ["Updated", `${shortTime(server.updatedAt)} by ${server.updatedBy}`],
  ]);
}

export function importView(result: ImportResult): string {
  const named = (items: { index: number; name: string | null }[]) => items.map((i) => i.name ?? `document ${i.index + 1}`);
  return sections(
    formatDetails([
      ["Created", result.created],
      ["Updated", result.updated],
      ["Unchanged", result.unchanged],
      ["Quarantined", named(result.quarantined)],
      ["Staged for review", named(result.pendingUpdates)],
      ["Rejected", named(result.rejected)],
    ]),
    result.rejected.length > 0 &&
      formatTable(result.rejected, [
        { header: "REJECTED", value: (r) => r.name ?? `document ${r.index + 1}` },
        { header: "WHY", value: (r) => r.errors.join("; ") },
      ]),
    result.warnings.length > 0 &&
      formatTable(result.warnings, [
        { header: "WARNING FOR", value: (w) => w.name },
        { header: "MESSAGE", value: (w) => w.messages.join("; ") },
      ]),
  );
}

function addServerFlags(command: Command): Command {
  return command
    .option("-f, --file <file>", "a JSON or YAML file with the server's fields (flags override it; - reads stdin)")
    .option("--display-name <name>", "the name people see in Obot")
    .option("--short-description <text>", "one line, at most 160 characters")
    .option("--description <markdown>", "the long description")
    .option("--endpoint <url>", "a remote server's fixed URL (makes a remote runtime)")
    .option("--npx <package@version>", "run an npm package with npx (pinned version)")
    .option("--uvx <package==version>", "run a PyPI package with uvx (pinned version)")
    .addOption(new Option("--transport <transport>", "how Obot talks to it").choices(TRANSPORTS))
    .addOption(new Option("--scope <scope>", "who may be granted it").choices(SCOPES))
    .option("--owner-tenant <tenant>", "the one tenant a personal server may be granted to")
    .option("--category <category>", "a catalog category (repeatable)", collect)
    .option("--repo-url <url>", "the source repository")
    .option("--icon <url>", "an icon URL");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The API filters by source id; people know sources by name. */
async function sourceIdFor(ctx: CommandContext, source: string | undefined): Promise<string | undefined> {
  if (!source || source === "manual" || UUID.test(source)) return source;
  return (await ctx.client.get<Source>(`/api/v1/sources/${segment(source)}`)).id;
}

async function listAllServers(ctx: CommandContext, query: Record<string, string | string[] | undefined>, limit: number | undefined): Promise<McpServer[]> {
  const servers: McpServer[] = [];
  let cursor: string | undefined;
  do {
    const pageSize = Math.min(200, limit ? limit - servers.length : 200);
    const page = await ctx.client.get<ServerPage>(base, { ...query, cursor, limit: pageSize });
    servers.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && (!limit || servers.length < limit));
  return servers;
}

export function mcpCommand(io: Io): Command {
  const mcp = new Command("mcp").description("the MCP server catalog: list, inspect, create, change, publish and import servers");

  mcp
    .command("list")
    .description("list servers (every page, or --limit)")
    .option("-q, --search <text>", "part of the name, display name or description")
    .option("--status <statuses>", `only these statuses (${SERVER_STATUSES.join(", ")}); comma-separated or repeated`, collectList)
    .option("--runtime <types>", "only these runtimes (remote, npx, uvx, containerized, none)", collectList)
    .option("--transport <transports>", "only these transports", collectList)
    .option("--scope <scopes>", "only these scopes", collectList)
    .option("--category <category>", "only servers in this category")
    .option("--source <source>", "only servers from this source (name or id), or 'manual' for those added by hand")
    .option("--limit <n>", "at most this many servers", parsePositiveInteger("--limit"))
    .addHelpText(
      "after",
      examples(
        "oc mcp list",
        "oc mcp list --status active -o json",
        "oc mcp list --runtime npx,uvx --search github",
        "oc mcp list --source mcp-official --status draft",
      ),
    )
    .action(
      withContext(
        io,
        async (
          ctx,
          options: {
            search?: string;
            status?: string[];
            runtime?: string[];
            transport?: string[];
            scope?: string[];
            category?: string;
            source?: string;
            limit?: number;
          },
        ) => {
          const { search, limit, source, ...filters } = options;
          const servers = await listAllServers(ctx, { q: search, source: await sourceIdFor(ctx, source), ...filters }, limit);
          ctx.output(servers, (rows) => formatTable(rows, serverColumns, "No servers match."));
        },
      ),
    );

  mcp
    .command("get")
    .description("show one server")
    .argument("<name>", "the server's name")
    .addHelpText("after", examples("oc mcp get github", "oc mcp get github -o yaml > github.yaml"))
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.get<McpServer>(serverPath(name)), serverView);
      }),
    );

  addServerFlags(
    mcp
      .command("create")
      .description("create a draft server from flags and/or a file")
      .argument("[name]", "the server's name (a lowercase DNS label); or give it in the file"),
  )
    .addHelpText(
      "after",
      examples(
        "oc mcp create linear --display-name Linear --endpoint https://mcp.linear.app/mcp",
        "oc mcp create files --display-name 'Acme Files' --npx @acme/files-mcp@1.2.0 --category Storage",
        "oc mcp create -f server.yaml",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string | undefined, flags: ServerFlags) => {
        const body = mergeBody(readObjectFile(flags.file), { ...serverFieldsFromFlags(flags), name });
        validateInput(serverCreateInput, body, "cannot create server");
        ctx.output(await ctx.client.post<McpServer>(base, body), (server) => sections(`Created draft server '${server.name}'.`, serverView(server)));
      }),
    );

  addServerFlags(mcp.command("update").description("change a server: only the fields given change").argument("<name>", "the server's name"))
    .option("--confirm-rename", "allow changing an active server's display name (Obot sees a new server)")
    .option(...DRY_RUN_FLAG)
    .addHelpText(
      "after",
      sections(
        examples(
          "oc mcp update github --short-description 'Code, issues and Actions'",
          "oc mcp update github -f github.yaml",
          "oc mcp update github --scope project --dry-run",
        ),
        "The change is sent with the version just read, so a change someone else made in between is refused (exit 1), never overwritten.\nA file holding a version sends that one instead.",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string, flags: ServerFlags & { confirmRename?: boolean; dryRun?: boolean }) => {
        const changes = mergeBody(readObjectFile(flags.file), { ...serverFieldsFromFlags(flags), confirmRename: flags.confirmRename });
        if (Object.keys(changes).filter((key) => key !== "version" && key !== "confirmRename").length === 0) {
          throw new CliError("nothing to change: give the fields to change as flags or in a file (-f)", EXIT.usage);
        }
        const version = changes.version ?? (await ctx.client.get<McpServer>(serverPath(name))).version;
        await changeOrPreview(
          ctx,
          flags.dryRun,
          (query) => ctx.client.patch<McpServer>(serverPath(name), { ...changes, version }, query),
          (server) => ctx.output(server, (s) => sections(`Updated server '${s.name}' (now version ${s.version}).`, serverView(s))),
        );
      }),
    );

  mcp
    .command("delete")
    .description("delete a server that is not active (disable it first)")
    .argument("<name>", "the server's name")
    .addHelpText("after", examples("oc mcp disable old-wiki && oc mcp delete old-wiki"))
    .action(
      withContext(io, async (ctx, name: string) => {
        await ctx.client.delete(serverPath(name));
        printDeleted(ctx, "server", name);
      }),
    );

  for (const [verb, description, outcome] of [
    ["publish", "publish a server: it enters the Obot feed and the contracts of the tenants granted it", "active"],
    ["disable", "disable a server: it leaves every feed and contract", "disabled"],
  ] as const) {
    mcp
      .command(verb)
      .description(description)
      .argument("<name>", "the server's name")
      .option("--reason <text>", "why, for the audit log")
      .option(...DRY_RUN_FLAG)
      .addHelpText("after", examples(`oc mcp ${verb} github --dry-run`, `oc mcp ${verb} github --reason 'reviewed by security'`))
      .action(
        withContext(io, async (ctx, name: string, options: { reason?: string; dryRun?: boolean }) => {
          await changeOrPreview(
            ctx,
            options.dryRun,
            (query) => ctx.client.post<McpServer>(`${serverPath(name)}/${verb}`, { reason: options.reason }, query),
            (server) => ctx.output(server, (s) => sections(`Server '${s.name}' is ${outcome}.`, serverView(s))),
          );
        }),
      );
  }

  mcp
    .command("import")
    .description("import Obot catalog entries or server.json documents as draft servers")
    .argument("<file>", "a .json file (one document or an array) or .yaml (documents separated by ---); - reads YAML from stdin")
    .addHelpText(
      "after",
      sections(
        examples("oc mcp import catalog.yaml", "oc mcp import server.json -o json", "curl -s https://example.com/catalog.yaml | oc mcp import -"),
        "Exits 1 when any document was rejected; the others are imported.",
      ),
    )
    .action(
      withContext(io, async (ctx, file: string) => {
        const result = await ctx.client.request<ImportResult>("POST", `${base}/import`, {
          body: readInputFile(file),
          contentType: importContentType(file),
        });
        ctx.output(result, importView);
        if (result.rejected.length > 0) {
          throw new CliError(`${result.rejected.length} of the documents in ${file} were rejected (see above)`, EXIT.failed);
        }
      }),
    );

  mcp.addCommand(toolsCommand(io));
  return mcp;
}
