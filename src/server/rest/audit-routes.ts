import { z } from "zod";
import { allAuditEvents, auditCsvHeader, auditCsvLine, auditJsonLine, auditQuery, listAuditEvents, type AuditEvent } from "../audit/query";
import { json, queryObject } from "./http";
import { auditEventResource, auditPageResource } from "./resources";
import { route, type RestRoute } from "./router";

const exportQuery = auditQuery.omit({ cursor: true, limit: true }).extend({
  format: z.enum(["jsonl", "csv"], { error: "format must be jsonl or csv" }).default("jsonl"),
});

export const auditRoutes: RestRoute[] = [
  {
    method: "GET",
    path: "/api/v1/audit",
    summary: "Audit events, newest first",
    role: "viewer",
    mutates: false,
    query: auditQuery,
    response: { status: 200, description: "A page of events; pass nextCursor as cursor for the next", schema: auditPageResource },
    handle: async ({ services, url }) => json(await listAuditEvents(services.db, queryObject(url))),
  },
  route({
    method: "GET",
    path: "/api/v1/audit/export",
    summary: "Every matching audit event as JSON Lines or CSV",
    role: "viewer",
    mutates: false,
    query: exportQuery,
    response: {
      status: 200,
      description: "A download: one event per line (JSON Lines), or CSV with a header row",
      schema: auditEventResource,
      contentTypes: ["application/x-ndjson", "text/csv"],
      headers: { "Content-Disposition": "attachment; filename=opencrane-audit-<time>.<format>" },
    },
    handle: async ({ services, url, query }) => {
      const { format: _format, ...filters } = queryObject(url);
      const encoder = new TextEncoder();
      const events = allAuditEvents(services.db, filters);
      // The first page is read before answering: a query the database refuses gets its error
      // status, instead of a 200 whose connection is then cut.
      let first: IteratorResult<AuditEvent> | null = await events.next();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (query.format === "csv") controller.enqueue(encoder.encode(auditCsvHeader()));
        },
        async pull(controller) {
          const next = first ?? (await events.next());
          first = null;
          if (next.done) return controller.close();
          controller.enqueue(encoder.encode(query.format === "csv" ? auditCsvLine(next.value) : auditJsonLine(next.value)));
        },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      return new Response(body, {
        headers: {
          "Content-Type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
          "Content-Disposition": `attachment; filename="opencrane-audit-${stamp}.${query.format}"`,
          "Cache-Control": "no-store",
        },
      });
    },
  }),
];
