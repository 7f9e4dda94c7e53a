/**
 * Every list scales (issue 16): tenants, groups, rules and a tenant's servers are paged, filtered
 * and sorted by the server, with the view in the URL; the compiler's warnings are grouped by kind,
 * collapsed and filterable.
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
