/**
 * Policy as code (DESIGN §12): `oc state export`, `oc diff -f`, `oc apply -f`. Files are read and
 * written with the same functions the server uses, so an exported repository re-applied changes
 * nothing.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { objectFiles, parseStateText, stateToText } from "../../server/formats/state-text";
import type { StateChange, StateDocument } from "../../server/state/model";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { readInputFile } from "../input";
import { formatTable, sections } from "../output";
import { impactView, type Impact } from "./shared";

const STATE = "/api/v1/state";

interface Planned {
  changes: StateChange[];
  impact: Impact;
  warnings: string[];
}

interface Applied {
  changeSet: string | null;
  revision: number;
  changes: StateChange[];
  impact: Impact;
  warnings: string[];
}

const isStateFile = (name: string) => /\.(ya?ml|json)$/i.test(name);

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name.startsWith(".") ? [] : filesUnder(full);
      return isStateFile(entry.name) ? [full] : [];
    });
}

/** The documents of a file (`-` is standard input, YAML) or of every .yaml/.yml/.json file under a directory. */
export function readStateDocuments(target: string): unknown[] {
  let files = [target];
  if (target !== "-") {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target);
    } catch {
      throw new CliError(`cannot read ${target}: no such file or directory`, EXIT.usage);
    }
    if (stat.isDirectory()) {
      files = filesUnder(target);
      if (files.length === 0) throw new CliError(`${target} holds no .yaml, .yml or .json file`, EXIT.usage);
    }
  }
  return files.flatMap((file) => {
    try {
      return parseStateText(readInputFile(file), /\.json$/i.test(file) ? "json" : "yaml", file === "-" ? "standard input" : file);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message, EXIT.usage);
    }
  });
}

const show = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));

export function changesView(changes: readonly StateChange[]): string {
  if (changes.length === 0) return "No changes.";
  const lines = changes.flatMap((change) => [
    `${change.action === "create" ? "+" : change.action === "delete" ? "-" : "~"} ${change.kind} ${change.name}`,
    ...(change.fields ?? []).map((field) => `    ${field.path}: ${show(field.before)} → ${show(field.after)}`),
  ]);
  const count = (action: string) => changes.filter((c) => c.action === action).length;
  return `${lines.join("\n")}\n\n${count("create")} to create, ${count("update")} to update, ${count("delete")} to delete.`;
}

const warningsView = (warnings: readonly string[]) => (warnings.length > 0 ? formatTable(warnings, [{ header: "WARNING", value: (w) => w }], "") : null);

async function plan(ctx: CommandContext, target: string, query: Record<string, boolean | undefined>): Promise<Planned> {
  const documents = readStateDocuments(target);
  return ctx.client.request<Planned>("POST", STATE, { body: documents, query: { ...query, dryRun: true } });
}

export function stateCommand(io: Io): Command {
  const state = new Command("state").description("the whole desired state as one document: servers, tenants, groups, rules, sources");
  state
    .command("export")
    .description("print the state document (YAML unless -o json), or write one file per object with --split")
    .option("--split <dir>", "write DIR/<kind>s/<name>.yaml per object (and remove files of objects that are gone)")
    .addHelpText("after", examples("oc state export > state.yaml", "oc state export -o json", "oc state export --split ./opencrane"))
    .action(
      withContext(io, async (ctx, options: { split?: string }) => {
        const document = await ctx.client.get<StateDocument>(STATE);
        if (!options.split) {
          io.stdout.write(stateToText(document, ctx.format === "json" ? "json" : "yaml"));
          return;
        }
        const written = writeSplit(options.split, document);
        ctx.note(`Wrote ${written} files under ${options.split} (revision ${document.revision}).`);
      }),
    );
  return state;
}

/** One file per object; files of objects no longer in the state are removed from the kind folders. */
function writeSplit(dir: string, document: StateDocument): number {
  const files = objectFiles(document);
  const keep = new Set(files.map((f) => path.join(dir, f.path)));
  for (const kind of ["servers", "tenants", "groups", "rules", "sources"]) {
    const folder = path.join(dir, kind);
    if (!fs.existsSync(folder)) continue;
    for (const name of fs.readdirSync(folder)) {
      const full = path.join(folder, name);
      if (/\.ya?ml$/.test(name) && !keep.has(full)) fs.rmSync(full);
    }
  }
  for (const file of files) {
    const full = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, file.text);
  }
  return files.length;
}

export function diffCommand(io: Io): Command {
  return new Command("diff")
    .description("show what applying a state file or directory would change (exit 0: no differences, 1: differences, >1: an error), like kubectl diff")
    .requiredOption("-f, --filename <file|dir>", "a state document, a YAML stream, or a directory of them ('-' reads standard input)")
    .option("--prune", "also show the objects the files leave out, which apply --prune deletes")
    .addHelpText("after", examples("oc diff -f state.yaml", "oc diff -f ./opencrane --prune"))
    .action(
      withContext(io, async (ctx, options: { filename: string; prune?: boolean }) => {
        let planned: Planned;
        try {
          planned = await plan(ctx, options.filename, { prune: options.prune });
        } catch (error) {
          // kubectl diff's convention: 1 means differences, so a refusal is an error above it.
          if (error instanceof CliError && error.exitCode === EXIT.failed) throw new CliError(error.message, EXIT.usage, error.detailLines);
          throw error;
        }
        ctx.output(planned, (p) => sections(changesView(p.changes), p.changes.length > 0 && impactView(p.impact), warningsView(p.warnings)));
        if (planned.changes.length > 0) throw new CliError(`${planned.changes.length} difference${planned.changes.length === 1 ? "" : "s"}`, EXIT.failed);
      }),
    );
}

export function applyCommand(io: Io): Command {
  return new Command("apply")
    .description("apply a state file or directory in one transaction, printing the change set and its impact")
    .requiredOption("-f, --filename <file|dir>", "a state document, a YAML stream, or a directory of them ('-' reads standard input)")
    .option("--prune", "delete the objects the files leave out")
    .option("--dry-run", "show the change set and who would gain or lose which server, and change nothing")
    .option("--force", "apply even over objects changed since the document's revision")
    .addHelpText("after", examples("oc apply -f state.yaml --dry-run", "oc apply -f ./opencrane --prune", "oc state export | oc apply -f -"))
    .action(
      withContext(io, async (ctx, options: { filename: string; prune?: boolean; dryRun?: boolean; force?: boolean }) => {
        if (options.dryRun) {
          const planned = await plan(ctx, options.filename, { prune: options.prune, force: options.force });
          ctx.output(planned, (p) => sections(changesView(p.changes), impactView(p.impact), warningsView(p.warnings)));
          return;
        }
        const documents = readStateDocuments(options.filename);
        const applied = await ctx.client.request<Applied>("POST", STATE, { body: documents, query: { prune: options.prune, force: options.force } });
        ctx.output(applied, (a) =>
          sections(
            changesView(a.changes),
            a.changes.length > 0
              ? `Applied as change set ${a.changeSet} (revision ${a.revision}). ${a.impact.summary}`
              : `Nothing to apply (revision ${a.revision}).`,
            warningsView(a.warnings),
          ),
        );
      }),
    );
}
