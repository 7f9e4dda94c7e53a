import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/trpc/root";

type SourcesOutputs = inferRouterOutputs<AppRouter>["sources"];

/** What the console receives, as the sources router answers it. */
export type SourceListRow = SourcesOutputs["list"][number];
export type SourceRun = SourcesOutputs["runs"][number];
export type SourceRunWithItems = SourcesOutputs["run"];
export type ReviewItem = SourcesOutputs["quarantined"][number];
