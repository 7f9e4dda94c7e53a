/** Impact preview: who gains and who loses access between two compiled policies, per server and per tool. */
import type { CompiledPolicy, TenantAccess } from "./compile";

export interface AccessChange {
  server: string;
  gained: string[];
  lost: string[];
}

export interface ImpactPreview {
  changes: AccessChange[];
  /**
   * Tools gained or lost by tenants that keep (or keep lacking) their server (DESIGN §11), keyed
   * `server/tool`: "removes github/delete_repo from 3 tenants". A server gained or lost whole is
   * in `changes` only.
   */
  toolChanges: AccessChange[];
  tenantsAffected: number;
  summary: string;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function diffPolicies(before: CompiledPolicy, after: CompiledPolicy): ImpactPreview {
  const gained = new Map<string, string[]>();
  const lost = new Map<string, string[]>();
  const affected = new Set<string>();
  const push = (map: Map<string, string[]>, server: string, tenant: string) => {
    const list = map.get(server);
    if (list) list.push(tenant);
    else map.set(server, [tenant]);
    affected.add(tenant);
  };
  const names = new Set([...before.tenants.keys(), ...after.tenants.keys()]);
  for (const tenant of [...names].sort(byteOrder)) {
    const access = before.tenants.get(tenant);
    // An incremental compile keeps an unchanged tenant's access as the same object.
    if (access !== undefined && access === after.tenants.get(tenant)) continue;
    const a = access?.allow ?? [];
    const b = after.tenants.get(tenant)?.allow ?? [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i]! < b[j]!)) push(lost, a[i++]!, tenant);
      else if (i >= a.length || b[j]! < a[i]!) push(gained, b[j++]!, tenant);
      else {
        i++;
        j++;
      }
    }
  }
  const servers = [...new Set([...gained.keys(), ...lost.keys()])].sort(byteOrder);
  const changes = servers.map((server) => ({ server, gained: gained.get(server) ?? [], lost: lost.get(server) ?? [] }));

  // Tools: on servers a tenant may use before and after, the tools it may call.
  const toolGained = new Map<string, string[]>();
  const toolLost = new Map<string, string[]>();
  const toolsMoved = new Set<string>();
  for (const server of new Set([...before.serverTools.keys(), ...after.serverTools.keys()])) {
    if (
      !sameNames(
        before.serverTools.get(server)?.map((t) => t.name),
        after.serverTools.get(server)?.map((t) => t.name),
      )
    )
      toolsMoved.add(server);
  }
  for (const tenant of [...names].sort(byteOrder)) {
    const a = before.tenants.get(tenant);
    const b = after.tenants.get(tenant);
    if (!a || !b || (a === b && before.serverTools === after.serverTools)) continue;
    if (a.tools.size === 0 && b.tools.size === 0 && toolsMoved.size === 0) continue;
    const kept = new Set(a.allow);
    for (const server of b.allow) {
      if (!kept.has(server) || (!a.tools.has(server) && !b.tools.has(server) && !toolsMoved.has(server))) continue;
      const x = exposedTools(before, a, server);
      const y = new Set(exposedTools(after, b, server));
      const had = new Set(x);
      for (const tool of x) if (!y.has(tool)) push(toolLost, `${server}/${tool}`, tenant);
      for (const tool of y) if (!had.has(tool)) push(toolGained, `${server}/${tool}`, tenant);
    }
  }
  const tools = [...new Set([...toolGained.keys(), ...toolLost.keys()])].sort(byteOrder);
  const toolChanges = tools.map((server) => ({ server, gained: toolGained.get(server) ?? [], lost: toolLost.get(server) ?? [] }));
  return { changes, toolChanges, tenantsAffected: affected.size, summary: summarizeImpact([...changes, ...toolChanges]) };
}

/** The tools a tenant allowed on a server may call: its tool-level entry's, else every known tool. */
function exposedTools(policy: CompiledPolicy, access: TenantAccess, server: string): readonly string[] {
  return access.tools.get(server)?.allow ?? policy.serverTools.get(server)?.map((t) => t.name) ?? [];
}

function sameNames(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((name, i) => b[i] === name));
}

const tenants = (n: number) => `${n} tenant${n === 1 ? "" : "s"}`;

export function summarizeImpact(changes: readonly AccessChange[]): string {
  if (changes.length === 0) return "no tenant gains or loses access";
  const parts = [
    ...changes.filter((c) => c.gained.length > 0).map((c) => `adds ${c.server} to ${tenants(c.gained.length)}`),
    ...changes.filter((c) => c.lost.length > 0).map((c) => `removes ${c.server} from ${tenants(c.lost.length)}`),
  ];
  return parts.join(", ");
}
