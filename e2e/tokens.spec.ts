import { expect, test } from "./support";

test("a user creates an API token, sees it once, uses it, and revokes it", async ({ page, playwright, baseURL }) => {
  const name = `e2e-ci-${Date.now().toString(36)}`;
  await page.goto("/settings/tokens");
  await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
  await page.getByRole("button", { name: "Create token" }).click();

  const dialog = page.getByRole("dialog", { name: "Create an API token" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await dialog.getByRole("radio", { name: /^viewer/ }).check();
  await dialog.getByRole("radio", { name: "30 days" }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();

  const created = page.getByRole("dialog", { name: `Token “${name}” created` });
  await expect(created.getByRole("alert")).toContainText("you will not see it again");
  const secret = await created.getByRole("textbox", { name: "Token" }).inputValue();
  expect(secret).toMatch(/^oct_/);
  await expect(created.getByTestId("token-curl")).toHaveText(`curl -H "Authorization: Bearer ${secret}" ${baseURL}/api/v1/mcp-servers`);

  const script = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${secret}` } });
  expect((await script.get("/api/v1/mcp-servers")).status()).toBe(200);
  // A viewer token cannot change anything, whoever created it.
  expect((await script.post("/api/v1/mcp-servers", { data: { name: "nope", displayName: "Nope" } })).status()).toBe(403);

  await created.getByRole("button", { name: "Done" }).click();
  await expect(created).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText(`${secret.slice(0, 10)}…`);
  await expect(row.locator("[data-role]")).toHaveText("viewer");
  await expect(row).not.toContainText(secret);

  await row.getByRole("button", { name: `Revoke token ${name}` }).click();
  const confirm = page.getByRole("dialog", { name: `Revoke token “${name}”?` });
  await confirm.getByRole("button", { name: "Revoke" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("revoked");
  expect((await script.get("/api/v1/mcp-servers")).status()).toBe(401);
  await script.dispose();
});

test("an admin can list every user's tokens with their owners", async ({ page }) => {
  await page.goto("/settings/tokens");
  await expect(page.getByRole("columnheader", { name: "Owner" })).toHaveCount(0);
  // The box shows the address's view: it is checked once the navigation it starts lands.
  const everyone = page.getByRole("checkbox", { name: "Show every user's tokens" });
  await everyone.click();
  await expect(everyone).toBeChecked();
  await expect(page).toHaveURL(/all=true/);
  await expect(page.getByRole("columnheader", { name: "Owner" })).toBeVisible();
});
