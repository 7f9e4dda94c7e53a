/** oc users: the console's users and their roles (admins). */
import { Command, Option } from "commander";
import { ROLES } from "../../server/auth/roles";
import { passwordResetInput, userCreateInput, type User } from "../../server/auth/model";
import { segment } from "../client";
import { examples, withContext, type CommandContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { readInputFile, validateInput } from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";

const base = "/api/v1/users";
const userPath = (id: string) => `${base}/${segment(id)}`;

export function userView(user: User): string {
  return formatDetails([
    ["E-mail", user.email],
    ["Name", user.displayName],
    ["Role", user.role],
    ["Active", user.active ? "yes" : "no (deactivated)"],
    ["Signs in", user.kind === "oidc" ? "through the identity provider" : "with a password here"],
    ["Last sign-in", shortTime(user.lastSignInAt)],
    ["Created", `${shortTime(user.createdAt)} by ${user.createdBy}`],
    ["Id", user.id],
  ]);
}

/** The user an e-mail or id names: the API's URLs take ids, people type e-mails. */
export function findUser(users: readonly User[], who: string): User {
  const wanted = who.trim().toLowerCase();
  const user = users.find((u) => u.id === wanted || u.email === wanted);
  if (!user) throw new CliError(`user '${who}' does not exist`, EXIT.notFound);
  return user;
}

async function resolveUser(ctx: CommandContext, who: string): Promise<User> {
  const { items } = await ctx.client.get<{ items: User[] }>(base);
  return findUser(items, who);
}

/** A password: the first line of stdin with --password-stdin, else asked for on the terminal (never a flag: flags show in `ps`). */
async function readPassword(ctx: CommandContext, fromStdin: boolean | undefined, who: string): Promise<string> {
  if (fromStdin) return readInputFile("-").split(/\r?\n/)[0]!;
  if (!ctx.io.stdinIsTTY) throw new CliError("no password: pass --password-stdin and pipe it in (stdin is not a terminal to ask on)", EXIT.usage);
  return ctx.io.promptSecret(`Password for ${who}: `);
}

function printUser(ctx: CommandContext, lead: (user: User) => string) {
  return (user: User) => ctx.output(user, (u) => sections(lead(u), userView(u)));
}

export function usersCommand(io: Io): Command {
  const users = new Command("users").description("the console's users: create them, change their role, deactivate them (admins)");

  users
    .command("list")
    .description("list users with their role and whether they are active")
    .addHelpText("after", examples("oc users list", "oc users list -o json | jq -r '.[] | select(.role == \"admin\") | .email'"))
    .action(
      withContext(io, async (ctx) => {
        const { items } = await ctx.client.get<{ items: User[] }>(base);
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "E-MAIL", value: (u) => u.email },
              { header: "NAME", value: (u) => u.displayName, maxWidth: 32 },
              { header: "ROLE", value: (u) => u.role },
              { header: "ACTIVE", value: (u) => (u.active ? "yes" : "no") },
              { header: "SIGNS IN", value: (u) => (u.kind === "oidc" ? "oidc" : "password") },
              { header: "LAST SIGN-IN", value: (u) => shortTime(u.lastSignInAt) },
            ],
            "No users yet.",
          ),
        );
      }),
    );

  users
    .command("get")
    .description("show one user")
    .argument("<user>", "the user's e-mail or id")
    .action(
      withContext(io, async (ctx, who: string) => {
        ctx.output(await resolveUser(ctx, who), userView);
      }),
    );

  users
    .command("create")
    .description("create a local user who signs in with a password (OIDC users are created by their first sign-in)")
    .argument("<email>", "the user's e-mail, which they sign in with")
    .addOption(new Option("--role <role>", "what the user may do").choices(ROLES).makeOptionMandatory())
    .option("--display-name <name>", "a readable name")
    .option("--password-stdin", "read the password from the first line of stdin (else it is asked for)")
    .addHelpText(
      "after",
      examples(
        "oc users create dev@example.com --role editor            # asks for the password",
        "printf '%s\\n' \"$PASSWORD\" | oc users create ci@example.com --role viewer --password-stdin",
      ),
    )
    .action(
      withContext(io, async (ctx, email: string, flags: { role: string; displayName?: string; passwordStdin?: boolean }) => {
        const body = { email, role: flags.role, displayName: flags.displayName, password: "" };
        validateInput(userCreateInput.omit({ password: true }), body, "cannot create user");
        body.password = await readPassword(ctx, flags.passwordStdin, email);
        validateInput(userCreateInput, body, "cannot create user");
        printUser(ctx, (u) => `Created user ${u.email} (${u.role}).`)(await ctx.client.post<User>(base, body));
      }),
    );

  users
    .command("update")
    .description("change a user's name or role; demoting ends their sessions")
    .argument("<user>", "the user's e-mail or id")
    .addOption(new Option("--role <role>", "the new role").choices(ROLES))
    .option("--display-name <name>", "the new readable name")
    .addHelpText("after", examples("oc users update dev@example.com --role admin", "oc users update dev@example.com --display-name 'Dev Team'"))
    .action(
      withContext(io, async (ctx, who: string, flags: { role?: string; displayName?: string }) => {
        if (flags.role === undefined && flags.displayName === undefined) throw new CliError("nothing to change: give --role or --display-name", EXIT.usage);
        const user = await resolveUser(ctx, who);
        const changed = await ctx.client.patch<User>(userPath(user.id), { role: flags.role, displayName: flags.displayName });
        printUser(ctx, (u) => `Updated user ${u.email}.`)(changed);
      }),
    );

  for (const [verb, active, about] of [
    ["disable", false, "deactivate a user: they cannot sign in, their sessions end and their API tokens are refused"],
    ["enable", true, "reactivate a deactivated user"],
  ] as const) {
    users
      .command(verb)
      .description(about)
      .argument("<user>", "the user's e-mail or id")
      .addHelpText("after", examples(`oc users ${verb} dev@example.com`))
      .action(
        withContext(io, async (ctx, who: string) => {
          const user = await resolveUser(ctx, who);
          const changed = await ctx.client.patch<User>(userPath(user.id), { active });
          printUser(ctx, (u) => `${active ? "Reactivated" : "Deactivated"} user ${u.email}.`)(changed);
        }),
      );
  }

  users
    .command("reset-password")
    .description("set a local user's password; their sessions end (their API tokens keep working)")
    .argument("<user>", "the user's e-mail or id")
    .option("--password-stdin", "read the password from the first line of stdin (else it is asked for)")
    .addHelpText(
      "after",
      examples("oc users reset-password dev@example.com", "printf '%s\\n' \"$PASSWORD\" | oc users reset-password dev@example.com --password-stdin"),
    )
    .action(
      withContext(io, async (ctx, who: string, flags: { passwordStdin?: boolean }) => {
        const user = await resolveUser(ctx, who);
        const body = { password: await readPassword(ctx, flags.passwordStdin, user.email) };
        validateInput(passwordResetInput, body, "cannot reset password");
        const changed = await ctx.client.post<User>(`${userPath(user.id)}/password`, body);
        printUser(ctx, (u) => `Set a new password for ${u.email}; their sessions have ended.`)(changed);
      }),
    );

  return users;
}
