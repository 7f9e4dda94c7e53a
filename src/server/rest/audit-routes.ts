import { exportAuditEvents, listAuditEventsUseCase } from "../application/audit";
import { auditCsvHeader, auditCsvLine, auditJsonLine } from "../audit/query";
import { auditEventResource, auditPageResource } from "./resources";
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

export const auditRoutes: RestRoute[] = [
  useCaseRoute(listAuditEventsUseCase, {
    method: "GET",
    path: "/api/v1/audit",
    summary: "Audit events, newest first",
    response: { status: 200, description: "A page of events; pass nextCursor as cursor for the next", schema: auditPageResource },
  }),
  useCaseRoute(exportAuditEvents, {
    method: "GET",
    path: "/api/v1/audit/export",
    summary: "Every matching audit event as JSON Lines or CSV",
    response: {
      status: 200,
      description: "A download: one event per line (JSON Lines), or CSV with a header row",
      schema: auditEventResource,
      contentTypes: ["application/x-ndjson", "text/csv"],
      headers: { "Content-Disposition": "attachment; filename=opencrane-audit-<time>.<format>" },
    },
    respond: ({ format, events }) => {
      const encoder = new TextEncoder();
      const line = format === "csv" ? auditCsvLine : auditJsonLine;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (format === "csv") controller.enqueue(encoder.encode(auditCsvHeader()));
        },
        async pull(controller) {
          const next = await events.next();
          if (next.done) return controller.close();
          controller.enqueue(encoder.encode(line(next.value)));
        },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      return new Response(body, {
        headers: {
          "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
          "Content-Disposition": `attachment; filename="opencrane-audit-${stamp}.${format}"`,
          "Cache-Control": "no-store",
        },
      });
    },
  }),
];
