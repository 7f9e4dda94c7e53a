/** Tenants: their access as the served snapshot decides it, their changes, their pod tokens. */
import { z } from "zod";
import { tenantAccessPageInput, tenantCreateInput, tenantListInput, tenantPageInput, tenantUpdateInput } from "../policy/model";
import { changeOrPreview } from "../policy/preview";
import { contractAsServed, currentSnapshot, effectiveAccess } from "../snapshot/reads";
import { createTenant, deleteTenant, getTenant, listTenants, pageTenants, policyCounts, updateTenant } from "../policy/store";
import { containsText, pageOf } from "../util/paging";
import { createTenantToken, listTenantTokens, revokeTenantToken, tenantTokenCreateInput } from "../policy/tenant-tokens";
import { useCase } from "./use-case";

const tenantName = z.string().min(1);
const dryRun = z.boolean().default(false);

export const listTenantsWithAccess = useCase({
  name: "tenants.list",
  role: "viewer",
  mutates: false,
  args: tenantListInput,
  run: async ({ services }, filter) => {
    const snapshot = services.snapshots.current;
    return (await listTenants(services.db, filter)).map((tenant) => ({
      ...tenant,
      allowedServers: [...(snapshot?.policy.tenants.get(tenant.name)?.allow ?? [])],
    }));
  },
});

/** The console's tenant list: filtered, sorted and paged here, each tenant with how many servers it may use. */
export const pageTenantsUseCase = useCase({
  name: "tenants.page",
  role: "viewer",
  mutates: false,
  args: tenantPageInput,
  run: async ({ services }, query) => {
    const snapshot = services.snapshots.current;
    const page = await pageTenants(services.db, query);
    return {
      ...page,
      items: page.items.map((tenant) => ({ ...tenant, allowed: snapshot?.policy.tenants.get(tenant.name)?.allow.length ?? 0 })),
      all: (await policyCounts(services.db)).tenants,
    };
  },
});

/** A tenant and how many active servers it may use, without the per-server list (`tenants.access`) or its contract (`tenants.contract`). */
export const tenantSummary = useCase({
  name: "tenants.summary",
  role: "viewer",
  mutates: false,
  args: z.object({ name: tenantName }),
  run: async ({ services }, { name }) => {
    const tenant = await getTenant(services.db, name);
    const access = effectiveAccess(currentSnapshot(services), tenant.name);
    return { tenant, allowed: access.allow.length, servers: access.servers.length };
  },
});

/** A tenant's decision on each active server, filtered and paged. */
export const tenantAccessPage = useCase({
  name: "tenants.access",
  role: "viewer",
  mutates: false,
  args: tenantAccessPageInput,
  run: async ({ services }, { name, q, decision, offset, limit, order }) => {
    const access = effectiveAccess(currentSnapshot(services), name);
    const matching = access.servers.filter((s) => containsText(q, s.server) && (decision === "all" || s.decision === decision));
    return { ...pageOf(order === "desc" ? matching.reverse() : matching, offset, limit), servers: access.servers.length };
  },
});

export const getTenantWithAccess = useCase({
  name: "tenants.get",
  role: "viewer",
  mutates: false,
  args: z.object({ name: tenantName }),
  run: async ({ services }, { name }) => {
    const tenant = await getTenant(services.db, name);
    const snapshot = currentSnapshot(services);
    return { tenant, access: effectiveAccess(snapshot, tenant.name), contract: contractAsServed(snapshot, services.contractBodies, tenant.name) };
  },
});

export const createTenantUseCase = useCase({
  name: "tenants.create",
  role: "editor",
  mutates: true,
  args: z.object({ tenant: tenantCreateInput, dryRun }),
  invalid: () => "cannot create tenant",
  run: ({ services, change }, { tenant, dryRun }) => changeOrPreview(services.db, dryRun, (db) => createTenant(db, change, tenant)),
});

export const updateTenantUseCase = useCase({
  name: "tenants.update",
  role: "editor",
  mutates: true,
  args: z.object({ name: tenantName, patch: tenantUpdateInput, dryRun }),
  invalid: (raw) => `cannot update tenant '${String(raw.name)}'`,
  run: ({ services, change }, { name, patch, dryRun }) => changeOrPreview(services.db, dryRun, (db) => updateTenant(db, change, name, patch)),
});

export const deleteTenantUseCase = useCase({
  name: "tenants.delete",
  role: "editor",
  mutates: true,
  args: z.object({ name: tenantName, dryRun }),
  run: ({ services, change }, { name, dryRun }) => changeOrPreview(services.db, dryRun, (db) => deleteTenant(db, change, name)),
});

export const tenantContract = useCase({
  name: "tenants.contract",
  role: "viewer",
  mutates: false,
  args: z.object({ name: tenantName }),
  run: async ({ services }, { name }) => contractAsServed(currentSnapshot(services), services.contractBodies, name),
});

export const listTenantTokensUseCase = useCase({
  name: "tenants.tokens",
  role: "admin",
  mutates: false,
  args: z.object({ name: tenantName }),
  run: async ({ services }, { name }) => {
    await getTenant(services.db, name);
    return listTenantTokens(services.db, name);
  },
});

export const createTenantTokenUseCase = useCase({
  name: "tenants.createToken",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ tenant: tenantName, token: tenantTokenCreateInput }),
  invalid: () => "cannot create tenant token",
  run: ({ services, change }, { tenant, token }) => createTenantToken(services.db, change, tenant, token),
});

export const revokeTenantTokenUseCase = useCase({
  name: "tenants.revokeToken",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: z.object({ tenant: tenantName, id: z.string().min(1) }),
  run: async ({ services, change }, { tenant, id }) => {
    const { hash, ...token } = await revokeTenantToken(services.db, change, tenant, id);
    // Pods using it are refused from the next poll on, not once the verification cache expires.
    services.tenantAuth.forget(hash);
    return token;
  },
});
