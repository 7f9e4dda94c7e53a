/**
 * Part of `npm run bench:scale`: migrates a fresh database and loads the world into it
 * (bench/scale-world.ts), in a process of its own before the app starts, then writes to BENCH_JSON
 * what the benchmark needs to know about it (the tenant tokens among it).
 *
 *   node --import tsx bench/scale-load.ts
 *
 * Env: the app's own DATABASE_URL (Postgres) or OPENCRANE_DATA_DIR (the embedded database), so the
 * world lands where the app will look; BENCH_SIZES (JSON {tenants, servers, groups, rules});
 * BENCH_JSON (where to write the result).
 */
import fs from "node:fs";
import path from "node:path";
import { openDatabase } from "../src/server/db/client";
import { loadWorld, type WorldSizes } from "./scale-world";

const MIGRATIONS = path.resolve(__dirname, "..", "drizzle");

async function main() {
  const sizes = JSON.parse(process.env.BENCH_SIZES ?? "null") as WorldSizes | null;
  const output = process.env.BENCH_JSON;
  if (!sizes || !output) throw new Error("BENCH_SIZES and BENCH_JSON are required");
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.OPENCRANE_DATA_DIR ?? ".data" });
  try {
    const started = performance.now();
    await database.migrate(MIGRATIONS);
    const migrateMs = performance.now() - started;
    const loaded = await loadWorld(database.db, sizes);
    const loadMs = performance.now() - started;
    const { world } = loaded;
    fs.writeFileSync(
      output,
      JSON.stringify({
        database: database.kind,
        sizes,
        revision: loaded.revision,
        counts: loaded.counts,
        catalogTemplates: loaded.catalogTemplates,
        ms: { migrate: migrateMs, ...loaded.ms, total: loadMs },
        credentials: loaded.credentials,
        tenants: world.tenants.map(({ name, labels, mcpPolicy }) => ({ name, labels, mcpPolicy })),
        groups: world.groups,
        servers: world.servers.map(({ name, scope, status }) => ({ name, scope, status })),
      }),
    );
    console.log(
      `loaded into ${database.kind} in ${(loadMs / 1000).toFixed(1)} s: ${Object.entries(loaded.counts)
        .map(([what, n]) => `${n} ${what}`)
        .join(", ")} (${Object.entries(loaded.ms)
        .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
        .join(", ")})`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
