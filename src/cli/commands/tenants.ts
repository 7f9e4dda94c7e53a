/** oc tenants: tenants, their effective access, contract and the explanation of a decision. */
import { Command } from "commander";
import type { TenantContract } from "../../server/policy/contract";
import type { Explanation } from "../../server/policy/explain";
import { tenantCreateInput, tenantTokenCreateInput, type Tenant } from "../../server/policy/model";
import type { TenantToken } from "../../server/policy/tenant-tokens";
import type { EffectiveAccess } from "../../server/snapshot/reads";
import { segment } from "../client";
import { examples, withContext, type Io } from "../context";
import { CliError, EXIT } from "../errors";
import { collect, describeSubjectShort, mergeBody, parseLabels, parsePositiveInteger, readObjectFile, validateInput } from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";
import { changeOrPreview, DRY_RUN_FLAG, printDeleted } from "./shared";
import { tokenState } from "./tokens";

const base = "/api/v1/tenants";
const tenantPath = (name: string) => `${base}/${segment(name)}`;

type TenantListItem = Tenant & { groups: string[]; allowedServers: string[] };
type TenantDetail = Tenant & { groups: string[]; access: EffectiveAccess };
type Match = Explanation["matches"][number];

export interface TenantFlags {
  file?: string;
  displayName?: string;
  team?: string;
  label?: string[];
  allow?: string[];
  deny?: string[];
  dryRun?: boolean;
}

const labelsText = (labels: Record<string, string>) => Object.entries(labels).map(([key, value]) => `${key}=${value}`);

/** Body fields from flags; the allow/deny override is completed from `current` so one list can change alone. */
export function tenantFieldsFromFlags(flags: TenantFlags, current?: Tenant["mcpPolicy"]): Record<string, unknown> {
  const policyGiven = flags.allow !== undefined || flags.deny !== undefined;
  return {
    displayName: flags.displayName,
    team: flags.team,
    labels: flags.label ? parseLabels(flags.label) : undefined,
    mcpPolicy: policyGiven ? { allow: flags.allow ?? current?.allow ?? [], deny: flags.deny ?? current?.deny ?? [] } : undefined,
  };
}

export function tenantView(tenant: Tenant & { groups?: string[] }): string {
  return formatDetails([
    ["Name", tenant.name],
    ["Display name", tenant.displayName],
    ["Team", tenant.team],
    ["Labels", labelsText(tenant.labels)],
    ["Groups", tenant.groups],
    ["Override allow", tenant.mcpPolicy.allow],
    ["Override deny", tenant.mcpPolicy.deny],
    ["Version", tenant.version],
  ]);
}

const sameMatch = (a: Match, b: Match | null) =>
  b !== null && (a.kind === "rule" ? b.kind === "rule" && a.ruleId === b.ruleId : b.kind === "override" && a.list === b.list && a.pattern === b.pattern);

export function explanationView(explanation: Explanation): string {
  return sections(
    formatDetails([
      ["Tenant", explanation.tenant],
      ["Server", explanation.server],
      ...(explanation.tool !== undefined ? [["Tool", explanation.tool] as [string, string]] : []),
      ["Decision", `${explanation.decision} (tier ${explanation.tier}: ${explanation.tierName})`],
      ["Why", explanation.summary],
    ]),
    explanation.tools !== undefined &&
      explanation.tools.length > 0 &&
      formatTable(explanation.tools, [
        { header: "TOOL", value: (t) => t.tool },
        { header: "DECISION", value: (t) => t.decision },
        { header: "TIER", value: (t) => `${t.tier} ${t.tierName}` },
        {
          header: "DECIDED BY",
          value: (t) => (t.decidedBy ? (t.decidedBy.kind === "override" ? `override '${t.decidedBy.pattern}'` : `rule ${t.decidedBy.ruleName}`) : ""),
        },
      ]),
    explanation.matches.length > 0 &&
      formatTable(explanation.matches, [
        { header: "DECIDES", value: (m) => (sameMatch(m, explanation.decidedBy) ? "→" : "") },
        { header: "MATCHED", value: (m) => (m.kind === "override" ? "override" : "rule") },
        { header: "ACCESS", value: (m) => (m.kind === "override" ? m.list : m.access) },
        { header: "SUBJECT", value: (m) => (m.kind === "override" ? explanation.tenant : describeSubjectShort(m.subject)) },
        { header: "SERVERS", value: (m) => (m.kind === "override" ? m.pattern : m.servers) },
        { header: "APPLIES", value: (m) => (m.kind === "override" || m.applies ? "yes" : "no") },
        { header: "RULE", value: (m) => (m.kind === "rule" ? m.ruleName : "") },
      ]),
  );
}

export function contractView(contract: TenantContract): string {
  return sections(
    formatDetails([
      ["Tenant", `${contract.tenant.name}${contract.tenant.team ? ` (team ${contract.tenant.team})` : ""}`],
      ["Contract", `${contract.contractVersion} (policy revision ${contract.revision})`],
      ["Allow", contract.policy.mcpServers.allow],
      ["Deny", contract.policy.mcpServers.deny],
    ]),
    formatTable(
      contract.mcp.servers,
      [
        { header: "SERVER", value: (s) => s.name },
        { header: "DISPLAY NAME", value: (s) => s.displayName, maxWidth: 32 },
        { header: "TRANSPORT", value: (s) => s.transport },
        { header: "ENDPOINT", value: (s) => s.endpoint },
      ],
      "No MCP servers are enabled for this tenant.",
    ),
  );
}

function addTenantFlags(command: Command): Command {
  return command
    .option("-f, --file <file>", "a JSON or YAML file with the tenant's fields (flags override it)")
    .option("--display-name <name>", "a readable name")
    .option("--team <team>", "the owning team")
    .option("--label <key=value>", "a label grant selectors can match (repeatable; replaces all labels)", collect)
    .option("--allow <pattern>", "the tenant's own allow override: a server name or glob (repeatable)", collect)
    .option("--deny <pattern>", "the tenant's own deny override, which beats every rule (repeatable)", collect)
    .option(...DRY_RUN_FLAG);
}

export function tenantsCommand(io: Io): Command {
  const tenants = new Command("tenants").description("tenants: their access, contract, and why a decision was made");

  tenants
    .command("list")
    .description("list tenants with their groups and allowed servers")
    .option("-q, --search <text>", "part of the name, display name or team")
    .option("--group <group>", "only members of this group")
    .option("--label <key=value>", "only tenants with this label")
    .addHelpText("after", examples("oc tenants list", "oc tenants list --group platform -o json", "oc tenants list --label team=payments"))
    .action(
      withContext(io, async (ctx, options: { search?: string; group?: string; label?: string }) => {
        const { items } = await ctx.client.get<{ items: TenantListItem[] }>(base, { q: options.search, group: options.group, label: options.label });
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "NAME", value: (t) => t.name },
              { header: "TEAM", value: (t) => t.team },
              { header: "GROUPS", value: (t) => t.groups },
              { header: "LABELS", value: (t) => labelsText(t.labels) },
              { header: "ALLOWED SERVERS", value: (t) => t.allowedServers, maxWidth: 60 },
            ],
            "No tenants match.",
          ),
        );
      }),
    );

  tenants
    .command("get")
    .description("show a tenant and its decision for every active server")
    .argument("<name>", "the tenant's name")
    .addHelpText("after", examples("oc tenants get payments-bot"))
    .action(
      withContext(io, async (ctx, name: string) => {
        ctx.output(await ctx.client.get<TenantDetail>(tenantPath(name)), (tenant) =>
          sections(
            tenantView(tenant),
            formatTable(
              tenant.access.servers,
              [
                { header: "SERVER", value: (s) => s.server },
                { header: "DECISION", value: (s) => s.decision },
                { header: "DECIDED BY", value: (s) => `tier ${s.tier}: ${s.tierName}` },
              ],
              "No active servers.",
            ),
          ),
        );
      }),
    );

  addTenantFlags(
    tenants.command("create").description("create a tenant").argument("[name]", "the tenant's name (its ServiceAccount name); or give it in the file"),
  )
    .addHelpText(
      "after",
      examples(
        "oc tenants create payments-bot --team payments --label tier=gold",
        "oc tenants create payments-bot --deny 'shell*' --dry-run",
        "oc tenants create -f tenant.yaml",
      ),
    )
    .action(
      withContext(io, async (ctx, name: string | undefined, flags: TenantFlags) => {
        const body = mergeBody(readObjectFile(flags.file), { ...tenantFieldsFromFlags(flags), name });
        validateInput(tenantCreateInput, body, "cannot create tenant");
        await changeOrPreview(
          ctx,
          flags.dryRun,
          (query) => ctx.client.post<Tenant>(base, body, query),
          (tenant) => ctx.output(tenant, (t) => sections(`Created tenant '${t.name}'.`, tenantView(t))),
        );
      }),
    );

  addTenantFlags(tenants.command("update").description("change a tenant: only the fields given change").argument("<name>", "the tenant's name"))
    .addHelpText("after", examples("oc tenants update payments-bot --team payments-core", "oc tenants update payments-bot --deny 'shell*' --dry-run"))
    .action(
      withContext(io, async (ctx, name: string, flags: TenantFlags) => {
        const current = await ctx.client.get<TenantDetail>(tenantPath(name));
        const changes = mergeBody(readObjectFile(flags.file), tenantFieldsFromFlags(flags, current.mcpPolicy));
        if (Object.keys(changes).filter((key) => key !== "version").length === 0) {
          throw new CliError("nothing to change: give the fields to change as flags or in a file (-f)", EXIT.usage);
        }
        await changeOrPreview(
          ctx,
          flags.dryRun,
          (query) => ctx.client.patch<Tenant>(tenantPath(name), { version: current.version, ...changes }, query),
          (tenant) => ctx.output(tenant, (t) => sections(`Updated tenant '${t.name}'.`, tenantView(t))),
        );
      }),
    );

  tenants
    .command("delete")
    .description("delete a tenant, its group memberships and the rules naming it")
    .argument("<name>", "the tenant's name")
    .option(...DRY_RUN_FLAG)
    .addHelpText("after", examples("oc tenants delete old-bot --dry-run", "oc tenants delete old-bot"))
    .action(
      withContext(io, async (ctx, name: string, options: { dryRun?: boolean }) => {
        await changeOrPreview(
          ctx,
          options.dryRun,
          (query) => ctx.client.delete(tenantPath(name), query),
          () => printDeleted(ctx, "tenant", name),
        );
      }),
    );

  tenants
    .command("contract")
    .description("the tenant's contract exactly as its pod receives it: allowed servers and TOOLS.md")
    .argument("<name>", "the tenant's name")
    .option("--tools-md", "print only the TOOLS.md the agent is given")
    .addHelpText(
      "after",
      examples("oc tenants contract payments-bot", "oc tenants contract payments-bot --tools-md", "oc tenants contract payments-bot -o json | jq .policy"),
    )
    .action(
      withContext(io, async (ctx, name: string, options: { toolsMd?: boolean }) => {
        const contract = await ctx.client.get<TenantContract>(`${tenantPath(name)}/contract`);
        if (options.toolsMd) ctx.io.stdout.write(contract.workspace["TOOLS.md"]);
        else ctx.output(contract, contractView);
      }),
    );

  tenants
    .command("explain")
    .description("why a tenant may or may not use a server: the deciding tier and rule, and every match")
    .argument("<tenant>", "the tenant's name")
    .argument("<server>", "the server's name")
    .option("--tool <name>", "explain one of the server's pinned tools")
    .addHelpText(
      "after",
      examples(
        "oc tenants explain payments-bot github",
        "oc tenants explain payments-bot github --tool delete_repo",
        "oc tenants explain payments-bot github -o json | jq -r .decision",
      ),
    )
    .action(
      withContext(io, async (ctx, tenant: string, server: string, options: { tool?: string }) => {
        const query = options.tool !== undefined ? `?tool=${encodeURIComponent(options.tool)}` : "";
        ctx.output(await ctx.client.get<Explanation>(`${tenantPath(tenant)}/explain/${segment(server)}${query}`), explanationView);
      }),
    );

  tenants.addCommand(tenantTokensCommand(io));

  return tenants;
}

export function tenantTokenView(token: TenantToken): string {
  return formatDetails([
    ["Tenant", token.tenant],
    ["Name", token.name],
    ["Prefix", `${token.prefix}…`],
    ["Created", `${shortTime(token.createdAt)} by ${token.createdBy}`],
    ["Expires", token.expiresAt ? shortTime(token.expiresAt) : "never"],
    ["Last used", shortTime(token.lastUsedAt)],
    ["Revoked", shortTime(token.revokedAt)],
    ["Id", token.id],
  ]);
}

/** oc tenants tokens: tokens a tenant's pod outside Kubernetes fetches its contract with. */
function tenantTokensCommand(io: Io): Command {
  const tokens = new Command("tokens").description("a tenant's tokens, for pods outside Kubernetes to fetch their contract with");
  const tokensPath = (tenant: string) => `${tenantPath(tenant)}/tokens`;

  tokens
    .command("list")
    .description("the tenant's tokens, newest first (never the secrets)")
    .argument("<tenant>", "the tenant's name")
    .addHelpText("after", examples("oc tenants tokens list payments-bot"))
    .action(
      withContext(io, async (ctx, tenant: string) => {
        const { items } = await ctx.client.get<{ items: TenantToken[] }>(tokensPath(tenant));
        ctx.output(items, (rows) =>
          formatTable(
            rows,
            [
              { header: "ID", value: (t) => t.id },
              { header: "NAME", value: (t) => t.name, maxWidth: 32 },
              { header: "STATE", value: (t) => tokenState(t) },
              { header: "EXPIRES", value: (t) => (t.expiresAt ? shortTime(t.expiresAt) : "never") },
              { header: "LAST USED", value: (t) => shortTime(t.lastUsedAt) },
            ],
            `No tokens for '${tenant}'.`,
          ),
        );
      }),
    );

  tokens
    .command("create")
    .description("issue a token for the tenant; its secret is printed once, on stdout")
    .argument("<tenant>", "the tenant's name")
    .argument("<name>", "what the token is for, e.g. the host the pod runs on")
    .option("--expires-in-days <days>", "days until it expires (default 365)", parsePositiveInteger("--expires-in-days"))
    .option("--no-expiry", "a token that never expires")
    .addHelpText(
      "after",
      sections(
        examples("oc tenants tokens create payments-bot laptop", "oc tenants tokens create payments-bot edge-host --expires-in-days 30 -o json | jq -r .token"),
        "The secret is shown only in this answer: put it in the pod's secret now.",
      ),
    )
    .action(
      withContext(io, async (ctx, tenant: string, name: string, flags: { expiresInDays?: number; expiry: boolean }) => {
        const body = { name, expiresInDays: flags.expiry ? flags.expiresInDays : null };
        validateInput(tenantTokenCreateInput, body, "cannot create token");
        const issued = await ctx.client.post<{ token: string; tenantToken: TenantToken }>(tokensPath(tenant), body);
        ctx.output(issued, ({ token, tenantToken }) =>
          sections(`Issued token '${tenantToken.name}' for '${tenantToken.tenant}'. Its secret, shown only now:\n\n  ${token}`, tenantTokenView(tenantToken)),
        );
      }),
    );

  tokens
    .command("revoke")
    .description("revoke a tenant token: pods using it are refused from now on")
    .argument("<tenant>", "the tenant's name")
    .argument("<id>", "the token's id (see oc tenants tokens list)")
    .addHelpText("after", examples("oc tenants tokens revoke payments-bot 5c0b2d1e-…"))
    .action(
      withContext(io, async (ctx, tenant: string, id: string) => {
        await ctx.client.delete(`${tokensPath(tenant)}/${segment(id)}`);
        ctx.output({ revoked: { kind: "tenant token", tenant, id } }, () => `Revoked token ${id} of '${tenant}'.`);
      }),
    );

  return tokens;
}
