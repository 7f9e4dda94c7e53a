import { defineConfig } from "@playwright/test";
import { ADMIN_STATE, E2E_BOOTSTRAP_TOKEN, E2E_DATA_DIR, E2E_INTERNAL_PORT, E2E_OBOT_PORT, E2E_PORT, E2E_SERVER_LOG } from "./e2e/env";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    // Runs first, against the fresh server: creates the first admin from the printed setup link.
    { name: "first-start", testMatch: /.*\.setup\.ts/ },
    { name: "console", testMatch: /.*\.spec\.ts/, dependencies: ["first-start"], use: { storageState: ADMIN_STATE } },
  ],
  webServer: {
    // The app as users start it: builds when sources changed, then serves the standalone server.
    command: "node e2e/serve.mjs",
    url: `http://127.0.0.1:${E2E_PORT}/api/readyz`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    // SIGTERM lets the server flush and close the embedded database.
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: {
      PORT: String(E2E_PORT),
      OPENCRANE_DATA_DIR: E2E_DATA_DIR,
      OPENCRANE_LISTEN_HOST: "127.0.0.1",
      OPENCRANE_INTERNAL_PORT: String(E2E_INTERNAL_PORT),
      OPENCRANE_INTERNAL_HOST: "127.0.0.1",
      OPENCRANE_BOOTSTRAP_TOKEN: E2E_BOOTSTRAP_TOKEN,
      // e2e/sources.spec.ts syncs a git repository it makes in a temporary directory; e2e/tools.spec.ts
      // discovers the tools of an MCP server it starts on loopback.
      OPENCRANE_FETCH_ALLOW_HOSTS: "file://,127.0.0.1",
      // The Obot link, against the stand-in Obot e2e/serve.mjs starts (e2e/obot.spec.ts).
      E2E_OBOT_PORT: String(E2E_OBOT_PORT),
      OPENCRANE_OBOT_URL: `http://127.0.0.1:${E2E_OBOT_PORT}`,
      OPENCRANE_OBOT_FEED_URL: `http://127.0.0.1:${E2E_INTERNAL_PORT}/api/internal/obot-registry`,
      OPENCRANE_OBOT_ENSURE_SECONDS: "5",
      E2E_SERVER_LOG,
    },
  },
});
