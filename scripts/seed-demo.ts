/**
 * `npm run seed:demo`: loads the demo catalog into the configured database (embedded PGlite in
 * ./.data, or DATABASE_URL). With the embedded database, stop the server first (or use the
 * "Load demo catalog" button on an empty catalog page instead).
 */
import { SYSTEM } from "../src/server/audit/audit";
import { loadDemoCatalog } from "../src/server/catalog/demo";
import { loadConfig } from "../src/server/config";
import { openDatabase } from "../src/server/db/client";

async function main() {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const { created, skipped } = await loadDemoCatalog(database.db, { actor: { kind: "system", id: "seed:demo" } } satisfies typeof SYSTEM);
    console.log(`demo catalog in ${database.location}: created ${created.length} servers${created.length ? ` (${created.join(", ")})` : ""}`);
    if (skipped.length > 0) console.log(`already present, left as they are: ${skipped.join(", ")}`);
  } finally {
    await database.close();
  }
}

main().catch((error: Error) => {
  console.error(`seed:demo failed: ${error.message}`);
  process.exit(1);
});
