/**
 * What a third-party source is, as data: its kinds and the input schemas shared by the REST routes,
 * tRPC and the console's form (so it imports nothing but other zod schemas: the browser loads it).
 */
import { z } from "zod";
import { subjectSchema } from "../policy/model";
import { urlSpellingProblem } from "./location";
import { pageArgs } from "../util/paging";

export const SOURCE_KINDS = ["mcp-registry", "git", "manual-upload"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const UPLOADS_SOURCE = "uploads";

const sourceName = z
  .string({ error: "name is required" })
  .min(1, "name is required")
  .max(63, "name must be at most 63 characters")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (iss) => `source name '${String(iss.input)}' must be lowercase letters, digits and '-'` });

const nameGlob = z.string().trim().min(1, "a glob must not be empty").max(200);

const entitlement = z.object({ subject: subjectSchema, note: z.string().trim().max(500).optional() });

const sourceFields = {
  url: z.string().trim().max(2048).default(""),
  ref: z.string().trim().max(200).optional(),
  path: z
    .string()
    .trim()
    .max(500)
    .refine((p) => !p.split("/").includes(".."), "path must stay inside the repository")
    .optional(),
  include: z.array(nameGlob).max(100).default([]),
  exclude: z.array(nameGlob).max(100).default([]),
  syncMode: z.enum(["manual", "scheduled"], { error: "syncMode must be manual or scheduled" }).default("manual"),
  intervalMinutes: z
    .number()
    .int()
    .min(5, "the interval must be at least 5 minutes")
    .max(7 * 24 * 60, "the interval must be at most a week")
    .optional(),
  defaultEntitlements: z.array(entitlement).max(20).default([]),
};

function checkSource(source: { kind: SourceKind; url: string; syncMode: string; intervalMinutes?: number | null }, ctx: z.RefinementCtx) {
  if (source.kind !== "manual-upload") {
    let url: URL | null = null;
    try {
      url = new URL(source.url);
    } catch {
      url = null;
    }
    const allowed = source.kind === "git" ? ["https:", "http:", "file:"] : ["https:", "http:"];
    if (!url || !allowed.includes(url.protocol)) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message:
          source.kind === "git"
            ? "a git source needs the repository's https:// URL"
            : "a registry source needs the registry's https:// base URL (or a JSON array URL)",
      });
    } else {
      const problem = urlSpellingProblem(source.url);
      if (problem) ctx.addIssue({ code: "custom", path: ["url"], message: `the URL ${problem}` });
    }
  }
  if (source.syncMode === "scheduled" && !source.intervalMinutes) {
    ctx.addIssue({ code: "custom", path: ["intervalMinutes"], message: "a scheduled source needs intervalMinutes" });
  }
  if (source.kind === "manual-upload" && source.syncMode === "scheduled") {
    ctx.addIssue({ code: "custom", path: ["syncMode"], message: "an upload source has nothing to fetch on a schedule" });
  }
}

export const sourceCreateInput = z
  .object({ name: sourceName, kind: z.enum(SOURCE_KINDS, { error: "kind must be mcp-registry, git or manual-upload" }), ...sourceFields })
  .superRefine(checkSource);
export type SourceCreateInput = z.input<typeof sourceCreateInput>;

/** The settings a source's owner can change, as they are stored: an optional one left out is null. */
export function storedSourceSettings(input: z.output<typeof sourceCreateInput>) {
  return {
    url: input.url,
    ref: input.ref ?? null,
    path: input.path ?? null,
    include: input.include,
    exclude: input.exclude,
    syncMode: input.syncMode,
    intervalMinutes: input.intervalMinutes ?? null,
    defaultEntitlements: input.defaultEntitlements,
  };
}

export const sourceUpdateInput = z.object({
  version: z.number().int().min(1).optional(),
  url: z.string().trim().max(2048).optional(),
  ref: z.string().trim().max(200).nullable().optional(),
  path: sourceFields.path.unwrap().nullable().optional(),
  include: z.array(nameGlob).max(100).optional(),
  exclude: z.array(nameGlob).max(100).optional(),
  syncMode: z.enum(["manual", "scheduled"]).optional(),
  intervalMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .nullable()
    .optional(),
  defaultEntitlements: z.array(entitlement).max(20).optional(),
});

export interface Source {
  id: string;
  name: string;
  kind: SourceKind;
  url: string;
  ref: string | null;
  path: string | null;
  include: string[];
  exclude: string[];
  syncMode: "manual" | "scheduled";
  intervalMinutes: number | null;
  defaultEntitlements: { subject: z.output<typeof subjectSchema>; note?: string }[];
  status: "pending-approval" | "healthy" | "syncing" | "error";
  lastError: string | null;
  lastSyncedAt: string | null;
  nextRunAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

const sourceNameFilter = (description: string) => z.string().trim().max(63).optional().meta({ description });

/** A review queue's filter (REST query string, tRPC input). */
export const reviewQueueInput = z.object({ source: sourceNameFilter("Only items from this source") });

/** Which upload source a run of uploaded documents belongs to. */
export const uploadSourceInput = sourceNameFilter("The upload source to run as (default 'uploads'); it must be of kind manual-upload");

/** Free text of a console list's filter, with an error naming the field. */
const listText = (field: string, max: number, description: string) =>
  z.string().trim().max(max, `${field} must be at most ${max} characters`).optional().meta({ description });

/** The console's paged lists of sources, runs and review items (src/server/util/paging.ts). */
export const SOURCE_STATUSES = ["pending-approval", "healthy", "syncing", "error"] as const;
export const SOURCE_SORTS = ["name", "kind", "status", "lastSync"] as const;
export const sourcePageInput = z.object({
  q: listText("q", 200, "Part of the name or location (URL, ref, path)"),
  kind: z.enum(SOURCE_KINDS, { error: `kind must be one of ${SOURCE_KINDS.join(", ")}` }).optional(),
  status: z.enum(SOURCE_STATUSES, { error: `status must be one of ${SOURCE_STATUSES.join(", ")}` }).optional(),
  sort: z.enum(SOURCE_SORTS, { error: `sort must be one of ${SOURCE_SORTS.join(", ")}` }).default("name"),
  ...pageArgs,
});
export type SourcePageInput = z.output<typeof sourcePageInput>;

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export const RUN_TRIGGERS = ["manual", "scheduled", "upload"] as const;
export const RUN_SORTS = ["queued", "status", "trigger"] as const;
export const runPageInput = z.object({
  name: z.string().min(1, "name is required"),
  status: z.enum(RUN_STATUSES, { error: `status must be one of ${RUN_STATUSES.join(", ")}` }).optional(),
  trigger: z.enum(RUN_TRIGGERS, { error: `trigger must be one of ${RUN_TRIGGERS.join(", ")}` }).optional(),
  sort: z.enum(RUN_SORTS, { error: `sort must be one of ${RUN_SORTS.join(", ")}` }).default("queued"),
  ...pageArgs,
  order: pageArgs.order.removeDefault().default("desc"),
});
export type RunPageInput = z.output<typeof runPageInput>;

export const REVIEW_STATES = ["quarantined", "pending-update"] as const;
export const REVIEW_SORTS = ["updated", "name", "source"] as const;
/** One review queue a page at a time: newest first unless asked otherwise. */
export const reviewPageInput = z.object({
  state: z.enum(REVIEW_STATES, { error: "state must be quarantined or pending-update" }),
  q: listText("q", 200, "Part of the item's name or upstream id"),
  source: sourceNameFilter("Only items from this source"),
  sort: z.enum(REVIEW_SORTS, { error: `sort must be one of ${REVIEW_SORTS.join(", ")}` }).default("updated"),
  ...pageArgs,
  order: pageArgs.order.removeDefault().default("desc"),
});
export type ReviewPageInput = z.output<typeof reviewPageInput>;
