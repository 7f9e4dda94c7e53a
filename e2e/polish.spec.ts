/**
 * Previews that catch mistakes before saving (issue 16, item 4), and the words and defaults that
 * keep an admin from surprises (items 5 and 6): a typo in a rule's servers, a draft-only target, a
 * rule that repeats another, the override lists, Rules under one name, state-appropriate actions,
 * linkable tabs, readable history, the audit log's choices, safe token defaults, the setup page.
 */
import type { APIRequestContext } from "@playwright/test";
import { E2E_BOOTSTRAP_TOKEN } from "./env";
import { expect, publishServer, remoteServer, seedServer, test, uniqueName } from "./support";

test.describe.configure({ mode: "serial" });

const run = uniqueName("pol");
const ACTIVE = `${run}-github`;
const DRAFT = `${run}-gitlab`;
const GROUP = `${run}-grp`;
const TENANT = `${run}-t`;
const seeded: string[] = [];

async function seed(api: APIRequestContext) {
  await seedServer(api, remoteServer(ACTIVE, `Polish ${run.slice(-8)} GitHub`));
  seeded.push(ACTIVE);
  await publishServer(api, ACTIVE);
  await seedServer(api, remoteServer(DRAFT, `Polish ${run.slice(-8)} GitLab`));
  seeded.push(DRAFT);
  expect((await api.post("/api/v1/groups", { data: { name: GROUP } })).status()).toBe(201);
  expect((await api.post("/api/v1/tenants", { data: { name: TENANT } })).status()).toBe(201);
}

// catalog.spec.ts starts with a test that needs an empty catalog: leave none of ours behind.
test.afterAll(async ({ playwright, baseURL }) => {
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` } });
  await api.delete(`/api/v1/groups/${GROUP}`);
  await api.delete(`/api/v1/tenants/${TENANT}`);
  for (const name of seeded) {
    await api.post(`/api/v1/mcp-servers/${name}/disable`, { data: {} });
    await api.delete(`/api/v1/mcp-servers/${name}`);
  }
  await api.dispose();
});

test("the rule form suggests server names and warns about a typo, a draft-only target and a repeated rule before saving", async ({ page, api }) => {
  await seed(api);
  // The old address of the page still works, and keeps its filters.
  await page.goto(`/grants?server=${ACTIVE}`);
  await expect(page).toHaveURL(new RegExp(`/rules\\?server=${ACTIVE}$`));
  await expect(page.getByRole("heading", { level: 1, name: "Rules" })).toBeVisible();

  await page.getByRole("button", { name: "Create rule" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a rule" });
  await dialog.getByRole("combobox", { name: "Group" }).selectOption(GROUP);
  const servers = dialog.getByRole("combobox", { name: /^Servers/ });
  // Suggestions: the active and the draft server are offered, the draft marked as such.
  await expect(dialog.locator(`datalist option[value="${ACTIVE}"]`)).toHaveCount(1);
  await expect(dialog.locator(`datalist option[value="${DRAFT}"]`)).toHaveText("draft");

  const typo = ACTIVE.replace("github", "githb");
  await servers.fill(typo);
  const check = dialog.getByTestId("pattern-check");
  await expect(check).toHaveAttribute("data-tone", "warning");
  await expect(check).toContainText(`Matches no server. Did you mean ${ACTIVE}?`);
  await expect(servers).toHaveAccessibleDescription(new RegExp(`Did you mean ${ACTIVE}\\?`));
  await dialog.getByRole("button", { name: `Use ${ACTIVE}` }).click();
  await expect(servers).toHaveValue(ACTIVE);
  await expect(check).toHaveText(`Matches 1 active server: ${ACTIVE}`);

  await servers.fill(DRAFT);
  await expect(check).toContainText(`Matches no active server, only ${DRAFT} (draft)`);

  // Saved, the rule is then a duplicate for the next one that says the same.
  await servers.fill(ACTIVE);
  await expect(dialog.getByTestId("duplicate-rule")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Preview impact" }).click();
  await dialog.getByRole("button", { name: "Create rule" }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole("button", { name: "Create rule" }).click();
  await dialog.getByRole("combobox", { name: "Group" }).selectOption(GROUP);
  await servers.fill(ACTIVE);
  await expect(dialog.getByTestId("duplicate-rule")).toContainText(`A rule already says this: allow group ${GROUP} the servers ${ACTIVE}.`);
  await dialog.getByRole("radio", { name: "Deny" }).check();
  await expect(dialog.getByTestId("duplicate-rule")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Cancel" }).click();
});

test("the tenant override lists flag a pattern matching no server and offer the closest name", async ({ page }) => {
  await page.goto(`/tenants/${TENANT}`);
  await page.getByRole("button", { name: "Edit" }).first().click();
  const dialog = page.getByRole("dialog", { name: `Edit tenant ${TENANT}` });
  const allow = dialog.getByRole("textbox", { name: "Always allow" });
  await allow.fill(`${ACTIVE}x`);
  await expect(dialog.getByTestId("pattern-check")).toContainText(`${ACTIVE}x: Matches no server. Did you mean ${ACTIVE}?`);
  await dialog.getByRole("button", { name: `Use ${ACTIVE}` }).click();
  await expect(allow).toHaveValue(ACTIVE);
  await expect(dialog.getByTestId("pattern-check")).toHaveCount(0);
  // A name picked from the suggestions is added to the list.
  await dialog.getByRole("combobox", { name: "Add a server to always deny" }).fill(DRAFT);
  await dialog.getByRole("button", { name: "Add to always deny" }).click();
  await expect(dialog.getByRole("textbox", { name: "Always deny" })).toHaveValue(DRAFT);
  await expect(dialog.getByTestId("pattern-check")).toContainText(`${DRAFT}: Matches no active server, only ${DRAFT} (draft)`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
});

test("a draft offers no Disable, tabs are in the address, and history reads as words", async ({ page }) => {
  await page.goto(`/servers/${DRAFT}`);
  await expect(page.getByRole("button", { name: "Publish" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Delete" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Disable" })).toHaveCount(0);

  await page.getByRole("tab", { name: "History" }).click();
  await expect(page).toHaveURL(new RegExp(`/servers/${DRAFT}\\?tab=history$`));
  await page.reload();
  await expect(page.getByRole("tab", { name: "History" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("tabpanel").locator("tbody tr").first()).toContainText("Server created");
  await expect(page.getByRole("tabpanel")).not.toContainText("mcp_server.create");
  await page.getByRole("tab", { name: "Overview" }).click();
  await expect(page).toHaveURL(new RegExp(`/servers/${DRAFT}$`));
});

test("the audit log filters by chosen action and entity type", async ({ page }) => {
  await page.goto("/audit");
  await page.getByRole("combobox", { name: "Action" }).selectOption({ label: "Server published" });
  await page.getByRole("combobox", { name: "Entity type" }).selectOption({ label: "Server" });
  await page.getByRole("textbox", { name: "Entity ID" }).fill(ACTIVE);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=mcp_server.publish&entityType=mcp_server/);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Server published");
  await expect(page.getByRole("textbox", { name: "From (UTC)" })).toBeVisible();
});

test("a new API token starts at the lowest role", async ({ page }) => {
  await page.goto("/settings/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API token" });
  await expect(dialog.getByRole("radio", { name: /^viewer/ })).toBeChecked();
  await dialog.getByRole("button", { name: "Cancel" }).click();
});
