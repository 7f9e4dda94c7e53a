/** oc login, oc logout, oc whoami. */
import { Command } from "commander";
import { ApiClient } from "../client";
import { normalizeUrl, readStoredLogin, removeStoredLogin, writeStoredLogin, type Connection } from "../config";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { ApiError, CliError, EXIT } from "../errors";
import { formatDetails, sections } from "../output";

interface SessionUser {
  user: { email: string; displayName: string; role: "viewer" | "editor" | "admin"; kind?: string };
}

/** Who the token belongs to, by asking the server: the check that `oc login` stores only a working token. */
async function whoIs(io: Io, connection: Connection): Promise<SessionUser["user"]> {
  try {
    return (await new ApiClient(connection, io.fetch).get<SessionUser>("/api/auth/session")).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new CliError(`${connection.url} refused the token: ${error.message}. Create an API token in the console under API tokens.`, EXIT.auth);
    }
    throw error;
  }
}

const userView = (user: SessionUser["user"]) => `${user.email} (${user.role}${user.kind === "bootstrap-token" ? ", the bootstrap token" : ""})`;

async function tokenFor(ctx: CommandContext, url: string): Promise<string> {
  const given = ctx.globals.token ?? ctx.io.env.OPENCRANE_TOKEN;
  if (given) return given;
  if (!ctx.io.stdinIsTTY) throw new CliError("no token: pass --token or set OPENCRANE_TOKEN (stdin is not a terminal to ask on)", EXIT.usage);
  const typed = (await ctx.io.promptSecret(`API token for ${url}: `)).trim();
  if (!typed) throw new CliError("no token given", EXIT.usage);
  return typed;
}

export function loginCommand(io: Io): Command {
  return new Command("login")
    .description("check an API token against the control plane and remember both for later commands")
    .addHelpText(
      "after",
      sections(
        examples(
          "oc login --url https://opencrane.example.com            # asks for the token",
          'oc login --url http://localhost:3000 --token "$OPENCRANE_TOKEN"',
        ),
        "Create the token in the console under API tokens. The URL and token are saved with mode 0600 in\n$OPENCRANE_CONFIG, else $XDG_CONFIG_HOME/opencrane/config.json, else ~/.config/opencrane/config.json.",
      ),
    )
    .action(
      withContext(io, async (ctx) => {
        const rawUrl = ctx.globals.url ?? ctx.io.env.OPENCRANE_URL ?? readStoredLogin(ctx.configFile)?.url;
        if (!rawUrl) throw new CliError("give the control plane's URL: oc login --url https://opencrane.example.com", EXIT.usage);
        const url = normalizeUrl(rawUrl);
        const token = await tokenFor(ctx, url);
        const user = await whoIs(ctx.io, { url, token });
        writeStoredLogin(ctx.configFile, { url, token });
        ctx.output({ url, user, configFile: ctx.configFile }, () => `Logged in to ${url} as ${userView(user)}.\nSaved to ${ctx.configFile}.`);
      }),
    );
}

export function logoutCommand(io: Io): Command {
  return new Command("logout")
    .description("forget the stored URL and token (the token itself stays valid until revoked in the console)")
    .addHelpText("after", examples("oc logout"))
    .action(
      withContext(io, async (ctx) => {
        const removed = removeStoredLogin(ctx.configFile);
        ctx.output({ loggedOut: removed, configFile: ctx.configFile }, () =>
          removed ? `Logged out: removed ${ctx.configFile}.` : `Not logged in (no ${ctx.configFile}).`,
        );
      }),
    );
}

export function whoamiCommand(io: Io): Command {
  return new Command("whoami")
    .description("show who the token in use belongs to, and its role")
    .addHelpText("after", examples("oc whoami", "OPENCRANE_TOKEN=oct_… oc whoami -o json"))
    .action(
      withContext(io, async (ctx) => {
        const { connection } = ctx.client;
        const user = await whoIs(ctx.io, connection);
        ctx.output({ url: connection.url, user }, () =>
          formatDetails([
            ["URL", connection.url],
            ["User", user.email],
            ["Role", user.role],
            ["Kind", user.kind],
          ]),
        );
      }),
    );
}
