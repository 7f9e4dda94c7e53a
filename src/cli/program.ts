/** The `oc` command tree: global options, then one command group per resource. */
import { Command, Option } from "commander";
import { loginCommand, logoutCommand, whoamiCommand } from "./commands/auth";
import { auditCommand } from "./commands/audit";
import { grantsCommand } from "./commands/grants";
import { groupsCommand } from "./commands/groups";
import { mcpCommand } from "./commands/mcp";
import { obotCommand } from "./commands/obot";
import { policyCommand } from "./commands/policy";
import { reviewCommand } from "./commands/review";
import { sourcesCommand } from "./commands/sources";
import { applyCommand, diffCommand, stateCommand } from "./commands/state";
import { tenantsCommand } from "./commands/tenants";
import { tokensCommand } from "./commands/tokens";
import { usersCommand } from "./commands/users";
import { examples, type Io } from "./context";
import { OUTPUT_FORMATS } from "./output";

export function createProgram(io: Io): Command {
  const program = new Command("oc")
    .description("OpenCrane control plane CLI: the MCP catalog, tenants, groups, grants, sources, the review queue, users, API tokens and the audit log")
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .option("--url <url>", "the control plane's URL (env OPENCRANE_URL, else the `oc login` file)")
    .option("--token <token>", "an API token (env OPENCRANE_TOKEN, else the `oc login` file)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      examples(
        "oc login --url https://opencrane.example.com",
        "oc mcp list --status active",
        "oc grants add group:platform 'github*' --dry-run",
        "oc tenants explain payments-bot github",
        "oc sources sync mcp-official --wait",
        "oc diff -f ./opencrane && oc apply -f ./opencrane --prune",
      ),
    );

  const commands = [
    loginCommand(io),
    logoutCommand(io),
    whoamiCommand(io),
    mcpCommand(io),
    tenantsCommand(io),
    groupsCommand(io),
    grantsCommand(io),
    policyCommand(io),
    sourcesCommand(io),
    reviewCommand(io),
    auditCommand(io),
    obotCommand(io),
    usersCommand(io),
    tokensCommand(io),
    stateCommand(io),
    diffCommand(io),
    applyCommand(io),
  ];
  for (const command of commands) {
    program.addCommand(command);
  }
  program.exitOverride();
  inheritSettings(program);
  return program;
}

/** Commands built apart and added with addCommand do not inherit help and error settings by themselves. */
function inheritSettings(parent: Command): void {
  for (const child of parent.commands) {
    child.copyInheritedSettings(parent);
    inheritSettings(child);
  }
}
