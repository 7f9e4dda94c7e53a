import { z } from "zod";
import { createApiToken, listApiTokens, revokeApiToken, apiTokenCreateInput } from "../../auth/tokens";
import { createUser, listUsers, resetPassword, updateUser, userCreateInput, userUpdateInput, passwordResetInput } from "../../auth/users";
import { listAuditEventsUseCase } from "../../application/audit";
import { DomainError } from "../../errors";
import { adminProcedure, procedureOf, publicProcedure, router, viewerProcedure } from "../init";

const byId = z.object({ id: z.uuid("not a valid id") });

export const sessionRouter = router({
  /** The signed-in user, or null: the one public procedure, so pages can decide what to show. */
  me: publicProcedure.query(({ ctx }) =>
    ctx.principal
      ? { email: ctx.principal.id, displayName: ctx.principal.displayName, role: ctx.principal.role, kind: ctx.principal.kind }
      : null,
  ),
});

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.services.db)),
  create: adminProcedure.input(userCreateInput).mutation(({ ctx, input }) => createUser(ctx.services.db, ctx.change, input)),
  update: adminProcedure
    .input(byId.extend({ patch: userUpdateInput }))
    .mutation(({ ctx, input }) => updateUser(ctx.services.db, ctx.change, input.id, input.patch)),
  resetPassword: adminProcedure
    .input(byId.extend(passwordResetInput.shape))
    .mutation(({ ctx, input: { id, ...rest } }) => resetPassword(ctx.services.db, ctx.change, id, rest)),
});

export const tokensRouter = router({
  /** Your tokens; admins may ask for everyone's. */
  list: viewerProcedure
    .input(z.object({ all: z.boolean().default(false) }).default({ all: false }))
    .query(({ ctx, input }) => listApiTokens(ctx.services.db, ctx.principal!, input.all)),
  create: viewerProcedure.input(apiTokenCreateInput).mutation(({ ctx, input }) => createApiToken(ctx.services.db, ctx.change, ctx.principal!, input)),
  revoke: viewerProcedure.input(byId).mutation(({ ctx, input }) => {
    if (!ctx.principal) throw new DomainError("UNAUTHORIZED", "sign in first");
    return revokeApiToken(ctx.services.db, ctx.change, ctx.principal, input.id);
  }),
});

export const auditRouter = router({
  list: procedureOf(listAuditEventsUseCase),
});
