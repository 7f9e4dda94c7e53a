import {
  createGrantUseCase,
  createGroupUseCase,
  deleteGrantUseCase,
  deleteGroupUseCase,
  explainAccess,
  getGrantUseCase,
  getGroupUseCase,
  listGrantsWithDeadReasons,
  listGroupsUseCase,
  policyMatrix,
  policyReport,
  policyServers,
  previewServerStatus,
  updateGrantUseCase,
  updateGroupUseCase,
} from "../../application/policy";
import {
  createTenantTokenUseCase,
  createTenantUseCase,
  deleteTenantUseCase,
  getTenantWithAccess,
  listTenantsWithAccess,
  listTenantTokensUseCase,
  revokeTenantTokenUseCase,
  updateTenantUseCase,
} from "../../application/tenants";
import { procedureOf, router } from "../init";

export const tenantsRouter = router({
  list: procedureOf(listTenantsWithAccess),
  get: procedureOf(getTenantWithAccess),
  create: procedureOf(createTenantUseCase),
  update: procedureOf(updateTenantUseCase),
  delete: procedureOf(deleteTenantUseCase),
  tokens: procedureOf(listTenantTokensUseCase),
  createToken: procedureOf(createTenantTokenUseCase),
  revokeToken: procedureOf(revokeTenantTokenUseCase),
});

export const groupsRouter = router({
  list: procedureOf(listGroupsUseCase),
  get: procedureOf(getGroupUseCase),
  create: procedureOf(createGroupUseCase),
  update: procedureOf(updateGroupUseCase),
  delete: procedureOf(deleteGroupUseCase),
});

export const grantsRouter = router({
  list: procedureOf(listGrantsWithDeadReasons),
  get: procedureOf(getGrantUseCase),
  create: procedureOf(createGrantUseCase),
  update: procedureOf(updateGrantUseCase),
  delete: procedureOf(deleteGrantUseCase),
});

export const policyRouter = router({
  report: procedureOf(policyReport),
  servers: procedureOf(policyServers),
  matrix: procedureOf(policyMatrix),
  explain: procedureOf(explainAccess),
  previewServerStatus: procedureOf(previewServerStatus),
});
