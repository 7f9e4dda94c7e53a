/**
 * What a third-party source is, as data: its kinds and the input schemas shared by the REST routes,
 * tRPC and the console's form (so it imports nothing but other zod schemas: the browser loads it).
 */
import { z } from "zod";
import { subjectSchema } from "../policy/model";
import { urlSpellingProblem } from "./location";

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
