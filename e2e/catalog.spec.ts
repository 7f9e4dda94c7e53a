import { E2E_INTERNAL_PORT } from "./env";
import { expect, publishServer, remoteServer, seedServer, test, uniqueName, type ObotEntry } from "./support";

// First in the suite: the web server starts from an emptied data directory.
test("an admin loads the demo catalog from the empty catalog page", async ({ page, api }) => {
  const { total } = await (await api.get("/api/v1/mcp-servers?limit=1")).json();
  test.skip(total > 0, "needs an empty catalog; it runs first against the fresh data directory");

  await page.goto("/servers");
  await expect(page.getByRole("heading", { name: "The catalog is empty" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create server" }).last()).toBeVisible();
  await expect(page.getByRole("link", { name: "Import" }).last()).toBeVisible();
  await page.getByRole("button", { name: "Load demo catalog" }).click();

  await expect(page.getByRole("status")).toContainText("Loaded the demo catalog");
  await expect(page.getByRole("link", { name: "github", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "The catalog is empty" })).toBeHidden();
});

test("an admin creates a server, fixes the field the form flagged, publishes it, and Obot's feed serves it", async ({ page, request }) => {
  const name = uniqueName("e2e-create");
  const displayName = `E2E ${name.slice(-9)}`;

  await page.goto("/servers/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await page.getByRole("textbox", { name: "Display name" }).fill(displayName);
  const fixedUrl = page.getByRole("textbox", { name: "Fixed URL" });
  await fixedUrl.fill("not-a-url");
  await page.getByRole("button", { name: "Create server" }).click();

  // The error sits next to the fixed URL field and is its accessible description.
  await expect(fixedUrl).toHaveAttribute("aria-invalid", "true");
  await expect(fixedUrl).toHaveAccessibleDescription(/'not-a-url' must be an absolute http:\/\/ or https:\/\/ URL/);
  await expect(page.locator("#field-runtime-fixedURL-error")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Display name" })).not.toHaveAttribute("aria-invalid");
  await expect(page).toHaveURL(/\/servers\/new$/);

  await fixedUrl.fill(`https://${name}.example.com/mcp`);
  await expect(fixedUrl).not.toHaveAttribute("aria-invalid");
  await page.getByRole("button", { name: "Create server" }).click();

  await expect(page).toHaveURL(new RegExp(`/servers/${name}$`));
  await expect(page.getByRole("heading", { level: 1, name: displayName })).toBeVisible();
  await expect(page.locator("[data-status]").first()).toHaveText("draft");

  await page.getByRole("button", { name: "Publish" }).click();
  const dialog = page.getByRole("dialog", { name: `Publish ${displayName}?` });
  await expect(dialog).toContainText("Obot will offer it on its next sync");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator("[data-status]").first()).toHaveText("active");

  const feed = await request.get("/api/internal/obot-registry");
  expect(feed.status()).toBe(200);
  const entries: ObotEntry[] = await feed.json();
  const entry = entries.find((e) => e.entryKey === name);
  expect(entry, `feed entry with entryKey ${name}`).toBeDefined();
  expect(entry).toMatchObject({ name: displayName, runtime: "remote", remoteConfig: { fixedURL: `https://${name}.example.com/mcp` } });
});

test("a field error from the server (display name taken) is shown next to that field", async ({ page, api }) => {
  const taken = await seedServer(api, remoteServer(uniqueName("e2e-taken"), `Taken ${Date.now().toString(36)}`));

  await page.goto("/servers/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(uniqueName("e2e-clash"));
  const displayName = page.getByRole("textbox", { name: "Display name" });
  await displayName.fill(taken.displayName.toUpperCase());
  await page.getByRole("textbox", { name: "Fixed URL" }).fill("https://clash.example.com/mcp");
  await page.getByRole("button", { name: "Create server" }).click();

  await expect(displayName).toHaveAttribute("aria-invalid", "true");
  await expect(displayName).toHaveAccessibleDescription(new RegExp(`already used by server '${taken.name}'`));
  await expect(displayName).toBeFocused();
  await expect(page).toHaveURL(/\/servers\/new$/);
});

test("search and filters narrow the catalog table and live in the URL", async ({ page, api }) => {
  const token = uniqueName("e2e-filter");
  await seedServer(api, remoteServer(`${token}-remote`, `Filter remote ${token.slice(-9)}`, { categories: ["E2E filters"] }));
  await seedServer(api, {
    name: `${token}-npx`,
    displayName: `Filter npx ${token.slice(-9)}`,
    runtime: { type: "npx", package: "e2e-server@1.0.0", args: [] },
  });

  await page.goto("/servers");
  const rows = page.locator("tbody tr");
  await page.getByRole("searchbox", { name: "Search" }).fill(token);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${token}`));
  await expect(rows).toHaveCount(2);
  await expect(page.getByText("2 servers match")).toBeVisible();

  await page.getByRole("combobox", { name: "Runtime" }).selectOption("npx");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`${token}-npx`);
  await expect(page).toHaveURL(/[?&]runtime=npx/);

  // The filtered view is shareable: a fresh load of the URL shows the same rows.
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(page.getByRole("combobox", { name: "Runtime" })).toHaveValue("npx");

  await page.getByRole("combobox", { name: "Runtime" }).selectOption("containerized");
  await expect(page.getByText("No servers match these filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).last().click();
  await expect(page).toHaveURL(/\/servers$/);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("");

  await page.getByRole("combobox", { name: "Category" }).selectOption("E2E filters");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`${token}-remote`);

  // Enter on a row's name opens the server.
  await rows.first().getByRole("link").focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/servers/${token}-remote$`));
});

test("sorting by a column header reorders the catalog", async ({ page, api }) => {
  const token = uniqueName("e2e-sort");
  for (const suffix of ["a", "b", "c"]) {
    await seedServer(api, remoteServer(`${token}-${suffix}`, `Sort ${suffix} ${token.slice(-9)}`));
  }
  await page.goto(`/servers?q=${token}`);
  // The first cell of an editor's row is its selection checkbox; the name comes next.
  const names = page.locator("tbody tr td:nth-child(2)");
  await expect(names).toHaveText([`${token}-a`, `${token}-b`, `${token}-c`]);
  await page.getByRole("button", { name: "Name", exact: true }).click();
  await expect(names).toHaveText([`${token}-c`, `${token}-b`, `${token}-a`]);
  await expect(page).toHaveURL(/order=desc/);
  await expect(page.getByRole("columnheader", { name: "Name", exact: true })).toHaveAttribute("aria-sort", "descending");
});

test("saving an edit made on a stale version shows who changed it and offers a reload", async ({ page, api }) => {
  const seeded = await seedServer(api, remoteServer(uniqueName("e2e-stale"), `Stale ${Date.now().toString(36)}`));

  await page.goto(`/servers/${seeded.name}/edit`);
  await expect(page.getByRole("textbox", { name: "Name", exact: true })).toHaveValue(seeded.name);
  await expect(page.getByRole("textbox", { name: "Name", exact: true })).toHaveAttribute("readonly", "");

  // Someone else saves first (version 1 → 2).
  const patched = await api.patch(`/api/v1/mcp-servers/${seeded.name}`, {
    data: { version: seeded.version, shortDescription: "Changed by the CLI" },
  });
  expect(patched.status()).toBe(200);

  await page.getByRole("textbox", { name: "Short description" }).fill("Changed in the browser");
  await page.getByRole("button", { name: "Save changes" }).click();
  const conflict = page.getByRole("alert").filter({ hasText: "Someone else changed this server" });
  await expect(conflict).toContainText("bootstrap-token saved version 2");

  await conflict.getByRole("button", { name: "Reload the server" }).click();
  await expect(conflict).toBeHidden();
  await expect(page.getByRole("textbox", { name: "Short description" })).toHaveValue("Changed by the CLI");

  await page.getByRole("textbox", { name: "Short description" }).fill("Changed in the browser");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/servers/${seeded.name}$`));
  await expect(page.getByText("Changed in the browser")).toBeVisible();
});

test("renaming an active server asks for confirmation before Obot sees the new name", async ({ page, request, api }) => {
  const seeded = await seedServer(api, remoteServer(uniqueName("e2e-rename"), `Before ${Date.now().toString(36)}`));
  await publishServer(api, seeded.name);
  const renamed = `After ${Date.now().toString(36)}`;

  await page.goto(`/servers/${seeded.name}/edit`);
  await page.getByRole("textbox", { name: "Display name" }).fill(renamed);
  await page.getByRole("button", { name: "Save changes" }).click();

  const dialog = page.getByRole("dialog", { name: "Change the display name of a published server?" });
  await expect(dialog).toContainText("deletes the old entry and shuts down servers deployed from it");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/edit$/);

  await page.getByRole("button", { name: "Save changes" }).click();
  await dialog.getByRole("button", { name: "Change the display name" }).click();
  await expect(page).toHaveURL(new RegExp(`/servers/${seeded.name}$`));
  await expect(page.getByRole("heading", { level: 1, name: renamed })).toBeVisible();

  const entries: ObotEntry[] = await (await request.get("/api/internal/obot-registry")).json();
  expect(entries.find((e) => e.entryKey === seeded.name)?.name).toBe(renamed);
});

test("the detail page shows the exact Obot entry the feed serves", async ({ page, request, api }) => {
  const seeded = await seedServer(
    api,
    remoteServer(uniqueName("e2e-detail"), `Detail ${Date.now().toString(36)}`, {
      categories: ["Testing"],
      env: [{ key: "API_KEY", name: "API key", required: true, sensitive: true }],
      toolPreview: [{ name: "ping", description: "Answers pong", params: { message: "What to echo" } }],
    }),
  );

  await page.goto(`/servers/${seeded.name}`);
  await page.getByRole("tab", { name: "Obot entry" }).click();
  await expect(page.getByRole("tabpanel")).toContainText("Served once published");

  await publishServer(api, seeded.name);
  await page.reload();
  await page.getByRole("tab", { name: "Obot entry" }).click();
  const json = page.getByTestId("obot-entry-json");
  await expect(json).toContainText(`"entryKey": "${seeded.name}"`);

  const entries: ObotEntry[] = await (await request.get("/api/internal/obot-registry")).json();
  const served = entries.find((e) => e.entryKey === seeded.name);
  expect(JSON.parse((await json.textContent()) ?? "")).toEqual(served);

  await page.getByRole("tab", { name: /Tool preview/ }).click();
  await expect(page.getByRole("tabpanel")).toContainText("Answers pong");
  await page.getByRole("tab", { name: /Environment/ }).click();
  await expect(page.getByRole("tabpanel")).toContainText("API_KEY");
});

test("an unknown server shows the not-found page", async ({ page }) => {
  const response = await page.goto("/servers/no-such-server-e2e");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "No such server" })).toBeVisible();
});

test("the dashboard tells when Obot last fetched the catalog", async ({ page, request }) => {
  await request.get("/api/internal/obot-registry", { headers: { "User-Agent": "obot-e2e/1.0" } });
  await page.goto("/");
  await expect(page.getByTestId("obot-last-fetch")).toContainText("Obot last fetched the catalog");
  await expect(page.getByTestId("obot-last-fetch")).toContainText("obot-e2e/1.0");
  // Machines poll the internal port: the URL to give Obot names it.
  await expect(page.getByRole("textbox", { name: "Catalog feed URL" })).toHaveValue(`http://127.0.0.1:${E2E_INTERNAL_PORT}/api/internal/obot-registry`);
});

test("importing documents reports what was created and rejected", async ({ page }) => {
  const name = uniqueName("e2e-import");
  await page.goto("/import");
  await page.getByRole("textbox", { name: "Documents" }).fill(
    JSON.stringify([
      { name: `Imported ${name.slice(-9)}`, entryKey: name, runtime: "remote", remoteConfig: { fixedURL: "https://imported.example.com/mcp" } },
      { name: "Unpinned", entryKey: `${name}-bad`, runtime: "npx", npxConfig: { package: "some-server" } },
    ]),
  );
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByRole("region", { name: "Import result" });
  await expect(result.getByRole("link", { name })).toBeVisible();
  await expect(result).toContainText("Document 2 (index 1)");
  await expect(result).toContainText("must pin an exact version");
  await result.getByRole("link", { name }).click();
  await expect(page).toHaveURL(new RegExp(`/servers/${name}$`));
});
