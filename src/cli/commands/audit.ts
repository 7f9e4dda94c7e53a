/** oc audit: the append-only audit log, newest first. */
import { Command } from "commander";
import type { AuditEvent } from "../../server/audit/query";
import { examples, withContext, type Io } from "../context";
import { parsePositiveInteger, parseSince } from "../input";
import { formatTable, sections, shortTime } from "../output";

interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

interface AuditFlags {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  entityType?: string;
  entity?: string;
  limit: number;
}

/** The API's page size limit. */
const MAX_PAGE = 500;

export function auditCommand(io: Io): Command {
  return new Command("audit")
    .description("audit events, newest first: who changed what, when")
    .option("--since <when>", "only events after this: a duration back from now (30m, 24h, 7d) or a date-time")
    .option("--until <when>", "only events before this: a duration back from now or a date-time")
    .option("--actor <actor>", "only this actor (an email, bootstrap-token, source:NAME)")
    .option("--action <action>", "only this action, e.g. mcp_server.publish, grant.create")
    .option("--entity-type <type>", "only this kind of entity, e.g. mcp_server, tenant, group, grant, source")
    .option("--entity <id>", "only this entity (a server name, rule id, …)")
    .option("--limit <n>", "at most this many events", parsePositiveInteger("--limit"), 50)
    .addHelpText(
      "after",
      sections(
        examples("oc audit --since 24h", "oc audit --actor alice@example.com --action mcp_server.publish", "oc audit --entity github --limit 500 -o json"),
        "JSON and YAML output carry each event's before and after.",
      ),
    )
    .action(
      withContext(io, async (ctx, flags: AuditFlags) => {
        const now = new Date();
        const filters = {
          since: flags.since ? parseSince(flags.since, now) : undefined,
          until: flags.until ? parseSince(flags.until, now) : undefined,
          actor: flags.actor,
          action: flags.action,
          entityType: flags.entityType,
          entityId: flags.entity,
        };
        const events: AuditEvent[] = [];
        let cursor: string | undefined;
        do {
          const page = await ctx.client.get<AuditPage>("/api/v1/audit", { ...filters, cursor, limit: Math.min(MAX_PAGE, flags.limit - events.length) });
          events.push(...page.events);
          cursor = page.nextCursor ?? undefined;
        } while (cursor && events.length < flags.limit);
        ctx.output(events, (rows) =>
          formatTable(
            rows,
            [
              { header: "AT", value: (e) => shortTime(e.at) },
              { header: "ACTOR", value: (e) => (e.actorVia ? `${e.actor} (via ${e.actorVia})` : e.actor) },
              { header: "ACTION", value: (e) => e.action },
              { header: "ENTITY", value: (e) => `${e.entityType} ${e.entityId}`, maxWidth: 60 },
            ],
            "No events match.",
          ),
        );
      }),
    );
}
