/** The stand-in Obot for the e2e server (started by e2e/serve.mjs): Obot's catalog API on E2E_OBOT_PORT, reading the feed. */
import { FakeObot } from "../test/support/fake-obot";

const port = Number(process.env.E2E_OBOT_PORT);
const feedUrl = process.env.OPENCRANE_OBOT_FEED_URL;
if (!port || !feedUrl) {
  console.error("e2e/fake-obot.ts: set E2E_OBOT_PORT and OPENCRANE_OBOT_FEED_URL (playwright.config.ts does)");
  process.exit(2);
}
const obot = new FakeObot({ defaultCatalogPath: feedUrl, port });
void obot.start().then(() => console.log(`[e2e] stand-in Obot on ${obot.url}, default catalog ${feedUrl}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void obot.close().then(() => process.exit(0)));
