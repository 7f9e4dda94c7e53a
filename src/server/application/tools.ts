/** Tool governance (DESIGN §11): discovered tools, pins, drift and its review, per-server settings. */
import { z } from "zod";
import { getServer } from "../catalog/servers";
import { discoverServerTools, uploadServerTools } from "../tools/discovery";
import { probeHeadersInput, toolDriftPageInput, toolSettingsInput, toolsUploadSchema, type ToolDriftPageInput } from "../tools/model";
import { approveToolDrift, listToolDrift, rejectToolDrift, serverToolsOf, setProbeHeaders, setToolSettings, type ToolDriftEntry } from "../tools/store";
import { containsText, pageOf, sortedBy } from "../util/paging";
import { useCase } from "./use-case";

const serverName = z.string().min(1);
const server = z.string().min(1);

/** The manifest digest the admin reviewed: refused with 409 when the tools changed since. */
export const toolDriftReviewInput = z.object({
  digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "digest must be the manifest's SHA-256 in hex")
    .optional()
    .meta({ description: "The latest manifest digest you reviewed; refused with 409 if the tools changed since" }),
  reason: z.string().max(2000).optional(),
});

export const serverToolsUseCase = useCase({
  name: "tools.get",
  role: "viewer",
  mutates: false,
  args: z.object({ name: serverName }),
  run: async ({ services }, { name }) => serverToolsOf(services.db, await getServer(services.db, name)),
});

export const discoverToolsUseCase = useCase({
  name: "tools.discover",
  role: "editor",
  mutates: true,
  args: z.object({ name: serverName }),
  run: ({ services, change }, { name }) =>
    discoverServerTools(services.db, change, { allow: services.ingestionDeps.allow, timeoutMs: services.config.toolDiscovery?.timeoutMs }, name),
});

export const uploadToolsUseCase = useCase({
  name: "tools.upload",
  role: "editor",
  mutates: true,
  args: z.object({ name: serverName, upload: toolsUploadSchema }),
  invalid: () => "cannot read the tool list",
  run: ({ services, change }, { name, upload }) => uploadServerTools(services.db, change, name, Array.isArray(upload) ? upload : upload.tools),
});

export const toolSettingsUseCase = useCase({
  name: "tools.settings",
  role: "editor",
  mutates: true,
  args: z.object({ name: serverName, settings: toolSettingsInput }),
  invalid: () => "cannot change the tool settings",
  run: ({ services, change }, { name, settings }) => setToolSettings(services.db, change, name, settings),
});

export const probeHeadersUseCase = useCase({
  name: "tools.probeHeaders",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ name: serverName, probeHeaders: probeHeadersInput }),
  invalid: () => "cannot set the probe headers",
  run: ({ services, change }, { name, probeHeaders }) => setProbeHeaders(services.db, change, name, probeHeaders.headers),
});

export const toolDriftQueueUseCase = useCase({
  name: "tools.drift",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: ({ services }) => listToolDrift(services.db),
});

const DRIFT_SORT_KEYS: Record<ToolDriftPageInput["sort"], (entry: ToolDriftEntry) => string> = {
  discovered: (entry) => entry.discoveredAt,
  server: (entry) => entry.server,
};

/** The review page's tool drift, filtered, sorted and paged; `all` counts every drift waiting. */
export const toolDriftPageUseCase = useCase({
  name: "tools.driftPage",
  role: "viewer",
  mutates: false,
  args: toolDriftPageInput,
  run: async ({ services }, query) => {
    const entries = await listToolDrift(services.db);
    const matching = entries.filter((entry) => containsText(query.q, entry.server, entry.displayName));
    const sorted = sortedBy(matching, DRIFT_SORT_KEYS[query.sort], query.order, (entry) => entry.server);
    return { ...pageOf(sorted, query.offset, query.limit), all: entries.length };
  },
});

export const approveToolDriftUseCase = useCase({
  name: "tools.approveDrift",
  role: "admin",
  mutates: true,
  args: z.object({ server, review: toolDriftReviewInput.optional() }),
  run: ({ services, change }, { server, review }) => approveToolDrift(services.db, change, server, review?.digest),
});

export const rejectToolDriftUseCase = useCase({
  name: "tools.rejectDrift",
  role: "admin",
  mutates: true,
  args: z.object({ server, review: toolDriftReviewInput.optional() }),
  run: ({ services, change }, { server, review }) => rejectToolDrift(services.db, change, server, review ?? {}),
});
