/** Impact preview: who gains and who loses access between two compiled policies. */
import type { CompiledPolicy } from "./compile";

export interface AccessChange {
  server: string;
  gained: string[];
  lost: string[];
}

export interface ImpactPreview {
  changes: AccessChange[];
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
    const a = before.tenants.get(tenant)?.allow ?? [];
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
  return { changes, tenantsAffected: affected.size, summary: summarizeImpact(changes) };
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
