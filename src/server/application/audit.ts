/** Reading the audit log: a page at a time, or every matching event for an export. */
import { auditExportInput } from "../audit/model";
import { allAuditEvents, auditQuery, listAuditEvents, type AuditEvent } from "../audit/query";
import { useCase } from "./use-case";

export const listAuditEventsUseCase = useCase({
  name: "audit.list",
  role: "viewer",
  mutates: false,
  args: auditQuery,
  run: ({ services }, query) => listAuditEvents(services.db, query),
});

/** Every matching event, newest first; the first page is read before the answer starts. */
export const exportAuditEvents = useCase({
  name: "audit.export",
  role: "viewer",
  mutates: false,
  args: auditExportInput,
  run: async ({ services }, { format, ...filter }) => ({ format, events: await started(allAuditEvents(services.db, filter)) }),
});

/**
 * Reads the first item now: a query the database refuses fails the call (and gets its error
 * status), instead of a 200 whose connection is then cut.
 */
async function started(events: AsyncGenerator<AuditEvent>): Promise<AsyncIterator<AuditEvent>> {
  let first: IteratorResult<AuditEvent> | null = await events.next();
  return {
    next: async () => {
      const next = first ?? (await events.next());
      first = null;
      return next;
    },
  };
}
