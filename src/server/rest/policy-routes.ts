import {
  createGrant,
  createGroup,
  deleteGrant,
  deleteGroup,
  getGrant,
  getGroup,
  listGrants,
  listGroups,
  policyCounts,
  updateGrant,
  updateGroup,
} from "../policy/store";
import { currentSnapshot } from "../snapshot/reads";
import { z } from "zod";
import { ACCESS, grantCreateInput, grantUpdateInput, groupCreateInput, groupUpdateInput } from "../policy/model";
import { accessChange } from "./dry-run";
import { json, readJsonBody } from "./http";
import {
  contractResource,
  explanationResource,
  grantListResource,
  grantResource,
  groupResource,
  issuedTenantTokenResource,
  policyStatusResource,
  savedGrantResource,
  tenantDetailResource,
  tenantListResource,
  tenantResource,
  tenantTokenResource,
} from "./resources";
import { route, type RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";
import {
  createTenantTokenUseCase,
  createTenantUseCase,
  deleteTenantUseCase,
  explainTenantAccess,
  getTenantWithAccess,
  listTenantsWithAccess,
  listTenantTokensUseCase,
  revokeTenantTokenUseCase,
  tenantContract,
  updateTenantUseCase,
} from "../application/tenants";

const noContent = () => new Response(null, { status: 204 });
const deleted = { status: 204, description: "Deleted" };

const text = (max: number, description: string) => z.string().trim().max(max).optional().meta({ description });

const grantListQuery = z.object({
  subjectType: z.enum(["everyone", "group", "tenant", "selector"], { error: "subjectType must be everyone, group, tenant or selector" }).optional(),
  subjectName: text(63, "The group or tenant the rule names"),
  access: z.enum(ACCESS, { error: "access must be allow or deny" }).optional(),
  server: text(200, "Only rules whose pattern matches this server name"),
});

export const policyRoutes: RestRoute[] = [
  // Tenants
  useCaseRoute(listTenantsWithAccess, {
    method: "GET",
    path: "/api/v1/tenants",
    summary: "List tenants with their groups and allowed servers",
    response: { status: 200, description: "Tenants, by name", schema: tenantListResource },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(createTenantUseCase, {
    method: "POST",
    path: "/api/v1/tenants",
    summary: "Create a tenant",
    body: "tenant",
    response: { status: 201, description: "The tenant", schema: tenantResource, headers: { Location: "The tenant's URL" } },
    respond: (tenant) => json(tenant, 201, { Location: `/api/v1/tenants/${tenant.name}` }),
  }),
  useCaseRoute(getTenantWithAccess, {
    method: "GET",
    path: "/api/v1/tenants/{name}",
    summary: "A tenant with its groups and effective access (decision and tier per active server)",
    response: { status: 200, description: "The tenant", schema: tenantDetailResource },
    respond: ({ tenant, access }) => json({ ...tenant, access }),
  }),
  useCaseRoute(updateTenantUseCase, {
    method: "PATCH",
    path: "/api/v1/tenants/{name}",
    summary: "Change a tenant",
    description: "Omitted fields keep their value. With version, a change made since is refused with 409.",
    body: "patch",
    response: { status: 200, description: "The changed tenant", schema: tenantResource },
  }),
  useCaseRoute(deleteTenantUseCase, {
    method: "DELETE",
    path: "/api/v1/tenants/{name}",
    summary: "Delete a tenant, its memberships and the rules naming it",
    dryRunResult: tenantResource,
    response: deleted,
  }),
  useCaseRoute(explainTenantAccess, {
    method: "GET",
    path: "/api/v1/tenants/{name}/explain/{server}",
    summary: "Why the tenant may or may not use the server",
    description: "The decision, the deciding tier and rule, and every rule or override pattern that matched.",
    response: { status: 200, description: "The explanation", schema: explanationResource },
  }),
  useCaseRoute(tenantContract, {
    method: "GET",
    path: "/api/v1/tenants/{name}/contract",
    summary: "The tenant's contract exactly as its pod receives it",
    response: { status: 200, description: "The contract", schema: contractResource, headers: { ETag: "The ETag the pod sees" } },
    respond: ({ contract, etag }) => json(contract, 200, { ETag: etag }),
  }),
  useCaseRoute(listTenantTokensUseCase, {
    method: "GET",
    path: "/api/v1/tenants/{name}/tokens",
    summary: "The tenant's tokens for pods outside Kubernetes (never the secrets)",
    response: { status: 200, description: "Tokens, newest first", schema: z.object({ items: z.array(tenantTokenResource) }) },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(createTenantTokenUseCase, {
    method: "POST",
    path: "/api/v1/tenants/{name}/tokens",
    params: { name: "tenant" },
    summary: "Issue a tenant token; the secret is in this answer only",
    body: "token",
    response: { status: 201, description: "The token and its secret", schema: issuedTenantTokenResource },
  }),
  useCaseRoute(revokeTenantTokenUseCase, {
    method: "DELETE",
    path: "/api/v1/tenants/{name}/tokens/{id}",
    params: { name: "tenant" },
    summary: "Revoke a tenant token",
    response: { status: 204, description: "Revoked: pods using it are refused from now on" },
  }),

  // Groups
  {
    method: "GET",
    path: "/api/v1/groups",
    summary: "List groups with their members",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "Groups, by name", schema: z.object({ items: z.array(groupResource) }) },
    handle: async ({ services }) => json({ items: await listGroups(services.db) }),
  },
  {
    method: "POST",
    path: "/api/v1/groups",
    summary: "Create a group",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: groupCreateInput },
    response: { status: 201, description: "The group", schema: groupResource, headers: { Location: "The group's URL" } },
    handle: async (req) => {
      const body = await readJsonBody(req.request);
      return accessChange(req, (db) => createGroup(db, req.change, body), (group) =>
        json(group, 201, { Location: `/api/v1/groups/${group.name}` }),
      );
    },
  },
  {
    method: "GET",
    path: "/api/v1/groups/{name}",
    summary: "A group with its members",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The group", schema: groupResource },
    handle: async ({ services, params }) => json(await getGroup(services.db, params.name!)),
  },
  {
    method: "PATCH",
    path: "/api/v1/groups/{name}",
    summary: "Change a group (members are replaced whole)",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: groupUpdateInput },
    response: { status: 200, description: "The changed group", schema: groupResource },
    handle: async (req) => {
      const body = await readJsonBody(req.request);
      return accessChange(req, (db) => updateGroup(db, req.change, req.params.name!, body), (group) => json(group));
    },
  },
  {
    method: "DELETE",
    path: "/api/v1/groups/{name}",
    summary: "Delete a group and the rules naming it",
    role: "editor",
    mutates: true,
    dryRun: true,
    dryRunResult: groupResource,
    response: deleted,
    handle: (req) => accessChange(req, (db) => deleteGroup(db, req.change, req.params.name!), noContent),
  },

  // Grant rules
  route({
    method: "GET",
    path: "/api/v1/grants",
    summary: "List access rules",
    role: "viewer",
    mutates: false,
    query: grantListQuery,
    response: { status: 200, description: "Rules, oldest first, each with why it is dead if it is", schema: grantListResource },
    handle: async ({ services, query }) => {
      const snapshot = services.snapshots.current;
      const dead = new Map(snapshot?.policy.report.deadRules.map((d) => [d.ruleId, d.reason]));
      const items = (await listGrants(services.db, query)).map((g) => ({ ...g, deadReason: dead.get(g.id) ?? null }));
      return json({ items });
    },
  }),
  {
    method: "POST",
    path: "/api/v1/grants",
    summary: "Create an access rule",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: grantCreateInput },
    response: { status: 201, description: "The rule, with its id", schema: savedGrantResource, headers: { Location: "The rule's URL" } },
    handle: async (req) => {
      const body = await readJsonBody(req.request);
      return accessChange(req, (db) => createGrant(db, req.change, body), (grant) =>
        json(grant, 201, { Location: `/api/v1/grants/${grant.id}` }),
      );
    },
  },
  {
    method: "GET",
    path: "/api/v1/grants/{id}",
    summary: "An access rule",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The rule", schema: grantResource },
    handle: async ({ services, params }) => json(await getGrant(services.db, params.id!)),
  },
  {
    method: "PATCH",
    path: "/api/v1/grants/{id}",
    summary: "Change an access rule",
    role: "editor",
    mutates: true,
    dryRun: true,
    body: { schema: grantUpdateInput },
    response: { status: 200, description: "The changed rule", schema: savedGrantResource },
    handle: async (req) => {
      const body = await readJsonBody(req.request);
      return accessChange(req, (db) => updateGrant(db, req.change, req.params.id!, body), (grant) => json(grant));
    },
  },
  {
    method: "DELETE",
    path: "/api/v1/grants/{id}",
    summary: "Delete an access rule",
    role: "editor",
    mutates: true,
    dryRun: true,
    dryRunResult: grantResource,
    response: deleted,
    handle: (req) => accessChange(req, (db) => deleteGrant(db, req.change, req.params.id!), noContent),
  },

  // The compiled policy
  {
    method: "GET",
    path: "/api/v1/policy",
    summary: "The compiled policy's revision, counts and report",
    description: "The report lists dead rules, patterns matching unpublished servers, scope exclusions and expired rules.",
    role: "viewer",
    mutates: false,
    response: { status: 200, description: "The policy status", schema: policyStatusResource },
    handle: async ({ services }) => {
      const snapshot = currentSnapshot(services);
      return json({
        revision: snapshot.revision,
        compiledAt: snapshot.policy.compiledAt.toISOString(),
        nextExpiryAt: snapshot.policy.nextExpiryAt?.toISOString() ?? null,
        activeServers: snapshot.policy.servers.length,
        ...(await policyCounts(services.db)),
        report: snapshot.policy.report,
      });
    },
  },
];
