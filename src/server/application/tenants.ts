/** Tenants: their access as the served snapshot decides it, their changes, their pod tokens. */
import { z } from "zod";
import { tenantCreateInput, tenantListInput, tenantUpdateInput } from "../policy/model";
import { changeOrPreview } from "../policy/preview";
import { contractAsServed, currentSnapshot, effectiveAccess } from "../snapshot/reads";
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant } from "../policy/store";
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
