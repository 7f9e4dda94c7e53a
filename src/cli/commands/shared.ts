/** Pieces several command groups share: dry runs, deletions, and the types of the answers they print. */
import type { Query } from "../client";
import type { CommandContext } from "../context";
import { formatTable, sections } from "../output";

export interface Impact {
  changes: { server: string; gained: string[]; lost: string[] }[];
  tenantsAffected: number;
  summary: string;
}

export interface DryRunAnswer<T> {
  dryRun: true;
  impact: Impact;
  result: T;
}

export function impactView(impact: Impact): string {
  return sections(
    `Dry run, nothing was changed. ${impact.summary}`,
    formatTable(
      impact.changes,
      [
        { header: "SERVER", value: (change) => change.server },
        { header: "GAINED BY", value: (change) => change.gained },
        { header: "LOST BY", value: (change) => change.lost },
      ],
      "",
    ),
  );
}

export const DRY_RUN_FLAG = ["--dry-run", "show who would gain or lose which server, and change nothing"] as const;

/**
 * A change that can alter who may use which server: with --dry-run the server answers the impact
 * preview instead of changing anything, and that preview is what is printed.
 */
export async function changeOrPreview<T>(
  ctx: CommandContext,
  dryRun: boolean | undefined,
  send: (query: Query) => Promise<T>,
  done: (result: T) => void,
): Promise<void> {
  if (dryRun) {
    const preview = (await send({ dryRun: true })) as unknown as DryRunAnswer<T>;
    ctx.output(preview, (answer) => impactView(answer.impact));
    return;
  }
  done(await send({}));
}

/** What a delete prints: the API answers 204, so scripts get `{"deleted": {kind, name}}`. */
export function printDeleted(ctx: CommandContext, kind: string, name: string): void {
  ctx.output({ deleted: { kind, name } }, () => `Deleted ${kind} '${name}'.`);
}
