/** oc policy: the compiled policy's report, and the access matrix of tenants by servers. */
import { Command } from "commander";
import type { AccessMatrix } from "../../server/snapshot/reads";
import { examples, withContext, type Io } from "../context";
import { parsePositiveInteger } from "../input";
import { formatDetails, formatTable, sections, shortTime } from "../output";

interface PolicyStatus {
  revision: number;
  compiledAt: string;
  nextExpiryAt: string | null;
  activeServers: number;
  tenants: number;
  groups: number;
  rules: number;
  report: {
    deadRules: { ruleId: string; reason: string }[];
    unpublishedMatches: { pattern: string; usedBy: string[]; servers: string[] }[];
    scopeExcluded: { ruleId: string; servers: string[]; reason: string }[];
    expiredRules: string[];
    overrideExcluded: { tenant: string; servers: string[]; reason: string }[];
    ownerlessPersonal: string[];
  };
}

/** Tiers 3 (the tenant's own allow list) and 5 (an allow rule) allow; every other tier denies (docs/policy.md). */
const ALLOWING_TIERS = new Set(["3", "5"]);

/** One row per tenant, one cell per server column: "allow" or "deny" and the deciding tier, e.g. "allow 5". */
export function matrixRows(matrix: AccessMatrix): { tenant: string; cells: string[] }[] {
  return matrix.rows.map((row) => ({
    tenant: row.tenant,
    cells: matrix.servers.map((_, i) => `${ALLOWING_TIERS.has(row.tiers[i]!) ? "allow" : "deny"} ${row.tiers[i]}`),
  }));
}

export function policyStatusView(status: PolicyStatus): string {
  const { report } = status;
  return sections(
    formatDetails([
      ["Revision", status.revision],
      ["Compiled", shortTime(status.compiledAt)],
      ["Next expiry", shortTime(status.nextExpiryAt)],
      ["Counts", `${status.activeServers} active servers, ${status.tenants} tenants, ${status.groups} groups, ${status.rules} rules`],
    ]),
    report.deadRules.length > 0 &&
      formatTable(report.deadRules, [
        { header: "DEAD RULE", value: (d) => d.ruleId },
        { header: "WHY", value: (d) => d.reason, maxWidth: 90 },
      ]),
    report.unpublishedMatches.length > 0 &&
      formatTable(report.unpublishedMatches, [
        { header: "PATTERN", value: (u) => u.pattern },
        { header: "MATCHES UNPUBLISHED", value: (u) => u.servers, maxWidth: 60 },
      ]),
    report.scopeExcluded.length > 0 &&
      formatTable(report.scopeExcluded, [
        { header: "RULE", value: (e) => e.ruleId },
        { header: "NOT GRANTED", value: (e) => e.servers, maxWidth: 40 },
        { header: "WHY", value: (e) => e.reason, maxWidth: 60 },
      ]),
    report.overrideExcluded.length > 0 &&
      formatTable(report.overrideExcluded, [
        { header: "TENANT", value: (e) => e.tenant },
        { header: "NOT ALLOWED", value: (e) => e.servers, maxWidth: 40 },
        { header: "WHY", value: (e) => e.reason, maxWidth: 60 },
      ]),
    report.expiredRules.length > 0 && `Expired rules: ${report.expiredRules.join(", ")}`,
    report.ownerlessPersonal.length > 0 && `Personal servers without an owner tenant (nobody can be granted them): ${report.ownerlessPersonal.join(", ")}`,
  );
}

export function policyCommand(io: Io): Command {
  const policy = new Command("policy").description("the compiled policy: its report, and who may use which server");

  policy
    .command("status")
    .description("the compiled policy's revision and counts, with dead rules, unpublished matches and scope exclusions")
    .addHelpText("after", examples("oc policy status", "oc policy status -o json | jq .report.deadRules"))
    .action(
      withContext(io, async (ctx) => {
        ctx.output(await ctx.client.get<PolicyStatus>("/api/v1/policy"), policyStatusView);
      }),
    );

  policy
    .command("matrix")
    .description("tenants by active servers: allow or deny, and the tier that decided (see docs/policy.md)")
    .option("-q, --search <text>", "only tenants whose name, display name or team contains this")
    .option("--group <group>", "only members of this group")
    .option("--label <key=value>", "only tenants with this label")
    .option("--server <pattern>", "only servers matching this name or glob")
    .option("--offset <n>", "skip this many tenants", (v) => Number(v))
    .option("--limit <n>", "at most this many tenants", parsePositiveInteger("--limit"))
    .addHelpText("after", examples("oc policy matrix --group platform", "oc policy matrix --server 'github*' -o json"))
    .action(
      withContext(io, async (ctx, options: { search?: string; group?: string; label?: string; server?: string; offset?: number; limit?: number }) => {
        const query = { q: options.search, group: options.group, label: options.label, server: options.server, offset: options.offset, limit: options.limit };
        const matrix = await ctx.client.get<AccessMatrix>("/api/v1/policy/matrix", query);
        ctx.output(matrix, (m) =>
          sections(
            formatTable(
              matrixRows(m),
              [
                { header: "TENANT", value: (row) => row.tenant },
                ...m.servers.map((server, i) => ({ header: server.name.toUpperCase(), value: (row: { cells: string[] }) => row.cells[i] })),
              ],
              "No tenants match.",
            ),
            m.rows.length < m.totalTenants && `${m.rows.length} of ${m.totalTenants} tenants (--offset, --limit for more).`,
          ),
        );
      }),
    );

  return policy;
}
