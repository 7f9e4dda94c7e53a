import { listAuditEventsUseCase } from "../../application/audit";
import * as auth from "../../application/auth";
import { procedureOf, router } from "../init";

export const sessionRouter = router({
  me: procedureOf(auth.currentSession),
});

export const usersRouter = router({
  list: procedureOf(auth.listUsersUseCase),
  page: procedureOf(auth.pageUsersUseCase),
  create: procedureOf(auth.createUserUseCase),
  update: procedureOf(auth.updateUserUseCase),
  resetPassword: procedureOf(auth.resetPasswordUseCase),
});

export const tokensRouter = router({
  list: procedureOf(auth.listApiTokensUseCase),
  page: procedureOf(auth.pageApiTokensUseCase),
  create: procedureOf(auth.createApiTokenUseCase),
  revoke: procedureOf(auth.revokeApiTokenUseCase),
});

export const auditRouter = router({
  list: procedureOf(listAuditEventsUseCase),
});
