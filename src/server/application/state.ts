/** The state document (DESIGN §12): export it, and apply one (or preview applying it). */
import { z } from "zod";
import { parseStateText } from "../formats/state-text";
import { applyState, exportState, planState, type AppliedState, type PlannedState } from "../state/state";
import { useCase } from "./use-case";

/** A query-string flag (`?prune=true`) that tRPC sends as a boolean. */
const flag = (description: string) =>
  z
    .union([z.boolean(), z.enum(["true", "false", "1", "0", ""], { error: "must be true or false" }).transform((v) => v === "true" || v === "1" || v === "")])
    .default(false)
    .meta({ description });

export const exportStateUseCase = useCase({
  name: "state.export",
  role: "viewer",
  mutates: false,
  args: z.object({ stream: flag("With Accept: application/yaml, one YAML document per object (kind McpServer, Tenant, Group, Rule, Source)") }),
  run: ({ services }) => exportState(services.db),
});

export const applyStateUseCase = useCase({
  name: "state.apply",
  role: "editor",
  mutates: true,
  args: z.object({
    text: z.string(),
    format: z.enum(["json", "yaml"]),
    dryRun: z.boolean().default(false),
    prune: flag("Delete the objects the document leaves out"),
    force: flag("Apply even over objects changed since the document's revision"),
  }),
  invalid: () => "cannot apply the state document",
  run: async ({ services, change }, { text, format, dryRun, prune, force }): Promise<AppliedState | PlannedState> => {
    const documents = parseStateText(text, format);
    return dryRun ? planState(services.db, change, documents, { prune, force }) : applyState(services.db, change, documents, { prune, force });
  },
});
