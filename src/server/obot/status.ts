/** GET /api/v1/obot and its tRPC twin: the Obot link and drift repair as this replica sees them. */
import { z } from "zod";
import { LINK_OFF, type ObotLinkView } from "./link";

export const DRIFT_STATES = ["in-line", "drifted", "repaired", "error", "off"] as const;
export const DRIFT_ACTIONS = ["none", "patched", "added", "would-patch", "would-add", "set-elsewhere"] as const;

export interface DriftVariable {
  name: string;
  intended: string;
  /** The value in Obot's Deployment; null when the variable is absent; for valueFrom, where it comes from. */
  actual: string | null;
  action: (typeof DRIFT_ACTIONS)[number];
}

export interface DriftView {
  /** <namespace>/<name>, or null when drift repair is off. */
  deployment: string | null;
  mode: "repair" | "report" | "off";
  state: (typeof DRIFT_STATES)[number];
  variables: DriftVariable[];
  lastCheckedAt: string | null;
  lastRepairedAt: string | null;
  /** Why the last check failed (state error), or what a repair did (a template change rolls Obot's pods). */
  message?: string;
}

export const DRIFT_OFF: DriftView = { deployment: null, mode: "off", state: "off", variables: [], lastCheckedAt: null, lastRepairedAt: null };

export interface ObotStatus extends ObotLinkView {
  drift: DriftView;
}

const isoTime = z.string().nullable();

export const obotStatusResource = z
  .object({
    link: z.object({
      url: z.string().nullable().meta({ description: "Obot's base URL (OPENCRANE_OBOT_URL); null when the link is off" }),
      feedUrl: z.string().nullable().meta({ description: "The feed URL as Obot reaches it (OPENCRANE_OBOT_FEED_URL)" }),
      state: z.enum(["ok", "unreachable", "off"]),
      lastSynced: isoTime.meta({ description: "Obot's last sync of its default catalog, as Obot reports it" }),
      isSyncing: z.boolean(),
      syncError: z.string().nullable().meta({ description: "Obot's sync error for the feed; while Obot is unreachable, why" }),
      lastRefreshRequestedAt: isoTime,
      lastEnsuredAt: isoTime.meta({ description: "When this replica last checked that the feed is among Obot's catalog sources" }),
    }),
    servers: z.array(
      z.object({
        name: z.string(),
        state: z.enum(["in-obot", "missing", "outdated", "error"]),
        message: z.string().optional(),
      }),
    ),
    drift: z.object({
      deployment: z.string().nullable(),
      mode: z.enum(["repair", "report", "off"]),
      state: z.enum(DRIFT_STATES),
      variables: z.array(z.object({ name: z.string(), intended: z.string(), actual: z.string().nullable(), action: z.enum(DRIFT_ACTIONS) })),
      lastCheckedAt: isoTime,
      lastRepairedAt: isoTime,
      message: z.string().optional(),
    }),
  })
  .meta({ id: "ObotStatus", description: "The Obot link and drift repair of Obot's Deployment, as the answering replica sees them" });

/** What the status reads of the running services: the link and drift repair, each null when off. */
export interface ObotParts {
  obotLink: { view(): ObotLinkView } | null;
  obotDrift: { view(): DriftView } | null;
}

export function obotStatus(services: ObotParts): ObotStatus {
  const link = services.obotLink?.view() ?? LINK_OFF;
  return { ...link, drift: services.obotDrift?.view() ?? DRIFT_OFF };
}

export const OBOT_STATUS_FITS: ObotStatus extends z.output<typeof obotStatusResource> ? true : never = true;
