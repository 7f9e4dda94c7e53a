import { listAuditEvents } from "../../audit/query";
import { auditQuery } from "../../audit/query";
import {
  createApiTokenUseCase,
  createUserUseCase,
  currentSession,
  listApiTokensUseCase,
  listUsersUseCase,
  resetPasswordUseCase,
  revokeApiTokenUseCase,
  updateUserUseCase,
} from "../../application/auth";
import { procedureOf, router, viewerProcedure } from "../init";

export const sessionRouter = router({
  me: procedureOf(currentSession),
});

export const usersRouter = router({
  list: procedureOf(listUsersUseCase),
  create: procedureOf(createUserUseCase),
  update: procedureOf(updateUserUseCase),
  resetPassword: procedureOf(resetPasswordUseCase),
});

export const tokensRouter = router({
  list: procedureOf(listApiTokensUseCase),
  create: procedureOf(createApiTokenUseCase),
  revoke: procedureOf(revokeApiTokenUseCase),
});

export const auditRouter = router({
  list: viewerProcedure.input(auditQuery).query(({ ctx, input }) => listAuditEvents(ctx.services.db, input)),
});
