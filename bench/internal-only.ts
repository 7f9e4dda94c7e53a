/**
 * Part of `BENCH_ONLY=… BENCH_SERVER=internal npm run bench:scale`: the control plane's services
 * and its internal port (the machine feeds) without Next.js, so a focused memory or feed run needs
 * no `next build` (minutes on a busy 2-core machine). Reads the app's own environment
 * (DATABASE_URL or OPENCRANE_DATA_DIR, OPENCRANE_INTERNAL_PORT, …) and prints "serving on" once
 * the internal port listens.
 *
 *   node --import tsx bench/internal-only.ts
 */
import { loadConfig } from "../src/server/config";
import { openDatabase } from "../src/server/db/client";
import { startInternalServer } from "../src/server/feeds/internal-server";
import { startServices } from "../src/server/services";

async function main() {
  const config = loadConfig();
  if (!config.internalListener) throw new Error("OPENCRANE_INTERNAL_PORT is required");
  const database = await openDatabase(config);
  const services = await startServices(config, database);
  const server = await startInternalServer(services, config.internalListener.port, config.internalListener.host);
  console.log(`[opencrane] serving on http://${config.internalListener.host}:${config.internalListener.port} (internal port only)`);
  process.once("SIGTERM", () => {
    server.close();
    void services.close().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
