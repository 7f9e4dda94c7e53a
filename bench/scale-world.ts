/**
 * The production-sized world of issue 13, written straight into a database for `npm run bench:scale`
 * (and for any later benchmark that needs the same world, such as one of the console): the
 * servers, tenants, groups and rules of bench/policy-world.mjs (the same seeded mix bench:policy
 * compiles), with servers made realistic from the real Obot catalog entries in ../shared/data
 * (descriptions, tool previews with their parameters, remote and containerized runtimes), plus
 * one tenant token per tenant for pods that poll their contracts.
 *
 * Everything goes in through the Drizzle schema in multi-row inserts, in one transaction, and the
 * catalog revision is bumped once at the end, as a write through the app would (without its
 * NOTIFY: load before the app starts, or let its revision poll find the new world).
 *
 *   const loaded = await loadWorld(database.db, scaledSizes(0.05));
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { parse as parseYaml } from "yaml";
import { hashSecret, newSecret } from "../src/server/auth/secrets";
import { sanitizeObotName } from "../src/server/catalog/model";
import { generatedRuleName } from "../src/server/policy/model";
import type { Db } from "../src/server/db/client";
import { catalogState, grants, groupMembers, groups, mcpServers, tenantTokens, tenants } from "../src/server/db/schema";
import { FULL_SIZES, generateWorld, prng, scaledSizes, SEED, type World, type WorldSizes } from "./policy-world.mjs";

export { FULL_SIZES, scaledSizes, type World, type WorldSizes };

/** Postgres takes at most 65,535 parameters per statement; stay a little under. */
const MAX_PARAMETERS = 60_000;
const MAX_ROWS_PER_INSERT = 5_000;
const ACTOR = "bench";
/** What the token rows are called; one per tenant. */
export const BENCH_TOKEN_NAME = "bench-scale";
const TOKEN_PREFIX = "octt_";

/**
 * Where the real catalog data lives: ../shared/data beside the checkout, or beside the main
 * checkout when this one is a git worktree elsewhere.
 */
export function defaultSharedData(): string {
  const beside = (checkout: string) => path.resolve(checkout, "..", "shared", "data");
  const root = path.resolve(__dirname, "..");
  const common = spawnSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: root, encoding: "utf8" }).stdout.trim();
  const candidates = [beside(root), ...(common ? [beside(path.dirname(common))] : [])];
  return candidates.find((dir) => fs.existsSync(dir)) ?? candidates[0]!;
}

type ServerRow = typeof mcpServers.$inferInsert;
type ToolPreview = NonNullable<ServerRow["toolPreview"]>[number];

interface CatalogTemplate {
  name: string;
  shortDescription: string;
  description: string;
  icon: string;
  repoUrl: string;
  categories: string[];
  tools: ToolPreview[];
}

/**
 * Tool previews and texts of the real Obot catalog entries (those with tools) in
 * `sharedData`/obot-mcp-catalog, or null without the data (BENCH_SHARED_DATA overrides the place).
 */
export function readCatalogTemplates(sharedData = process.env.BENCH_SHARED_DATA || defaultSharedData()): CatalogTemplate[] | null {
  const dir = path.join(sharedData, "obot-mcp-catalog");
  if (!fs.existsSync(dir)) return null;
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const templates = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => parseYaml(fs.readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>)
    .map((entry): CatalogTemplate => {
      const metadata = (entry.metadata ?? {}) as Record<string, unknown>;
      const tools = Array.isArray(entry.toolPreview) ? (entry.toolPreview as Record<string, unknown>[]) : [];
      return {
        name: text(entry.name),
        shortDescription: text(entry.shortDescription),
        description: text(entry.description),
        icon: text(entry.icon),
        repoUrl: text(entry.repoURL),
        categories: text(metadata.categories)
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
        tools: tools.map((tool) => ({
          name: text(tool.name),
          description: text(tool.description),
          ...(tool.params && typeof tool.params === "object"
            ? { params: Object.fromEntries(Object.entries(tool.params as Record<string, unknown>).map(([k, v]) => [k, String(v)])) }
            : {}),
        })),
      };
    })
    .filter((t) => t.tools.length > 0);
  return templates.length > 0 ? templates : null;
}

type Rnd = ReturnType<typeof prng>;

/**
 * One catalog entry's tools, varied per server: a run of 40–100% of them, some names prefixed
 * with the server's family, some descriptions naming its team, so no two servers list the same
 * bytes. Without templates: the synthetic tool names of policy-world.mjs.
 */
function toolsFor(server: World["servers"][number], template: CatalogTemplate | null, rnd: Rnd): ToolPreview[] {
  if (!template) return server.tools.map((name) => ({ name, description: `${name.replace(/_\d+$/, "").replace("_", " ")} in ${server.family}` }));
  const count = Math.max(1, Math.round(template.tools.length * (0.4 + 0.6 * rnd.next())));
  const start = rnd.int(template.tools.length - count + 1);
  const prefixed = rnd.chance(0.3);
  const teamNote = rnd.chance(0.5) ? ` (${server.team} team)` : "";
  return template.tools.slice(start, start + count).map((tool) => ({
    ...tool,
    name: prefixed ? `${server.family}_${tool.name}` : tool.name,
    description: `${tool.description ?? ""}${teamNote}`,
  }));
}

function serverRows(world: World, templates: CatalogTemplate[] | null, now: Date): ServerRow[] {
  // A PRNG of its own: the policy world stays exactly the one bench:policy compiles.
  const rnd = prng(SEED + 1);
  const tenantsOfTeam = new Map<string, string[]>();
  for (const t of world.tenants) tenantsOfTeam.set(t.team, [...(tenantsOfTeam.get(t.team) ?? []), t.name]);
  return world.servers.map((server, i) => {
    const template = templates ? rnd.pick(templates) : null;
    const url = `https://mcp.internal.example/${server.name}/mcp`;
    const containerized = rnd.chance(0.5);
    const owners = tenantsOfTeam.get(server.team) ?? world.tenants.map((t) => t.name);
    return {
      name: server.name,
      displayName: server.displayName,
      displayNameKey: sanitizeObotName(server.displayName),
      shortDescription: server.shortDescription,
      description: template ? `${template.shortDescription}\n\n${template.description}` : "",
      transport: "streamable-http",
      endpoint: containerized ? null : url,
      runtime: containerized
        ? { type: "containerized", image: `ghcr.io/example/${server.family}-mcp:1.${i % 10}.0`, port: 8080, path: "/mcp", command: "", args: [] }
        : { type: "remote", fixedURL: url, headers: [] },
      scope: server.scope,
      ownerTenant: server.scope === "personal" ? (server.owner ?? rnd.pick(owners)) : null,
      status: server.status,
      categories: template?.categories.slice(0, 5) ?? [],
      icon: template?.icon ?? "",
      repoUrl: template?.repoUrl ?? "",
      toolPreview: toolsFor(server, template, rnd),
      createdAt: now,
      updatedAt: now,
      createdBy: ACTOR,
      updatedBy: ACTOR,
    } satisfies ServerRow;
  });
}

/** Inserts `rows` in multi-row statements that stay under Postgres's parameter limit. */
async function insertAll<T extends Record<string, unknown>>(db: Db, table: PgTable, rows: readonly T[]): Promise<void> {
  if (rows.length === 0) return;
  const perRow = Math.max(...rows.slice(0, 100).map((row) => Object.keys(row).length));
  const chunk = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / perRow)));
  for (let i = 0; i < rows.length; i += chunk) await db.insert(table).values(rows.slice(i, i + chunk) as never);
}

export interface TenantCredential {
  tenant: string;
  token: string;
}

export interface LoadedWorld {
  world: World;
  /** One token per tenant (as many as `tokens` asked for), in tenant order. */
  credentials: TenantCredential[];
  revision: number;
  counts: { servers: number; activeServers: number; tenants: number; groups: number; memberships: number; rules: number; tokens: number; toolPreviews: number };
  /** Whether the servers' texts and tools come from the real Obot catalog entries, and how many. */
  catalogTemplates: number;
  /** Milliseconds per step: generate, then one per table. */
  ms: Record<string, number>;
}

export interface LoadOptions {
  /** The clock for expiries and timestamps; default now. */
  now?: Date;
  /** How many tenants get a token (the first ones by name); default all. */
  tokens?: number;
  /** The directory holding obot-mcp-catalog/; default BENCH_SHARED_DATA or ../shared/data (defaultSharedData()). */
  sharedData?: string;
}

/**
 * Writes the world of `sizes` into an empty, migrated database in one transaction and bumps the
 * catalog revision. Rules keep the policy world's expiries relative to `now`, about one in seven of
 * them already past, as in a real catalog.
 */
/** A generated rule name made unique with a suffix, as the store does for a rule saved without a name. */
function uniqueRuleName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

export async function loadWorld(db: Db, sizes: WorldSizes, options: LoadOptions = {}): Promise<LoadedWorld> {
  const now = options.now ?? new Date();
  const ms: Record<string, number> = {};
  let started = performance.now();
  const lap = (step: string) => {
    ms[step] = performance.now() - started;
    started = performance.now();
  };

  const world = generateWorld(sizes, { now, expired: true });
  const templates = readCatalogTemplates(options.sharedData);
  const servers = serverRows(world, templates, now);
  const stamp = { createdAt: now, updatedAt: now, createdBy: ACTOR, updatedBy: ACTOR };
  const tenantRows = world.tenants.map((t) => ({ name: t.name, displayName: t.displayName, team: t.team, labels: t.labels, mcpPolicy: t.mcpPolicy, ...stamp }));
  const groupRows = world.groups.map((g) => ({ name: g.name, description: `synthetic group of ${g.members.length}`, ...stamp }));
  const memberRows = world.groups.flatMap((g) => g.members.map((tenantName) => ({ groupName: g.name, tenantName })));
  const takenRuleNames = new Set<string>();
  const ruleRows = world.rules.map((r) => ({
    name: uniqueRuleName(generatedRuleName(r.subject, r.servers), takenRuleNames),
    subject: r.subject,
    subjectType: r.subject.type,
    subjectName: r.subject.type === "group" || r.subject.type === "tenant" ? r.subject.name : null,
    servers: r.servers,
    access: r.access,
    note: r.note,
    expiresAt: r.expiresAt,
    ...stamp,
  }));
  const credentials = world.tenants.slice(0, options.tokens ?? world.tenants.length).map((t) => ({ tenant: t.name, token: newSecret(TOKEN_PREFIX) }));
  const tokenRows = credentials.map(({ tenant, token }) => ({
    tenantName: tenant,
    name: BENCH_TOKEN_NAME,
    tokenHash: hashSecret(token),
    prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    createdAt: now,
    expiresAt: new Date(now.getTime() + 7 * 86_400_000),
    createdBy: ACTOR,
  }));
  lap("generate");

  const revision = await db.transaction(async (tx) => {
    // Tenants first: personal servers name their owner tenant.
    await insertAll(tx, tenants, tenantRows);
    lap("tenants");
    await insertAll(tx, mcpServers, servers);
    lap("servers");
    await insertAll(tx, groups, groupRows);
    await insertAll(tx, groupMembers, memberRows);
    lap("groups");
    await insertAll(tx, grants, ruleRows);
    lap("rules");
    await insertAll(tx, tenantTokens, tokenRows);
    lap("tokens");
    const [row] = await tx
      .insert(catalogState)
      .values({ id: 1, revision: 1 })
      .onConflictDoUpdate({ target: catalogState.id, set: { revision: sql`${catalogState.revision} + 1`, updatedAt: sql`now()` } })
      .returning({ revision: catalogState.revision });
    return row!.revision;
  });

  return {
    world,
    credentials,
    revision,
    catalogTemplates: templates?.length ?? 0,
    counts: {
      servers: servers.length,
      activeServers: servers.filter((s) => s.status === "active").length,
      tenants: tenantRows.length,
      groups: groupRows.length,
      memberships: memberRows.length,
      rules: ruleRows.length,
      tokens: tokenRows.length,
      toolPreviews: servers.reduce((sum, s) => sum + (s.toolPreview?.length ?? 0), 0),
    },
    ms,
  };
}
