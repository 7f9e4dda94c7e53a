/** oc grants: the access rules that decide which tenant may use which server. */
import { Command, Option } from "commander";
import { ACCESS, grantCreateInput, grantUpdateInput, type Grant, type Subject } from "../../server/policy/model";
import type { SavedGrant } from "../../server/policy/store";
import { segment } from "../client";
import { examples, withContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { describeSubjectShort, mergeBody, parseSubject, readObjectFile, SUBJECT_SYNTAX, validateInput } from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";
import { changeOrPreview, DRY_RUN_FLAG, printDeleted } from "./shared";

const base = "/api/v1/grants";
const grantPath = (id: string) => `${base}/${segment(id)}`;

type ListedGrant = Grant & { deadReason: string | null };

/** The list endpoint filters by subject type and name: `group:platform` → both, `everyone` → the type. */
export function subjectFilter(subject: Subject | undefined): { subjectType?: string; subjectName?: string } {
  if (!subject) return {};
  if (subject.type === "group" || subject.type === "tenant") return { subjectType: subject.type, subjectName: subject.name };
  return { subjectType: subject.type };
}

export interface GrantAddFlags {
  name?: string;
  deny?: boolean;
  note?: string;
  expiresAt?: string;
  dryRun?: boolean;
}

export function grantBody(subject: string, servers: string, flags: GrantAddFlags): Record<string, unknown> {
  return { name: flags.name, subject: parseSubject(subject), servers, access: flags.deny ? "deny" : "allow", note: flags.note, expiresAt: flags.expiresAt };
}

export interface GrantUpdateFlags {
  file?: string;
  subject?: string;
  servers?: string;
  access?: string;
  note?: string;
  expiresAt?: string;
  expiry?: boolean;
  dryRun?: boolean;
}

/** The fields `grants update` changes: only those given; --no-expiry clears the expiry. */
export function grantChangesFromFlags(flags: GrantUpdateFlags): Record<string, unknown> {
  return {
    subject: flags.subject === undefined ? undefined : parseSubject(flags.subject),
    servers: flags.servers,
    access: flags.access,
    note: flags.note,
    expiresAt: flags.expiry === false ? null : flags.expiresAt,
  };
}

export function grantView(grant: Grant & { scopeExcluded?: SavedGrant["scopeExcluded"]; deadReason?: string | null }): string {
  return sections(
    formatDetails([
      ["Name", grant.name],
      ["Id", grant.id],
      ["Rule", `${grant.access} ${describeSubjectShort(grant.subject)} → '${grant.servers}'`],
      ["Note", grant.note],
      ["Expires", grant.expiresAt ? shortTime(grant.expiresAt) : "never"],
      ...(grant.deadReason ? [["Dead", grant.deadReason] as const] : []),
      ["Version", grant.version],
    ]),
    grant.scopeExcluded &&
      grant.scopeExcluded.length > 0 &&
      formatTable(grant.scopeExcluded, [
        { header: "NOT GRANTED", value: (e) => e.server },
        { header: "SCOPE", value: (e) => e.scope },
        { header: "WHY", value: (e) => e.reason },
      ]),
  );
}

export function grantsCommand(io: Io): Command {
  const grants = new Command("grants").alias("rules").description("access rules: allow or deny a subject the servers a name or glob matches (alias: rules)");

  grants
    .command("list")
    .description("list rules, oldest first, with why a rule is dead if it is")
    .option("--subject <subject>", `only rules for this subject: ${SUBJECT_SYNTAX}`)
    .addOption(new Option("--access <access>", "only allow or only deny rules").choices(ACCESS))
    .option("--server <name>", "only rules whose pattern matches this server")
    .addHelpText("after", examples("oc grants list", "oc grants list --subject group:platform", "oc grants list --server github -o json"))
    .action(
      withContext(io, async (ctx, options: { subject?: string; access?: string; server?: string }) => {
        const query = { ...subjectFilter(options.subject ? parseSubject(options.subject) : undefined), access: options.access, server: options.server };
        const { items } = await ctx.client.get<{ items: ListedGrant[] }>(base, query);
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "NAME", value: (g) => g.name },
              { header: "ACCESS", value: (g) => g.access },
              { header: "SUBJECT", value: (g) => describeSubjectShort(g.subject) },
              { header: "SERVERS", value: (g) => g.servers },
              { header: "EXPIRES", value: (g) => shortTime(g.expiresAt) },
              { header: "NOTE", value: (g) => (g.deadReason ? `dead: ${g.deadReason}` : g.note), maxWidth: 50 },
            ],
            "No rules match.",
          ),
        );
      }),
    );

  grants
    .command("get")
    .description("show one rule")
    .argument("<rule>", "the rule's name or id")
    .action(
      withContext(io, async (ctx, id: string) => {
        ctx.output(await ctx.client.get<Grant>(grantPath(id)), grantView);
      }),
    );

  grants
    .command("add")
    .description("add a rule: allow (or --deny) a subject the servers matching a name or glob")
    .argument("<subject>", SUBJECT_SYNTAX)
    .argument("<servers>", "a server name or glob (* and ?)")
    .option("--name <name>", "the rule's name (default: from subject and servers, e.g. group-platform-github)")
    .option("--deny", "a deny rule instead of allow")
    .option("--note <text>", "why the rule exists")
    .option("--expires-at <time>", "when the rule stops applying, e.g. 2026-12-31T23:59:59Z")
    .option(...DRY_RUN_FLAG)
    .addHelpText(
      "after",
      examples(
        "oc grants add group:platform 'github*' --dry-run",
        "oc grants add group:platform 'github*' --name platform-github --note 'platform agents need GitHub'",
        "oc grants add tenant:payments-bot slack --deny",
        "oc grants add labels:team=payments,tier=gold linear",
      ),
    )
    .action(
      withContext(io, async (ctx, subject: string, servers: string, flags: GrantAddFlags) => {
        const body = grantBody(subject, servers, flags);
        validateInput(grantCreateInput, body, "cannot add rule");
        await changeOrPreview(
          ctx,
          flags.dryRun,
          (query) => ctx.client.post<SavedGrant>(base, body, query),
          (grant) => ctx.output(grant, (g) => sections(`Added rule ${g.name}.`, grantView(g))),
        );
      }),
    );

  grants
    .command("update")
    .description("change a rule: only the fields given change (sent with the version read, so a concurrent change is refused)")
    .argument("<id>", "the rule's id (see oc grants list)")
    .option("-f, --file <file>", "a JSON or YAML file with the fields to change (flags override it)")
    .option("--subject <subject>", SUBJECT_SYNTAX)
    .option("--servers <pattern>", "a server name or glob (* and ?)")
    .addOption(new Option("--access <access>", "allow or deny").choices(ACCESS))
    .option("--note <text>", "why the rule exists")
    .option("--expires-at <time>", "when the rule stops applying, e.g. 2026-12-31T23:59:59Z")
    .option("--no-expiry", "the rule never expires")
    .option(...DRY_RUN_FLAG)
    .addHelpText(
      "after",
      examples("oc grants update 5c0b2d1e-… --servers 'github*' --dry-run", "oc grants update 5c0b2d1e-… --access deny --note 'paused during the audit'"),
    )
    .action(
      withContext(io, async (ctx, id: string, flags: GrantUpdateFlags) => {
        const changes = mergeBody(readObjectFile(flags.file), grantChangesFromFlags(flags));
        if (Object.keys(changes).filter((key) => key !== "version").length === 0) {
          throw new CliError("nothing to change: give the fields to change as flags or in a file (-f)", EXIT.usage);
        }
        const current = await ctx.client.get<Grant>(grantPath(id));
        const body = { version: current.version, ...changes };
        validateInput(grantUpdateInput, body, "cannot update rule");
        await changeOrPreview(
          ctx,
          flags.dryRun,
          (query) => ctx.client.patch<SavedGrant>(grantPath(id), body, query),
          (grant) => ctx.output(grant, (g) => sections(`Updated rule ${g.id}.`, grantView(g))),
        );
      }),
    );

  grants
    .command("rm")
    .alias("delete")
    .description("delete a rule")
    .argument("<rule>", "the rule's name or id (see oc grants list)")
    .option(...DRY_RUN_FLAG)
    .addHelpText("after", examples("oc grants rm group-platform-github --dry-run"))
    .action(
      withContext(io, async (ctx, id: string, options: { dryRun?: boolean }) => {
        await changeOrPreview(
          ctx,
          options.dryRun,
          (query) => ctx.client.delete(grantPath(id), query),
          () => printDeleted(ctx, "rule", id),
        );
      }),
    );

  return grants;
}
