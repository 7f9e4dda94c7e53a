import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, type z } from "zod";
import { changesSnapshot, type AnyUseCase, type UseCase } from "../application/use-case";
import { authorize, type RequestFacts } from "../auth/guard";
import type { Principal } from "../auth/principal";
import type { Requirement } from "../auth/roles";
import type { ChangeContext } from "../audit/audit";
import { DomainError, ERROR_CODES, fieldErrorsOf, isDatabaseUnavailable, userMistakeOf, validationError, type FieldErrors } from "../errors";
import type { Services } from "../services";
import { unknownFieldIssue, unknownFields } from "../util/unknown-fields";

export interface TrpcContext {
  services: Services;
  principal: Principal | null;
  /** Credentials were sent but did not hold (bad or expired token): reported as 401. */
  authError: DomainError | null;
  change: ChangeContext;
  request: RequestFacts;
}

/** Every procedure declares the smallest role that may call it. */
export interface Meta {
  requirement: Requirement;
  /** The use case the procedure adapts (procedureOf). */
  useCase?: string;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error, ctx, path }) {
      let domain: { code: string; details: FieldErrors } | null = null;
      if (error.cause instanceof DomainError) domain = { code: error.cause.code, details: error.cause.details };
      else if (error.cause instanceof ZodError) domain = { code: "VALIDATION_FAILED", details: fieldErrorsOf(error.cause) };
      if (error.code === "INTERNAL_SERVER_ERROR") {
        // An error nobody meant for the caller (a driver's, with SQL text and parameters, say):
        // the caller gets a request id to quote, the log gets the whole error.
        const requestId = ctx?.change.requestId ?? randomUUID();
        console.error(`[opencrane] request ${requestId} failed${path ? ` in ${path}` : ""}:`, error.cause ?? error);
        return { ...shape, message: `internal error (request id ${requestId})`, data: { ...shape.data, domain: null, requestId, stack: undefined } };
      }
      return { ...shape, data: { ...shape.data, domain, stack: undefined } };
    },
  });

/** Domain errors become tRPC errors with the same code and details the REST API gives. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = userMistakeOf(result.error.cause) ?? result.error.cause;
    if (cause instanceof DomainError) {
      throw new TRPCError({ code: ERROR_CODES[cause.code].trpc, message: cause.message, cause });
    }
    if (isDatabaseUnavailable(cause)) {
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "the database is unreachable; retry shortly", cause });
    }
  }
  return result;
});

/** The role check, through the same `authorize` the REST routes use. */
const guard = t.middleware(({ ctx, meta, next }) => {
  const requirement = meta?.requirement;
  if (!requirement) throw new DomainError("FORBIDDEN", "this procedure declares no required role");
  if (ctx.authError && requirement !== "public") throw ctx.authError;
  authorize(ctx.principal, requirement, ctx.request, ctx.services.config.auth);
  return next();
});

/** After a successful change, rebuild the feed snapshot before answering (read-your-writes). */
const refreshFeeds = t.middleware(async ({ ctx, type, next }) => {
  const written = type === "mutation" ? ctx.services.snapshots.writeStarted() : null;
  let result: Awaited<ReturnType<typeof next>>;
  try {
    result = await next();
  } finally {
    written?.();
  }
  if (type === "mutation" && result.ok && !isPreview(result.data)) await ctx.services.snapshots.refresh().catch(() => undefined);
  return result;
});

/** An impact preview's answer: it wrote nothing, so there is no rebuild to wait for. */
function isPreview(data: unknown): boolean {
  return typeof data === "object" && data !== null && (data as { dryRun?: unknown }).dryRun === true;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const procedureFor = (requirement: Requirement) => t.procedure.meta({ requirement }).use(domainErrors).use(guard).use(refreshFeeds);
/** A use case's procedure rebuilds the snapshot itself, only when the use case can change it. */
const useCaseProcedureFor = (requirement: Requirement) => t.procedure.meta({ requirement }).use(domainErrors).use(guard);

export const publicProcedure = procedureFor("public");
export const viewerProcedure = procedureFor("viewer");
export const editorProcedure = procedureFor("editor");
export const adminProcedure = procedureFor("admin");

/** The procedure's input: the use case's arguments; when they may all be left out, also omitted whole (`tenants.list()`). */
/** Arguments that may all be left out: the caller may leave out the input whole. */
type InputOf<Args extends z.ZodObject> = Record<never, never> extends z.input<Args> ? z.ZodOptional<Args> : Args;

function useCaseProcedure<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>) {
  const allOptional = useCase.args.safeParse({}).success;
  const input = (allOptional ? useCase.args.optional() : useCase.args) as unknown as InputOf<Args>;
  return useCaseProcedureFor(useCase.role).meta({ requirement: useCase.role, useCase: useCase.name }).use(refusingUnknownFields(useCase.args)).input(input);
}

const INFINITE_QUERY_KEYS = new Set(["cursor", "direction"]);

/**
 * A field the arguments do not know is refused, not dropped, as on REST: a typo must not pass as
 * accepted. Reported with the schema's own issues, as input validation reports them.
 */
function refusingUnknownFields(args: z.ZodObject) {
  return t.middleware(async ({ getRawInput, next }) => {
    const raw = await getRawInput();
    // tRPC's infinite queries add `cursor` and `direction` to the input themselves.
    const unknown = unknownFields(args, raw).filter((field) => !(field.path.length === 1 && INFINITE_QUERY_KEYS.has(String(field.path[0]))));
    if (unknown.length === 0) return next();
    const parsed = args.safeParse(raw ?? {});
    const issues = [...(parsed.success ? [] : parsed.error.issues), ...unknown.map((field) => unknownFieldIssue(field))];
    throw validationError(new ZodError(issues));
  });
}

function useCaseResolver<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>) {
  const rebuilds = changesSnapshot(useCase as AnyUseCase);
  return async ({ ctx, input }: { ctx: TrpcContext; input: unknown }): Promise<Result> => {
    const args = (input ?? useCase.args.parse({})) as z.output<Args>;
    const written = rebuilds && (args as { dryRun?: unknown }).dryRun !== true ? ctx.services.snapshots.writeStarted() : null;
    let result: Result;
    try {
      result = await useCase.run({ services: ctx.services, change: ctx.change, principal: ctx.principal }, args);
    } finally {
      written?.();
    }
    if (rebuilds && !isPreview(result)) await ctx.services.snapshots.refresh().catch(() => undefined);
    return result;
  };
}

const queryOf = <Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>) => useCaseProcedure(useCase).query(useCaseResolver(useCase));
const mutationOf = <Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>) => useCaseProcedure(useCase).mutation(useCaseResolver(useCase));

/**
 * A procedure as an adapter over a use case: its role, its input (the use case's argument schema)
 * and its kind (a mutation when the use case changes state) are the use case's.
 */
export function procedureOf<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result, true>): ReturnType<typeof mutationOf<Args, Result>>;
export function procedureOf<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result, false>): ReturnType<typeof queryOf<Args, Result>>;
export function procedureOf<Args extends z.ZodObject, Result>(useCase: UseCase<Args, Result>) {
  return useCase.mutates ? mutationOf(useCase) : queryOf(useCase);
}
