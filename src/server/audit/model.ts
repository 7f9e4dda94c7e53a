/** What the audit log can be asked: the one schema for its filters, shared by REST, tRPC and the console. */
import { z } from "zod";

const isoTime = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => !Number.isNaN(Date.parse(v)), `${what} must be a date-time such as 2026-11-23T10:00:00Z`)
    .transform((v) => new Date(v));

export const auditQuery = z.object({
  actor: z.string().trim().max(320).optional(),
  action: z.string().trim().max(100).optional(),
  entityType: z.string().trim().max(100).optional(),
  entityId: z.string().trim().max(320).optional(),
  changeSet: z.string().trim().max(100).optional().meta({ description: "Only the events of this change set (one state apply)" }),
  since: isoTime("since").optional(),
  until: isoTime("until").optional(),
  cursor: z
    .string()
    .regex(/^\d+$/, "cursor is not valid: start again without it")
    // Event ids are bigint, read as numbers: a larger cursor names no event (and overflows the column).
    .refine((v) => Number.isSafeInteger(Number(v)), "cursor is not valid: start again without it")
    .optional(),
  limit: z.coerce.number().int().min(1, "limit must be between 1 and 500").max(500, "limit must be between 1 and 500").default(100),
});
export type AuditQuery = z.input<typeof auditQuery>;

/** An export's filters: the list's, without paging, and the file format. */
export const auditExportInput = auditQuery.omit({ cursor: true, limit: true }).extend({
  format: z.enum(["jsonl", "csv"], { error: "format must be jsonl or csv" }).default("jsonl"),
});
