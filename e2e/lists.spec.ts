/**
 * Every list scales (issue 16): tenants, groups, rules, a tenant's servers, sources and the review
 * queue are paged, filtered and sorted by the server, with the view in the URL; the compiler's
 * warnings are grouped by kind, collapsed and filterable.
 */
import { expect, publishServer, remoteServer, seedServer, test, uniqueName } from "./support";

const run = uniqueName("lists");
const TENANTS = Array.from({ length: 60 }, (_, i) => `${run}-t${String(i).padStart(2, "0")}`);
const GROUP = `${run}-g`;
const SERVER = `${run}-srv`;
const DRAFT = `${run}-draft`;

test.beforeAll(async ({ api }) => {
  for (const name of TENANTS) {
    const response = await api.post("/api/v1/tenants", { data: { name, team: "lists" } });
    expect(response.status(), await response.text()).toBe(201);
  }
  expect((await api.post("/api/v1/groups", { data: { name: GROUP, description: "every lists tenant", members: TENANTS } })).status()).toBe(201);
  await seedServer(api, remoteServer(SERVER, `Lists server ${run}`));
  await publishServer(api, SERVER);
  await seedServer(api, remoteServer(DRAFT, `Lists draft ${run}`));
  for (const [subject, servers, access] of [
    [{ type: "group", name: GROUP }, SERVER, "allow"],
    [{ type: "tenant", name: TENANTS[7] }, SERVER, "deny"],
    // Names a draft: the compiler warns that the pattern matches only servers that are not active.
    [{ type: "tenant", name: TENANTS[8] }, DRAFT, "allow"],
  ] as const) {
    const response = await api.post("/api/v1/grants", { data: { subject, servers, access } });
    expect(response.status(), await response.text()).toBe(201);
  }
});

test("the tenant list pages on the server, and its search and page live in the URL", async ({ page }) => {
  await page.goto(`/tenants?q=${run}`);
  const rows = page.getByRole("table", { name: "Tenants" }).locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(page.getByText(/^60 (of \d+ )?tenants$/)).toBeVisible();
  await expect(rows.first()).toContainText(TENANTS[0]!);

  await page.getByRole("navigation", { name: "Tenant pages" }).getByRole("button", { name: "Next →" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants\\?q=${run}&page=2$`));
  await expect(rows).toHaveCount(10);
  await expect(rows.first()).toContainText(TENANTS[50]!);
  await expect(page.getByText("Page 2 of 2")).toBeVisible();

  // A reload (or a shared link) opens the same page.
  await page.reload();
  await expect(rows).toHaveCount(10);

  // Typing narrows the list once typing pauses, back on page one, and the URL follows.
  await page.getByRole("searchbox", { name: "Search tenants" }).fill(TENANTS[42]!);
  await expect(page).toHaveURL(new RegExp(`/tenants\\?q=${TENANTS[42]}$`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(TENANTS[42]!);

  // Sorting is the server's too, and the sort is in the URL.
  await page.goto(`/tenants?q=${run}&sort=name&order=desc`);
  await expect(rows.first()).toContainText(TENANTS[59]!);
  await expect(page.getByRole("searchbox", { name: "Search tenants" })).toHaveValue(run);
});

test("a group shows its first members and links to the rest as a filtered tenant list", async ({ page }) => {
  await page.goto(`/groups?q=${GROUP}`);
  const row = page.getByRole("row", { name: new RegExp(GROUP) });
  await expect(row).toContainText("60 tenants");
  await expect(row.getByRole("link", { name: TENANTS[0] })).toBeVisible();
  await row.getByRole("link", { name: "+36 more" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants\\?group=${GROUP}$`));
  await expect(page.getByText(`Members of ${GROUP}`)).toBeVisible();
  await expect(page.getByText(/^60 (of \d+ )?tenants$/)).toBeVisible();
});

test("rules filter on the server by the server a pattern matches and by access, with the filters in the URL", async ({ page }) => {
  await page.goto(`/rules?server=${SERVER}`);
  const rows = page.getByRole("table", { name: "Rules" }).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await page.getByRole("combobox", { name: "Access" }).selectOption("deny");
  await expect(page).toHaveURL(new RegExp(`/rules\\?access=deny&server=${SERVER}$`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`tenant ${TENANTS[7]}`);

  await page.getByRole("searchbox", { name: "Server" }).fill(DRAFT);
  await expect(page).toHaveURL(new RegExp(`/rules\\?access=deny&server=${DRAFT}$`));
  await expect(page.getByRole("heading", { name: "No rule matches these filters" })).toBeVisible();
});

test("the compiler's warnings are grouped by kind with counts, collapsed, and filterable", async ({ page }) => {
  await page.goto("/rules");
  const warnings = page.getByRole("region", { name: "Policy warnings" });
  const kind = warnings.locator("details").filter({ hasText: "Patterns matching only servers that are not active" });
  await expect(kind).toBeVisible();
  await expect(kind).not.toHaveAttribute("open");
  await expect(warnings.getByText(`'${DRAFT}'`)).toHaveCount(0);

  await warnings.getByRole("searchbox", { name: "Filter warnings" }).fill(DRAFT);
  await expect(kind.locator("summary")).toContainText(/\(1 of \d+\)/);
  await kind.locator("summary").click();
  await expect(kind.getByRole("listitem")).toHaveCount(1);
  await expect(kind.getByRole("listitem")).toContainText(`'${DRAFT}'`);
});

test("a tenant's servers are paged and filtered on the server, with the filter in the URL", async ({ page }) => {
  await page.goto(`/tenants/${TENANTS[7]}?q=${SERVER}`);
  const table = page.getByRole("table", { name: /whether .* may use it/ });
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(table.locator("tbody tr").first()).toContainText(SERVER);
  await page.getByRole("combobox", { name: "Decision" }).selectOption("allow");
  await expect(page).toHaveURL(new RegExp(`\\?q=${SERVER}&decision=allow$`));
  await expect(page.getByRole("heading", { name: "No server matches these filters" })).toBeVisible();
});

test("the review queue pages each queue on the server, with its search, source and page in the URL", async ({ page, api }) => {
  // 23 documents pointing at a private address: each is held (quarantined) for review.
  const tag = uniqueName("lists-held").toLowerCase();
  const held = Array.from({ length: 23 }, (_, i) => `${tag}-${String(i).padStart(2, "0")}`);
  const yaml = held
    .map((name) => `name: ${name}\nshortDescription: ${name} tools\nruntime: remote\nremoteConfig:\n  fixedURL: http://10.1.2.3/mcp\n`)
    .join("---\n");
  const imported = await api.post("/api/v1/mcp-servers/import", { data: yaml, headers: { "content-type": "application/yaml" } });
  expect(imported.status(), await imported.text()).toBe(200);
  expect((await imported.json()).quarantined).toHaveLength(23);

  await page.goto(`/review?q=${tag}`);
  const items = page.getByTestId("quarantined-item");
  await expect(items).toHaveCount(20);
  await expect(page.getByRole("heading", { name: /^Quarantined/ })).toContainText(/\(23 of \d+\)|\(23\)/);
  await expect(page.getByRole("searchbox", { name: "Search the queue" })).toHaveValue(tag);

  await page.getByRole("navigation", { name: "Quarantined pages" }).getByRole("button", { name: "Next →" }).click();
  await expect(page).toHaveURL(new RegExp(`/review\\?q=${tag}&held=2$`));
  await expect(items).toHaveCount(3);
  await expect(page.getByRole("navigation", { name: "Quarantined pages" })).toContainText("Page 2 of 2");
  // A reload (or a shared link) opens the same page.
  await page.reload();
  await expect(items).toHaveCount(3);

  // Sorted by name on the server: the first page starts with the first name.
  await page.goto(`/review?q=${tag}&sort=name`);
  await expect(items.first()).toHaveAttribute("data-upstream-id", new RegExp(`${held[0]}$`));
  await expect(items.nth(19)).toHaveAttribute("data-upstream-id", new RegExp(`${held[19]}$`));

  // Typing narrows every queue once typing pauses, back on page one, and the URL follows.
  await page.getByRole("searchbox", { name: "Search the queue" }).fill(held[21]!);
  await expect(page).toHaveURL(new RegExp(`/review\\?q=${held[21]}&sort=name$`));
  await expect(items).toHaveCount(1);
  await expect(page.getByText("No pending update matches these filters.")).toBeVisible();

  // The source filter: these came through the built-in upload source, none through another.
  await page.goto(`/review?q=${tag}&source=uploads`);
  await expect(items).toHaveCount(20);
  await page.getByRole("searchbox", { name: "Source" }).fill(`${tag}-nowhere`);
  await expect(page).toHaveURL(new RegExp(`/review\\?q=${tag}&source=${tag}-nowhere$`));
  await expect(page.getByText("No quarantined item matches these filters.")).toBeVisible();
});

test("sources are paged, filtered and sorted on the server, with the view in the URL", async ({ page, api }) => {
  const prefix = uniqueName("lists-src").toLowerCase();
  const names = Array.from({ length: 52 }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
  for (const [i, name] of names.entries()) {
    const body =
      i === 51 ? { name, kind: "mcp-registry", url: `https://registry-${i}.example.com` } : { name, kind: "git", url: `https://git.example.com/${name}.git` };
    const created = await api.post("/api/v1/sources", { data: body });
    expect(created.status(), await created.text()).toBe(201);
  }

  await page.goto(`/sources?q=${prefix}`);
  const rows = page.getByRole("table", { name: /Third-party sources/ }).locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(page.getByText(/^52 (of \d+ )?sources$/)).toBeVisible();
  await expect(rows.first()).toContainText(names[0]!);

  await page.getByRole("navigation", { name: "Source pages" }).getByRole("button", { name: "Next →" }).click();
  await expect(page).toHaveURL(new RegExp(`/sources\\?q=${prefix}&page=2$`));
  await expect(rows).toHaveCount(2);
  await page.reload();
  await expect(rows).toHaveCount(2);

  // A filter goes back to page one and lives in the URL.
  await page.getByRole("combobox", { name: "Kind" }).selectOption("mcp-registry");
  await expect(page).toHaveURL(new RegExp(`/sources\\?q=${prefix}&kind=mcp-registry$`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(names[51]!);

  // Sorting is the server's: name, descending.
  await page.goto(`/sources?q=${prefix}&order=desc`);
  await expect(rows.first()).toContainText(names[51]!);
  await expect(page.getByRole("searchbox", { name: "Search sources" })).toHaveValue(prefix);
});
