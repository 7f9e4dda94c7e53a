/** oc tokens: your own API tokens for the CLI and scripts. */
import { Command, Option } from "commander";
import { apiTokenCreateInput, type ApiToken } from "../../server/auth/model";
import { ROLES } from "../../server/auth/roles";
import { segment } from "../client";
import { examples, withContext, type Io } from "../context";
import { parsePositiveInteger, validateInput } from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";

const base = "/api/v1/api-tokens";

export function tokenView(token: ApiToken): string {
  return formatDetails([
    ["Name", token.name],
    ["Role", token.role],
    ["Owner", token.owner],
    ["Prefix", `${token.prefix}…`],
    ["Created", shortTime(token.createdAt)],
    ["Expires", token.expiresAt ? shortTime(token.expiresAt) : "never"],
    ["Last used", shortTime(token.lastUsedAt)],
    ["Revoked", shortTime(token.revokedAt)],
    ["Id", token.id],
  ]);
}

/** "active", "revoked" or "expired": what a row's STATE column says. */
export function tokenState(token: Pick<ApiToken, "revokedAt" | "expiresAt">, now = new Date()): string {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && Date.parse(token.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

export function tokensCommand(io: Io): Command {
  const tokens = new Command("tokens").description("your API tokens: for oc and scripts, never stronger than you");

  tokens
    .command("list")
    .description("list your tokens, newest first (never the secrets)")
    .option("--all", "everyone's tokens (admins)")
    .addHelpText("after", examples("oc tokens list", "oc tokens list --all -o json"))
    .action(
      withContext(io, async (ctx, options: { all?: boolean }) => {
        const { items } = await ctx.client.get<{ items: ApiToken[] }>(base, { all: options.all ? "true" : undefined });
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "ID", value: (t) => t.id },
              { header: "NAME", value: (t) => t.name, maxWidth: 32 },
              { header: "ROLE", value: (t) => t.role },
              ...(options.all ? [{ header: "OWNER", value: (t: ApiToken) => t.owner }] : []),
              { header: "STATE", value: (t) => tokenState(t) },
              { header: "EXPIRES", value: (t) => (t.expiresAt ? shortTime(t.expiresAt) : "never") },
              { header: "LAST USED", value: (t) => shortTime(t.lastUsedAt) },
            ],
            "No tokens.",
          ),
        );
      }),
    );

  tokens
    .command("create")
    .description("create a token for yourself; its secret is printed once, on stdout")
    .argument("<name>", "what the token is for, unique among your tokens")
    .addOption(new Option("--role <role>", "what the token may do: at most your own role").choices(ROLES).makeOptionMandatory())
    .option(
      "--expires-in-days <days>",
      "days until it expires (default 90; created with a token, at most that token's remaining days)",
      parsePositiveInteger("--expires-in-days"),
    )
    .option("--no-expiry", "a token that never expires (not when you call with an expiring token)")
    .addHelpText(
      "after",
      sections(
        examples("oc tokens create laptop --role editor", "oc tokens create ci --role viewer --expires-in-days 30 -o json | jq -r .token"),
        "The secret is shown only in this answer: store it now.",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string, flags: { role: string; expiresInDays?: number; expiry: boolean }) => {
        const body = { name, role: flags.role, expiresInDays: flags.expiry ? flags.expiresInDays : null };
        validateInput(apiTokenCreateInput, body, "cannot create token");
        const issued = await ctx.client.post<{ token: string; apiToken: ApiToken }>(base, body);
        ctx.output(issued, ({ token, apiToken }) =>
          sections(`Created token '${apiToken.name}'. Its secret, shown only now:\n\n  ${token}`, tokenView(apiToken)),
        );
      }),
    );

  tokens
    .command("revoke")
    .description("revoke a token: it is refused from now on")
    .argument("<id>", "the token's id (see oc tokens list)")
    .addHelpText("after", examples("oc tokens revoke 5c0b2d1e-…"))
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.delete(`${base}/${segment(id)}`);
        ctx.output({ revoked: { kind: "api token", id } }, () => `Revoked token ${id}.`);
      }),
    );

  return tokens;
}
