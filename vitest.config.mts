import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The fault suite starts and stops Postgres servers of its own: `npm run test:faults`.
    exclude: [...configDefaults.exclude, "test/faults/**"],
    environment: "node",
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own PGlite (about 100 MB) or Postgres database; two at a time fits 2 cores.
    maxWorkers: 2,
  },
});
