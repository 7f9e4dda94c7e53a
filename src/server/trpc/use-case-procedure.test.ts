/** The tRPC adapter over a use case (procedureOf), on its own: stub use cases, no database. */
import { TRPCError } from "@trpc/server";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { principalFor, TEST_CONFIG, trpcContext } from "../../../test/support/services";
import { useCase } from "../application/use-case";
import { DomainError } from "../errors";
import type { Services } from "../services";
import { createCallerFactory, procedureOf, router } from "./init";

const seen: unknown[] = [];
const record = async (_ctx: unknown, args: unknown) => {
  seen.push(args);
  if ((args as { title?: string }).title === "conflict") throw new DomainError("CONFLICT", "taken");
  return args;
};

const testRouter = router({
  list: procedureOf(useCase({ name: "list", role: "viewer", mutates: false, args: z.object({ all: z.boolean().default(false) }), run: record })),
  create: procedureOf(useCase({ name: "create", role: "editor", mutates: true, args: z.object({ title: z.string().min(1) }), run: record })),
  rename: procedureOf(useCase({ name: "rename", role: "editor", mutates: true, changesSnapshot: false, args: z.object({ title: z.string() }), run: record })),
});

function callerAs(role: "viewer" | "editor" | null) {
  const refresh = vi.fn(async () => undefined);
  const services = { config: TEST_CONFIG, db: {}, snapshots: { refresh, writeStarted: () => () => undefined } } as unknown as Services;
  const caller = createCallerFactory(testRouter)(trpcContext(services, role ? principalFor(role) : null));
  return { caller, refresh };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    return error instanceof TRPCError ? error.code : `THREW ${(error as Error).message}`;
  }
}

describe("procedureOf", () => {
  it("takes the use case's kind: a query for a read, a mutation for a change", () => {
    const defs = (testRouter._def as unknown as { procedures: Record<string, { _def: { type: string; meta?: unknown } }> }).procedures;
    expect(defs.list!._def.type).toBe("query");
    expect(defs.create!._def.type).toBe("mutation");
    expect(defs.list!._def.meta).toEqual({ requirement: "viewer", useCase: "list" });
  });

  it("lets arguments that may all be left out be omitted whole, with their defaults", async () => {
    seen.length = 0;
    const { caller } = callerAs("viewer");
    await caller.list(undefined as never);
    await caller.list({});
    await caller.list({ all: true });
    // What tRPC's infinite queries add to the input themselves is not the caller's mistake.
    await caller.list({ all: true, cursor: null, direction: "forward" } as never);
    expect(seen).toEqual([{ all: false }, { all: false }, { all: true }, { all: true }]);
  });

  it("refuses an argument it does not know instead of dropping it, with the other field errors", async () => {
    seen.length = 0;
    const { caller } = callerAs("editor");
    // 422, as REST answers the same mistake (the schema's own refusals alone stay tRPC's 400).
    expect(await codeOf(caller.list({ all: true, extra: 1 } as never))).toBe("UNPROCESSABLE_CONTENT");
    const refused = await caller.create({ title: "", titel: "x" } as never).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect(((refused as TRPCError).cause as DomainError).details).toEqual({
      fieldErrors: { title: [expect.any(String)], titel: ["unknown field (a typo?): this object takes title"] },
      formErrors: [],
    });
    expect(seen).toEqual([]);
  });

  it("refuses missing or wrong arguments before running", async () => {
    seen.length = 0;
    const { caller } = callerAs("editor");
    expect(await codeOf(caller.create(undefined as never))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.create({ title: "" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.list(null as never))).toBe("BAD_REQUEST");
    expect(seen).toEqual([]);
  });

  it("demands the use case's role", async () => {
    expect(await codeOf(callerAs(null).caller.list({}))).toBe("UNAUTHORIZED");
    expect(await codeOf(callerAs("viewer").caller.create({ title: "x" }))).toBe("FORBIDDEN");
  });

  it("rebuilds the snapshot after a successful change that can change it, and only then", async () => {
    const { caller, refresh } = callerAs("editor");
    expect(await codeOf(caller.create({ title: "conflict" }))).toBe("CONFLICT");
    await caller.list({});
    await caller.rename({ title: "x" });
    expect(refresh).not.toHaveBeenCalled();
    await caller.create({ title: "x" });
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});
