/** Types for policy-world.mjs (plain JS, so bench/policy.mjs can use it without a TypeScript loader). */
import type { Scope, ServerStatus } from "../src/server/catalog/model";
import type { Access, McpPolicy, Subject } from "../src/server/policy/model";

export interface WorldSizes {
  tenants: number;
  servers: number;
  groups: number;
  rules: number;
}

export interface WorldServer {
  name: string;
  scope: Scope;
  status: ServerStatus;
  displayName: string;
  shortDescription: string;
  tools: string[];
  team: string;
  family: string;
  /** Personal servers: the one tenant that may be granted it. */
  owner?: string | null;
}

export interface WorldTenant {
  name: string;
  displayName: string;
  team: string;
  labels: Record<string, string>;
  mcpPolicy: McpPolicy;
}

export interface WorldRule {
  id: string;
  subject: Subject;
  servers: string;
  access: Access;
  expiresAt: Date | null;
  note: string;
}

export interface World {
  seed: number;
  now: Date;
  sizes: WorldSizes;
  servers: WorldServer[];
  tenants: WorldTenant[];
  groups: { name: string; members: string[] }[];
  rules: WorldRule[];
}

export const FULL_SIZES: WorldSizes;
export const SEED: number;
export function scaledSizes(scale: number, base?: WorldSizes): WorldSizes;
export const SUBJECT_MIX: Record<"tenant" | "group" | "selector" | "everyone", number>;
export const WORLD_NOW: Date;
export function prng(seed: number): {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  weighted<T>(pairs: readonly (readonly [T, number])[]): T;
};
export function generateWorld(
  sizes?: WorldSizes,
  options?: { seed?: number; now?: Date; expired?: boolean; subjects?: Partial<Record<"tenant" | "group" | "selector" | "everyone", number>> },
): World;
