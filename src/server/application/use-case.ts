/**
 * The application layer: one function per use case (list tenants with their access, revoke a
 * tenant token, sync a source, …), written once and called by every edge. A use case declares
 * the smallest role that may call it and the one zod schema of its arguments; the REST route and
 * the tRPC procedure over it are adapters (rest/use-case-route.ts, trpc/init.ts procedureOf), so
 * both demand the same role and accept the same input by construction.
 */
import type { z } from "zod";
import type { ChangeContext } from "../audit/audit";
import type { Principal } from "../auth/principal";
import type { Requirement } from "../auth/roles";
import type { Services } from "../services";

/** What every use case may use: the services, and who asks (for the audit trail and per-caller views). */
export interface UseCaseContext {
  services: Services;
  change: ChangeContext;
  principal: Principal | null;
}

export interface UseCase<Args extends z.ZodObject = z.ZodObject, Result = unknown, Mutates extends boolean = boolean> {
  /** The tRPC path of its procedure ("tenants.list"): names it in logs, tests and the pairing check. */
  name: string;
  /** The smallest role allowed to call it. */
  role: Requirement;
  /** The arguments: identifiers (a REST path's parameters), the shared input schema under its key, dryRun. */
  args: Args;
  /** The message a validation failure starts with ("cannot create tenant"); defaults to "invalid input". */
  invalid?: (raw: Record<string, unknown>) => string;
  /** Changes state (a tRPC mutation, a REST POST/PATCH/PUT/DELETE). */
  mutates: Mutates;
  /**
   * Can change what the snapshot serves (catalog, policy): it is rebuilt before the caller is
   * answered (read-your-writes). Defaults to `mutates`; false for writes no feed shows (tokens, users).
   */
  changesSnapshot?: boolean;
  run(ctx: UseCaseContext, args: z.output<Args>): Promise<Result>;
}

/** Declares a use case, keeping its argument and result types. */
export function useCase<Args extends z.ZodObject, Result, Mutates extends boolean>(definition: UseCase<Args, Result, Mutates>): UseCase<Args, Result, Mutates> {
  return definition;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of use cases of every argument and result type
export type AnyUseCase = UseCase<any, any, boolean>;

export function changesSnapshot(useCase: AnyUseCase): boolean {
  return useCase.changesSnapshot ?? useCase.mutates;
}
