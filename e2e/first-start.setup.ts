import { ADMIN_STATE } from "./env";
import { ADMIN, expect, printedSetupLink, signIn, test } from "./support";

// Runs before every other spec, against a server that has just started with no users.

test("before setup, the console sends visitors to a login page that explains the printed setup link", async ({ page, request }) => {
  await page.goto("/servers?q=github");
  await expect(page).toHaveURL(/\/login\?returnTo=%2Fservers%3Fq%3Dgithub$/);
  await expect(page.getByRole("heading", { name: "Sign in to OpenCrane" })).toBeVisible();
  await expect(page.getByText("This console has no administrator yet.")).toBeVisible();
  await expect(page.getByText("setup link the server printed to its console")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "E-mail" })).toHaveCount(0);

  // The API refuses anonymous callers too.
  expect((await request.get("/api/v1/mcp-servers")).status()).toBe(401);

  // The setup page opened without its token says what is missing, not that the link was opened.
  await page.goto("/setup");
  await expect(page.getByText("This page needs the setup link")).toBeVisible();
  await expect(page.getByText("You opened the one-time setup link")).toHaveCount(0);
});

test("a setup link with a wrong token is refused with what to do", async ({ page }) => {
  await page.goto("/setup#token=not-the-printed-token");
  await page.getByRole("textbox", { name: "E-mail" }).fill(ADMIN.email);
  await page.getByLabel(/^Password/).fill(ADMIN.password);
  await page.getByLabel(/^Confirm password/).fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator and sign in" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "This setup link does not work" });
  await expect(alert).toContainText("used, expired, or replaced by a newer one");
  await expect(page).toHaveURL(/\/setup/);
});

test("the first-start admin creates their account from the setup link printed in the server log", async ({ page, request }) => {
  if (!(await (await request.get("/api/auth/config")).json()).setupNeeded) {
    // A retry after the admin was created: the link is spent, so sign in instead.
    await signIn(page, ADMIN.email, ADMIN.password);
    await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
    await page.context().storageState({ path: ADMIN_STATE });
    return;
  }
  const link = await printedSetupLink();
  expect(link.pathname).toBe("/setup");
  // The printed link names the server's public address; open the same path and fragment here.
  await page.goto(`/setup${link.hash}`);
  await expect(page.getByRole("heading", { name: "Create the first administrator" })).toBeVisible();

  await page.getByRole("textbox", { name: "E-mail" }).fill(ADMIN.email);
  await page.getByRole("textbox", { name: "Name" }).fill(ADMIN.displayName);
  await page.getByLabel(/^Password/).fill(ADMIN.password);
  await page.getByLabel(/^Confirm password/).fill("a different password");
  await page.getByRole("button", { name: "Create administrator and sign in" }).click();
  await expect(page.getByLabel(/^Confirm password/)).toHaveAccessibleDescription("the two passwords differ");

  await page.getByLabel(/^Confirm password/).fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator and sign in" }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("button", { name: `Account: ${ADMIN.displayName}, admin` })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" })).toBeVisible();

  // The link worked once: it is spent now.
  await page.goto(`/setup${link.hash}`);
  await expect(page.getByRole("heading", { name: "Setup is done" })).toBeVisible();

  await page.context().storageState({ path: ADMIN_STATE });
});
