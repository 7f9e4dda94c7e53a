/**
 * Reads over the served snapshot for the console and the API: effective access, explain, the
 * access matrix and the contract as a pod receives it. No grant queries: the snapshot is the one
 * decision everything shows.
 */
import { DomainError, notFound } from "../errors";
import { decide, patternMatches, TIER_NAMES, type Tier } from "../policy/compile";
import type { TenantContract } from "../policy/contract";
import { explainAccess, type Explanation } from "../policy/explain";
import type { ContractBodyCache } from "./contract-cache";
import { contractBody, type CatalogSnapshot } from "./snapshot";

/** Whatever holds the snapshot store (the running services): only its current snapshot is read. */
export interface SnapshotHolder {
  snapshots: { readonly current: CatalogSnapshot | null };
}

export function currentSnapshot(holder: SnapshotHolder): CatalogSnapshot {
  const snapshot = holder.snapshots.current;
  if (!snapshot) throw new DomainError("UNAVAILABLE", "the policy snapshot is not built yet; retry shortly");
  return snapshot;
}

export interface EffectiveAccess {
  tenant: string;
  revision: number;
  servers: { server: string; decision: "allow" | "deny"; tier: Tier; tierName: string }[];
  allow: string[];
  deny: string[];
}

export function effectiveAccess(snapshot: CatalogSnapshot, tenant: string): EffectiveAccess {
  const access = snapshot.policy.tenants.get(tenant);
  if (!access) throw notFound("tenant", tenant);
  return {
    tenant,
    revision: snapshot.revision,
    servers: snapshot.policy.servers.map((server) => {
      const d = decide(snapshot.policy, tenant, server)!;
      return { server, decision: d.decision as "allow" | "deny", tier: d.tier, tierName: TIER_NAMES[d.tier] };
    }),
    allow: [...access.allow],
    deny: [...access.deny],
  };
}

export function explain(snapshot: CatalogSnapshot, tenant: string, server: string, tool?: string): Explanation {
  const policy = snapshot.policy;
  if (!policy.tenants.has(tenant)) throw notFound("tenant", tenant);
  if (tool !== undefined) {
    if (!policy.serverIndex.has(server)) throw new DomainError("NOT_FOUND", `server '${server}' is not active, so it has no tools to explain`);
    const tools = policy.serverTools.get(server);
    if (!tools) throw new DomainError("NOT_FOUND", `server '${server}' has no known tools (no pinned manifest), so tool '${tool}' cannot be explained`);
    if (!tools.some((t) => t.name === tool)) {
      throw new DomainError("NOT_FOUND", `server '${server}' has no tool '${tool}' (its tools: ${tools.map((t) => t.name).join(", ")})`);
    }
  }
  return explainAccess(policy, tenant, server, tool)!;
}

export function contractAsServed(
  snapshot: CatalogSnapshot,
  bodies: ContractBodyCache,
  tenant: string,
): { contract: TenantContract; etag: string; bytes: number } {
  const body = contractBody(snapshot, bodies, tenant);
  if (!body) throw notFound("tenant", tenant);
  return { contract: JSON.parse(Buffer.from(body.identity).toString("utf8")) as TenantContract, etag: body.etag("identity"), bytes: body.identity.length };
}

export interface MatrixQuery {
  tenants?: readonly string[];
  server?: string;
  /** A server to expand into its tools: a column per tool right after the server's own. */
  expand?: string;
  offset?: number;
  limit?: number;
}

export interface AccessMatrix {
  revision: number;
  /** The columns; an expanded server's tools follow it as `{name: "server/tool", scope, server, tool}`. */
  servers: { name: string; scope: string; server?: string; tool?: string }[];
  /** One row per tenant; `tiers` has one digit (the deciding tier, 2-6) per server column. */
  rows: { tenant: string; tiers: string }[];
  totalTenants: number;
}

/** The tenants × active servers grid, one digit per cell, compact enough for 500 × 200 and more. */
/**
 * A tenant's row over every active server, decided once per snapshot: the console refetches the
 * matrix on every filter change, and deciding 1,000 × 2,000 cells each time took seconds.
 */
const fullRows = new WeakMap<CatalogSnapshot, Map<string, string>>();

function fullRowOf(snapshot: CatalogSnapshot, tenant: string): string {
  let rows = fullRows.get(snapshot);
  if (!rows) fullRows.set(snapshot, (rows = new Map()));
  let row = rows.get(tenant);
  if (row === undefined) {
    const policy = snapshot.policy;
    row = policy.servers.map((server) => decide(policy, tenant, server)!.tier).join("");
    rows.set(tenant, row);
  }
  return row;
}

export function accessMatrix(snapshot: CatalogSnapshot, query: MatrixQuery): AccessMatrix {
  const policy = snapshot.policy;
  const indices: number[] = [];
  policy.servers.forEach((name, i) => {
    if (!query.server || patternMatches(query.server, name)) indices.push(i);
  });
  const all = indices.length === policy.servers.length;
  const names = (query.tenants ?? [...policy.tenants.keys()].sort()).filter((t) => policy.tenants.has(t));
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 2000;
  const servers: AccessMatrix["servers"] = indices.map((i) => ({ name: policy.servers[i]!, scope: policy.scopes.get(policy.servers[i]!)! }));
  // An expanded server: its tools' columns right after its own, each decided per tool.
  const expanded = query.expand ? indices.indexOf(policy.serverIndex.get(query.expand) ?? -1) : -1;
  const tools = expanded >= 0 ? (policy.serverTools.get(query.expand!) ?? []) : [];
  const scope = expanded >= 0 ? servers[expanded]!.scope : "";
  if (tools.length > 0)
    servers.splice(expanded + 1, 0, ...tools.map((t) => ({ name: `${query.expand}/${t.name}`, scope, server: query.expand!, tool: t.name })));
  return {
    revision: snapshot.revision,
    servers,
    rows: names.slice(offset, offset + limit).map((tenant) => {
      const full = fullRowOf(snapshot, tenant);
      const tiers = all ? full : indices.map((i) => full[i]).join("");
      if (tools.length === 0) return { tenant, tiers };
      const toolTiers = policy.tenants.get(tenant)!.tools.get(query.expand!)?.tiers ?? tiers[expanded]!.repeat(tools.length);
      return { tenant, tiers: tiers.slice(0, expanded + 1) + toolTiers + tiers.slice(expanded + 1) };
    }),
    totalTenants: names.length,
  };
}
