import { z } from "zod";
import * as policy from "../application/policy";
import * as tenants from "../application/tenants";
import { accessMatrixResource, policyServersResource } from "./admin-resources";
import { json } from "./http";
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
import type { RestRoute } from "./router";
import { useCaseRoute } from "./use-case-route";

const deleted = { status: 204, description: "Deleted" };

export const policyRoutes: RestRoute[] = [
  // Tenants
  useCaseRoute(tenants.listTenantsWithAccess, {
    method: "GET",
    path: "/api/v1/tenants",
    summary: "List tenants with their groups and allowed servers",
    response: { status: 200, description: "Tenants, by name", schema: tenantListResource },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(tenants.createTenantUseCase, {
    method: "POST",
    path: "/api/v1/tenants",
    summary: "Create a tenant",
    body: "tenant",
    response: { status: 201, description: "The tenant", schema: tenantResource, headers: { Location: "The tenant's URL" } },
    respond: (tenant) => json(tenant, 201, { Location: `/api/v1/tenants/${tenant.name}` }),
  }),
  useCaseRoute(tenants.getTenantWithAccess, {
    method: "GET",
    path: "/api/v1/tenants/{name}",
    summary: "A tenant with its groups and effective access (decision and tier per active server)",
    response: { status: 200, description: "The tenant", schema: tenantDetailResource },
    respond: ({ tenant, access }) => json({ ...tenant, access }),
  }),
  useCaseRoute(tenants.updateTenantUseCase, {
    method: "PATCH",
    path: "/api/v1/tenants/{name}",
    summary: "Change a tenant",
    description: "Omitted fields keep their value. With version, a change made since is refused with 409.",
    body: "patch",
    response: { status: 200, description: "The changed tenant", schema: tenantResource },
  }),
  useCaseRoute(tenants.deleteTenantUseCase, {
    method: "DELETE",
    path: "/api/v1/tenants/{name}",
    summary: "Delete a tenant, its memberships and the rules naming it",
    dryRunResult: tenantResource,
    response: deleted,
  }),
  useCaseRoute(policy.explainAccess, {
    method: "GET",
    path: "/api/v1/tenants/{name}/explain/{server}",
    params: { name: "tenant" },
    summary: "Why the tenant may or may not use the server, or one of its tools",
    description:
      "The decision, the deciding tier and rule, and every rule or override pattern that matched; per tool for a server with pinned tools. With ?tool=NAME, the decision for that tool (404 naming it when the server does not expose it).",
    response: { status: 200, description: "The explanation", schema: explanationResource },
  }),
  useCaseRoute(tenants.tenantContract, {
    method: "GET",
    path: "/api/v1/tenants/{name}/contract",
    summary: "The tenant's contract exactly as its pod receives it",
    response: { status: 200, description: "The contract", schema: contractResource, headers: { ETag: "The ETag the pod sees" } },
    respond: ({ contract, etag }) => json(contract, 200, { ETag: etag }),
  }),
  useCaseRoute(tenants.listTenantTokensUseCase, {
    method: "GET",
    path: "/api/v1/tenants/{name}/tokens",
    summary: "The tenant's tokens for pods outside Kubernetes (never the secrets)",
    response: { status: 200, description: "Tokens, newest first", schema: z.object({ items: z.array(tenantTokenResource) }) },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(tenants.createTenantTokenUseCase, {
    method: "POST",
    path: "/api/v1/tenants/{name}/tokens",
    params: { name: "tenant" },
    summary: "Issue a tenant token; the secret is in this answer only",
    body: "token",
    response: { status: 201, description: "The token and its secret", schema: issuedTenantTokenResource },
  }),
  useCaseRoute(tenants.revokeTenantTokenUseCase, {
    method: "DELETE",
    path: "/api/v1/tenants/{name}/tokens/{id}",
    params: { name: "tenant" },
    summary: "Revoke a tenant token",
    response: { status: 204, description: "Revoked: pods using it are refused from now on" },
  }),

  // Groups
  useCaseRoute(policy.listGroupsUseCase, {
    method: "GET",
    path: "/api/v1/groups",
    summary: "List groups with their members",
    response: { status: 200, description: "Groups, by name", schema: z.object({ items: z.array(groupResource) }) },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(policy.createGroupUseCase, {
    method: "POST",
    path: "/api/v1/groups",
    summary: "Create a group",
    body: "group",
    response: { status: 201, description: "The group", schema: groupResource, headers: { Location: "The group's URL" } },
    respond: (group) => json(group, 201, { Location: `/api/v1/groups/${group.name}` }),
  }),
  useCaseRoute(policy.getGroupUseCase, {
    method: "GET",
    path: "/api/v1/groups/{name}",
    summary: "A group with its members",
    response: { status: 200, description: "The group", schema: groupResource },
  }),
  useCaseRoute(policy.updateGroupUseCase, {
    method: "PATCH",
    path: "/api/v1/groups/{name}",
    summary: "Change a group (members are replaced whole)",
    body: "patch",
    response: { status: 200, description: "The changed group", schema: groupResource },
  }),
  useCaseRoute(policy.deleteGroupUseCase, {
    method: "DELETE",
    path: "/api/v1/groups/{name}",
    summary: "Delete a group and the rules naming it",
    dryRunResult: groupResource,
    response: deleted,
  }),

  // Rules (the path keeps the API's original name, grants)
  useCaseRoute(policy.listGrantsWithDeadReasons, {
    method: "GET",
    path: "/api/v1/grants",
    summary: "List rules",
    response: { status: 200, description: "Rules, oldest first, each with why it is dead if it is", schema: grantListResource },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(policy.createGrantUseCase, {
    method: "POST",
    path: "/api/v1/grants",
    summary: "Create a rule",
    body: "grant",
    response: { status: 201, description: "The rule, with its id", schema: savedGrantResource, headers: { Location: "The rule's URL" } },
    respond: (grant) => json(grant, 201, { Location: `/api/v1/grants/${grant.id}` }),
  }),
  useCaseRoute(policy.getGrantUseCase, {
    method: "GET",
    path: "/api/v1/grants/{id}",
    summary: "A rule, by id or name",
    response: { status: 200, description: "The rule", schema: grantResource },
  }),
  useCaseRoute(policy.updateGrantUseCase, {
    method: "PATCH",
    path: "/api/v1/grants/{id}",
    summary: "Change a rule (by id or name)",
    body: "patch",
    response: { status: 200, description: "The changed rule", schema: savedGrantResource },
  }),
  useCaseRoute(policy.deleteGrantUseCase, {
    method: "DELETE",
    path: "/api/v1/grants/{id}",
    summary: "Delete an access rule (by id or name)",
    dryRunResult: grantResource,
    response: deleted,
  }),

  // The compiled policy
  useCaseRoute(policy.policyReport, {
    method: "GET",
    path: "/api/v1/policy",
    summary: "The compiled policy's revision, counts and report",
    description: "The report lists dead rules, patterns matching unpublished servers, scope exclusions and expired rules.",
    response: { status: 200, description: "The policy status", schema: policyStatusResource },
  }),
  useCaseRoute(policy.policyServers, {
    method: "GET",
    path: "/api/v1/policy/servers",
    summary: "The active servers rules can match, with their scope",
    response: { status: 200, description: "Servers, by name", schema: policyServersResource },
    respond: (items) => json({ items }),
  }),
  useCaseRoute(policy.policyMatrix, {
    method: "GET",
    path: "/api/v1/policy/matrix",
    summary: "Tenants by active servers: the tier that decides each cell",
    description: "Filter tenants as the tenant list does (q, group, label) and columns by server (a name or glob); page rows with offset and limit.",
    response: { status: 200, description: "The matrix", schema: accessMatrixResource },
  }),
];
