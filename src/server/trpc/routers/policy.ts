import { z } from "zod";
import { disableServer, publishServer } from "../../catalog/servers";
import { grantCreateInput, grantUpdateInput, groupCreateInput, groupUpdateInput } from "../../policy/model";
import { changeOrPreview } from "../../policy/preview";
import { accessMatrix, currentSnapshot, explain } from "../../snapshot/reads";
import {
  createGrant,
  createGroup,
  deleteGrant,
  deleteGroup,
  getGrant,
  getGroup,
  listGrants,
  listGroups,
  listTenants,
  policyCounts,
  updateGrant,
  updateGroup,
} from "../../policy/store";
import { editorProcedure, procedureOf, router, viewerProcedure } from "../init";
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

const byName = z.object({ name: z.string().min(1) });
const byId = z.object({ id: z.string().min(1) });
const dryRun = { dryRun: z.boolean().default(false) };

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
  list: viewerProcedure.query(({ ctx }) => listGroups(ctx.services.db)),
  get: viewerProcedure.input(byName).query(({ ctx, input }) => getGroup(ctx.services.db, input.name)),
  create: editorProcedure
    .input(z.object({ group: groupCreateInput, ...dryRun }))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => createGroup(db, ctx.change, input.group))),
  update: editorProcedure
    .input(z.object({ name: z.string(), patch: groupUpdateInput, ...dryRun }))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => updateGroup(db, ctx.change, input.name, input.patch))),
  delete: editorProcedure
    .input(byName.extend(dryRun))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => deleteGroup(db, ctx.change, input.name))),
});

export const grantsRouter = router({
  list: viewerProcedure
    .input(
      z
        .object({ subjectType: z.string().optional(), subjectName: z.string().optional(), access: z.string().optional(), server: z.string().optional() })
        .default({}),
    )
    .query(async ({ ctx, input }) => {
      const dead = new Map(ctx.services.snapshots.current?.policy.report.deadRules.map((d) => [d.ruleId, d.reason]));
      return (await listGrants(ctx.services.db, input)).map((g) => ({ ...g, deadReason: dead.get(g.id) ?? null }));
    }),
  get: viewerProcedure.input(byId).query(({ ctx, input }) => getGrant(ctx.services.db, input.id)),
  create: editorProcedure
    .input(z.object({ grant: grantCreateInput, ...dryRun }))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => createGrant(db, ctx.change, input.grant))),
  update: editorProcedure
    .input(z.object({ id: z.string(), patch: grantUpdateInput, ...dryRun }))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => updateGrant(db, ctx.change, input.id, input.patch))),
  delete: editorProcedure
    .input(byId.extend(dryRun))
    .mutation(({ ctx, input }) => changeOrPreview(ctx.services.db, input.dryRun, (db) => deleteGrant(db, ctx.change, input.id))),
});

export const policyRouter = router({
  report: viewerProcedure.query(async ({ ctx }) => {
    const snapshot = currentSnapshot(ctx.services);
    return {
      revision: snapshot.revision,
      compiledAt: snapshot.policy.compiledAt.toISOString(),
      nextExpiryAt: snapshot.policy.nextExpiryAt?.toISOString() ?? null,
      activeServers: snapshot.policy.servers.length,
      ...(await policyCounts(ctx.services.db)),
      report: snapshot.policy.report,
    };
  }),
  /** The active servers rules can match, with their scope: the hints of the rule form. */
  servers: viewerProcedure.query(({ ctx }) => {
    const policy = currentSnapshot(ctx.services).policy;
    return policy.servers.map((name) => ({ name, scope: policy.scopes.get(name)! }));
  }),
  matrix: viewerProcedure
    .input(
      z
        .object({
          group: z.string().optional(),
          label: z.string().optional(),
          q: z.string().optional(),
          server: z.string().optional(),
          offset: z.number().int().min(0).default(0),
          limit: z.number().int().min(1).max(20_000).default(5000),
        })
        .default({ offset: 0, limit: 5000 }),
    )
    .query(async ({ ctx, input }) => {
      const snapshot = currentSnapshot(ctx.services);
      const filtered = input.group || input.label || input.q;
      const tenants = filtered ? (await listTenants(ctx.services.db, input)).map((t) => t.name) : undefined;
      return accessMatrix(snapshot, { tenants, server: input.server, offset: input.offset, limit: input.limit });
    }),
  explain: viewerProcedure
    .input(z.object({ tenant: z.string(), server: z.string() }))
    .query(({ ctx, input }) => explain(currentSnapshot(ctx.services), input.tenant, input.server)),
  /** Publishing or disabling a server changes who can use it: preview that first. */
  previewServerStatus: editorProcedure
    .input(z.object({ name: z.string(), to: z.enum(["active", "disabled"]) }))
    .mutation(({ ctx, input }) =>
      changeOrPreview(ctx.services.db, true, (db) =>
        input.to === "active" ? publishServer(db, ctx.change, input.name) : disableServer(db, ctx.change, input.name),
      ),
    ),
});
