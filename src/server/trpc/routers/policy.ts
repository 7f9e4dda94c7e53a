import * as policy from "../../application/policy";
import * as tenants from "../../application/tenants";
import { procedureOf, router } from "../init";

export const tenantsRouter = router({
  list: procedureOf(tenants.listTenantsWithAccess),
  page: procedureOf(tenants.pageTenantsUseCase),
  summary: procedureOf(tenants.tenantSummary),
  access: procedureOf(tenants.tenantAccessPage),
  contract: procedureOf(tenants.tenantContract),
  get: procedureOf(tenants.getTenantWithAccess),
  create: procedureOf(tenants.createTenantUseCase),
  update: procedureOf(tenants.updateTenantUseCase),
  delete: procedureOf(tenants.deleteTenantUseCase),
  tokens: procedureOf(tenants.listTenantTokensUseCase),
  createToken: procedureOf(tenants.createTenantTokenUseCase),
  revokeToken: procedureOf(tenants.revokeTenantTokenUseCase),
});

export const groupsRouter = router({
  list: procedureOf(policy.listGroupsUseCase),
  page: procedureOf(policy.pageGroupsUseCase),
  get: procedureOf(policy.getGroupUseCase),
  create: procedureOf(policy.createGroupUseCase),
  update: procedureOf(policy.updateGroupUseCase),
  delete: procedureOf(policy.deleteGroupUseCase),
});

export const grantsRouter = router({
  list: procedureOf(policy.listGrantsWithDeadReasons),
  page: procedureOf(policy.pageGrantsUseCase),
  duplicates: procedureOf(policy.duplicateGrantsUseCase),
  get: procedureOf(policy.getGrantUseCase),
  create: procedureOf(policy.createGrantUseCase),
  update: procedureOf(policy.updateGrantUseCase),
  delete: procedureOf(policy.deleteGrantUseCase),
});

export const policyRouter = router({
  report: procedureOf(policy.policyReport),
  warnings: procedureOf(policy.policyWarnings),
  servers: procedureOf(policy.policyServers),
  serverTargets: procedureOf(policy.policyServerTargets),
  matrix: procedureOf(policy.policyMatrix),
  explain: procedureOf(policy.explainAccess),
  previewServerStatus: procedureOf(policy.previewServerStatus),
});
