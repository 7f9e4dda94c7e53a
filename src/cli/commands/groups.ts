/** oc groups: named sets of tenants that rules can grant to. */
import { Command } from "commander";
import { groupCreateInput, type Group } from "../../server/policy/model";
import { segment } from "../client";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { collectList, mergeBody, readObjectFile, validateInput } from "../input";
import { formatDetails, formatTable, sections } from "../output";
import { changeOrPreview, DRY_RUN_FLAG, printDeleted } from "./shared";

const base = "/api/v1/groups";
const groupPath = (name: string) => `${base}/${segment(name)}`;

export function groupView(group: Group): string {
  return formatDetails([
    ["Name", group.name],
    ["Description", group.description],
    ["Members", group.members],
    ["Version", group.version],
  ]);
}

/** The member list after adding or removing some: order kept, no duplicates. */
export function changeMembers(members: readonly string[], change: "add" | "remove", tenants: readonly string[]): string[] {
  if (change === "remove") return members.filter((member) => !tenants.includes(member));
  return [...new Set([...members, ...tenants])];
}

function printGroup(ctx: CommandContext, verb: string) {
  return (group: Group) => ctx.output(group, (g) => sections(`${verb} group '${g.name}'.`, groupView(g)));
}

export function groupsCommand(io: Io): Command {
  const groups = new Command("groups").description("groups of tenants, the subjects most grants name");

  groups
    .command("list")
    .description("list groups with their members")
    .addHelpText("after", examples("oc groups list", "oc groups list -o json | jq -r '.[].name'"))
    .action(
      withContext(io, async (ctx) => {
        const { items } = await ctx.client.get<{ items: Group[] }>(base);
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "NAME", value: (g) => g.name },
              { header: "MEMBERS", value: (g) => g.members.length },
              { header: "DESCRIPTION", value: (g) => g.description, maxWidth: 50 },
            ],
            "No groups yet.",
          ),
        );
      }),
    );

  groups
    .command("get")
    .description("show a group and its members")
    .argument("<name>", "the group's name")
    .addHelpText("after", examples("oc groups get platform"))
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.get<Group>(groupPath(name)), groupView);
      }),
    );

  groups
    .command("create")
    .description("create a group")
    .argument("[name]", "the group's name; or give it in the file")
    .option("-f, --file <file>", "a JSON or YAML file with the group's fields (flags override it)")
    .option("--description <text>", "what the group is for")
    .option("--member <tenants>", "member tenants, comma-separated or repeated", collectList)
    .option(...DRY_RUN_FLAG)
    .addHelpText("after", examples("oc groups create platform --description 'Platform agents' --member ci-bot,deploy-bot"))
    .action(
      withContext(io, async (ctx, name: string | undefined, options: { file?: string; description?: string; member?: string[]; dryRun?: boolean }) => {
        const body = mergeBody(readObjectFile(options.file), { name, description: options.description, members: options.member });
        validateInput(groupCreateInput, body, "cannot create group");
        await changeOrPreview(ctx, options.dryRun, (query) => ctx.client.post<Group>(base, body, query), printGroup(ctx, "Created"));
      }),
    );

  groups
    .command("update")
    .description("change a group's description or replace its members")
    .argument("<name>", "the group's name")
    .option("--description <text>", "what the group is for")
    .option("--members <tenants>", "the complete member list, comma-separated or repeated", collectList)
    .option(...DRY_RUN_FLAG)
    .addHelpText("after", examples("oc groups update platform --members ci-bot,deploy-bot --dry-run"))
    .action(
      withContext(io, async (ctx, name: string, options: { description?: string; members?: string[]; dryRun?: boolean }) => {
        if (options.description === undefined && options.members === undefined) {
          throw new CliError("nothing to change: give --description or --members", EXIT.usage);
        }
        const { version } = await ctx.client.get<Group>(groupPath(name));
        const body = { version, description: options.description, members: options.members };
        await changeOrPreview(ctx, options.dryRun, (query) => ctx.client.patch<Group>(groupPath(name), body, query), printGroup(ctx, "Updated"));
      }),
    );

  groups
    .command("delete")
    .description("delete a group and the rules naming it")
    .argument("<name>", "the group's name")
    .option(...DRY_RUN_FLAG)
    .addHelpText("after", examples("oc groups delete old-team --dry-run"))
    .action(
      withContext(io, async (ctx, name: string, options: { dryRun?: boolean }) => {
        await changeOrPreview(
          ctx,
          options.dryRun,
          (query) => ctx.client.delete(groupPath(name), query),
          () => printDeleted(ctx, "group", name),
        );
      }),
    );

  const members = groups.command("members").description("add tenants to a group or remove them");
  for (const change of ["add", "remove"] as const) {
    members
      .command(change)
      .description(change === "add" ? "add tenants to a group" : "remove tenants from a group")
      .argument("<group>", "the group's name")
      .argument("<tenants...>", "tenant names")
      .option(...DRY_RUN_FLAG)
      .addHelpText("after", examples(`oc groups members ${change} platform ci-bot deploy-bot${change === "add" ? " --dry-run" : ""}`))
      .action(
        withContext(io, async (ctx, name: string, tenants: string[], options: { dryRun?: boolean }) => {
          const group = await ctx.client.get<Group>(groupPath(name));
          const body = { version: group.version, members: changeMembers(group.members, change, tenants) };
          await changeOrPreview(ctx, options.dryRun, (query) => ctx.client.patch<Group>(groupPath(name), body, query), printGroup(ctx, "Updated"));
        }),
      );
  }

  return groups;
}
