import { listAuditEventsUseCase } from "../../application/audit";
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
import { procedureOf, router } from "../init";

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
  list: procedureOf(listAuditEventsUseCase),
});
