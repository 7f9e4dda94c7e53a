import { ADMIN, expect, hydrated, remoteServer, seedServer, signIn, test, uniqueName } from "./support";

// Each test starts signed out, in a browser of its own.
test.use({ storageState: { cookies: [], origins: [] } });

test("signing out ends the session: Back and reload land on the login page", async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();

  await page.getByRole("button", { name: /^Account: / }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signedOut=1$/);
  await expect(page.getByRole("status").filter({ hasText: "You are signed out." })).toBeVisible();

  await page.goBack();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to OpenCrane" })).toBeVisible();
  await page.reload();
  await expect(page).toHaveURL(/\/login/);
  expect((await page.request.get("/api/auth/session")).status()).toBe(401);
});

test("a wrong password is refused plainly, and the password field is cleared for another try", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, ADMIN.email, "not the password");
  const alert = page.getByRole("alert").filter({ hasText: "Sign-in failed" });
  await expect(alert).toContainText("E-mail or password is not right.");
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  await expect(page.getByRole("textbox", { name: "E-mail" })).toHaveValue(ADMIN.email);
});

test("after ten wrong passwords, sign-in for that e-mail pauses and says for how long", async ({ page }) => {
  const email = `nobody-${Date.now().toString(36)}@e2e.example`;
  await page.goto("/login");
  const statuses = await page.evaluate(async (email) => {
    const out: number[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "guess" }),
      });
      out.push(response.status);
    }
    return out;
  }, email);
  expect(statuses).toEqual(Array(10).fill(401));

  await signIn(page, email, "one more guess");
  const alert = page.getByRole("alert").filter({ hasText: "Too many failed sign-ins" });
  await expect(alert).toContainText("try again in 15 min");
});

test("a refused identity-provider sign-in is explained with what to do", async ({ page }) => {
  const message =
    "dana@example.com is not in any group that gives access to this console. Ask an administrator to add you to one of: platform-admins, platform-viewers";
  await page.goto(`/login?${new URLSearchParams({ error: "no_role", message })}`);
  const alert = page.getByRole("alert").filter({ hasText: "Your account has no access to this console" });
  await expect(alert).toContainText("platform-admins, platform-viewers");
  await expect(alert).toContainText("has added you to one of those groups, sign in again");
});

test("when the session ends while a page is open, the next action leads to sign-in and back", async ({ page, api }) => {
  // A catalog that is not empty, so the page has its search box.
  await seedServer(api, remoteServer(uniqueName("e2e-expiry"), `Expiry ${Date.now().toString(36)}`));
  await page.goto("/login?returnTo=%2Fservers");
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/servers$/);
  await hydrated(page);

  // The session ends elsewhere (another tab signs out): this page does not know yet.
  await page.evaluate(() => fetch("/api/auth/logout", { method: "POST" }));
  await page.getByRole("searchbox", { name: "Search" }).fill("github");

  await expect(page).toHaveURL(/\/login\?returnTo=%2Fservers%3Fq%3Dgithub&session=expired$/);
  await expect(page.getByText("Your session has ended.")).toBeVisible();
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/servers\?q=github$/);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("github");
});

test("a login link with another site as returnTo stays on this site", async ({ page }) => {
  await page.goto("/login?returnTo=%2F%2Fevil.example%2F");
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
});
