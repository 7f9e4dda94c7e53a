/** oc mcp tools: a server's discovered and pinned tools, and the review of their drift (DESIGN §11). */
import { Command } from "commander";
import type { ToolDrift, ToolView } from "../../server/tools/model";
import type { DiscoveryResult, ServerToolsView } from "../../server/tools/store";
import { segment } from "../client";
import { examples, withContext, type Io } from "../context";
import { asObject, parseDocument, readInputFile } from "../input";
import { formatDetails, formatTable, sections, shortTime, type Column } from "../output";

const toolsPath = (name: string) => `/api/v1/mcp-servers/${segment(name)}/tools`;
const driftPath = (name: string, verb: "approve" | "reject") => `/api/v1/review/tool-drift/${segment(name)}/${verb}`;

interface ToolRow {
  tool: ToolView;
  state: string;
}

const firstLine = (text: string) => text.split("\n")[0] ?? "";
const toolColumns: Column<ToolRow>[] = [
  { header: "TOOL", value: (r) => r.tool.name },
  { header: "STATE", value: (r) => r.state },
  { header: "HINTS", value: (r) => hints(r.tool) },
  { header: "SHA256", value: (r) => r.tool.sha256.slice(0, 12) },
  { header: "DESCRIPTION", value: (r) => firstLine(r.tool.description), maxWidth: 60 },
];

function hints(tool: ToolView): string {
  const a = tool.annotations ?? {};
  if (a.readOnlyHint === true) return "read-only";
  return a.destructiveHint === false ? "writes" : "destructive";
}

/** The latest tools (or the pinned ones when nothing newer was discovered), each with what drift did to it. */
export function toolRows(view: Pick<ServerToolsView, "pinned" | "latest" | "drift">): ToolRow[] {
  const tools = view.latest?.tools ?? view.pinned?.tools ?? [];
  const added = new Set(view.drift?.added.map((t) => t.name));
  const changed = new Map(view.drift?.changed.map((c) => [c.name, c.fields]));
  const rows = tools.map((tool) => ({
    tool,
    state: added.has(tool.name) ? "new (withheld)" : changed.has(tool.name) ? `changed: ${changed.get(tool.name)!.join(", ")} (withheld)` : "pinned",
  }));
  if (!view.pinned) for (const row of rows) if (row.state === "pinned") row.state = "not pinned";
  return [...rows, ...(view.drift?.removed ?? []).map((tool) => ({ tool, state: "removed" }))];
}

function driftView(drift: ToolDrift | null): string | null {
  if (!drift) return null;
  const findings = drift.findings.map((f) => `  ${f.severity.toUpperCase()} ${f.rule} (${f.field}): ${f.message}`);
  return sections(
    `Tool drift: ${drift.added.length} added, ${drift.removed.length} removed, ${drift.changed.length} changed — held for review (oc mcp tools approve|reject).`,
    findings.length > 0 ? `Findings:\n${findings.join("\n")}` : null,
  );
}

export function serverToolsView(view: ServerToolsView): string {
  return sections(
    formatDetails([
      ["Pinned", view.pinned ? `${view.pinned.digest.slice(0, 16)}… on ${shortTime(view.pinned.pinnedAt)} by ${view.pinned.pinnedBy}` : "nothing pinned"],
      ["Latest", view.latest ? `${view.latest.digest.slice(0, 16)}… (${view.latest.source}) on ${shortTime(view.latest.discoveredAt)}` : "never discovered"],
      ["On drift", view.onToolDrift],
      ["Probe", view.probe.probeable ? view.probe.url : `not probeable: ${view.probe.reason}`],
      ["Probe headers", view.probe.headers.length > 0 ? view.probe.headers : "-"],
      ["Last error", view.lastError ?? "-"],
    ]),
    formatTable(toolRows(view), toolColumns, "No tools known."),
    view.driftRejected ? "This drift was rejected: new and changed tools stay withheld." : driftView(view.drift),
  );
}

function discoveryView(result: DiscoveryResult): string {
  return sections(
    `Discovered ${result.tools.length} tools (digest ${result.digest.slice(0, 16)}…).`,
    formatTable(
      result.tools.map((tool) => ({ tool, state: "" })),
      toolColumns.filter((c) => c.header !== "STATE"),
    ),
    driftView(result.drift),
  );
}

export function toolsCommand(io: Io): Command {
  const tools = new Command("tools").description("a server's tools: discover them, see what is pinned, review drift");

  tools
    .command("list")
    .description("show a server's pinned and latest tools and the drift between them")
    .argument("<name>", "the server's name")
    .addHelpText("after", examples("oc mcp tools list github", "oc mcp tools list github -o json"))
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.get<ServerToolsView>(toolsPath(name)), serverToolsView);
      }),
    );

  tools
    .command("discover")
    .description("discover the server's tools now (a live probe, or its document's tool preview)")
    .argument("<name>", "the server's name")
    .addHelpText("after", examples("oc mcp tools discover github"))
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.post<DiscoveryResult>(`${toolsPath(name)}/discover`), discoveryView);
      }),
    );

  tools
    .command("upload")
    .description("record the server's tools from a file: the JSON tools/list returns")
    .argument("<name>", "the server's name")
    .argument("<file>", "a JSON or YAML file with {tools: [...]} or the array of tools; - reads stdin")
    .addHelpText("after", examples("oc mcp tools upload internal-wiki tools.json"))
    .action(
      withContext(io, async (ctx, name: string, file: string) => {
        const document = parseDocument(readInputFile(file), file);
        const upload = Array.isArray(document) ? document : asObject(document, file);
        ctx.output(await ctx.client.post<DiscoveryResult>(`${toolsPath(name)}/upload`, upload), discoveryView);
      }),
    );

  for (const verb of ["approve", "reject"] as const) {
    tools
      .command(verb)
      .description(verb === "approve" ? "approve the server's tool drift: its latest tools are pinned" : "reject the server's tool drift: the pin stays")
      .argument("<name>", "the server's name")
      .option("--digest <sha256>", "the latest manifest digest you reviewed (refused if the tools changed since)")
      .option("--reason <text>", "why, for the audit log")
      .addHelpText("after", examples(`oc mcp tools ${verb} github`, `oc mcp tools ${verb} github --digest 3f2a…`))
      .action(
        withContext(io, async (ctx, name: string, options: { digest?: string; reason?: string }) => {
          const view = await ctx.client.post<ServerToolsView>(driftPath(name, verb), { digest: options.digest, reason: options.reason });
          ctx.output(view, (v) =>
            sections(verb === "approve" ? `Pinned the latest tools of '${name}'.` : `Rejected the tool drift of '${name}'.`, serverToolsView(v)),
          );
        }),
      );
  }
  return tools;
}
