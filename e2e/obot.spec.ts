/** The Obot link in the console, against the stand-in Obot e2e/serve.mjs starts (test/support/fake-obot.ts). */
import { expect, publishServer, remoteServer, seedServer, test, uniqueName } from "./support";

test("the dashboard shows the Obot link, and a published server's page says it is in Obot", async ({ page, api }) => {
  const name = uniqueName("e2e-obot");
  await seedServer(api, remoteServer(name, `Obot Link ${name.slice(-9)}`));
  await publishServer(api, name);

  // The link asks the stand-in Obot to refresh, which then reads the feed; the REST view follows.
  await expect
    .poll(
      async () => {
        const status = await (await api.get("/api/v1/obot")).json();
        return status.servers.find((s: { name: string }) => s.name === name)?.state;
      },
      { timeout: 20_000 },
    )
    .toBe("in-obot");

  await page.goto("/");
  const link = page.getByTestId("obot-link");
  await expect(link).toContainText("Obot link ok");
  await expect(page.getByTestId("obot-link-text")).toContainText(/Obot synced \d+ s ago/);

  await page.goto(`/servers/${name}`);
  await expect(page.getByTestId("obot-server-state")).toHaveText(/^in Obot, synced \d+ s ago$/);
});
