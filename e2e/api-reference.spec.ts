import { expect, test } from "./support";

test("the API reference is reachable from the account menu and documents the API the console calls", async ({ page, request }) => {
  await page.goto("/");
  await page.getByRole("button", { name: /account/i }).click();
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();

  // Every operation is listed in the table of contents and links to its section.
  const doc = await (await request.get("/api/v1/openapi.json")).json();
  const operations = Object.values(doc.paths as Record<string, Record<string, unknown>>).reduce((n, item) => n + Object.keys(item).length, 0);
  const toc = page.getByRole("navigation", { name: "Operations" });
  await expect(toc.locator('a[href^="#"]').filter({ has: page.locator("span") })).toHaveCount(operations);

  await toc.getByRole("link", { name: /Create a rule/ }).click();
  const grant = page.locator("article#postGrants");
  await expect(grant).toBeInViewport();
  await expect(grant).toContainText("/api/v1/grants");
  await expect(grant.locator('[data-field="access"]').first()).toContainText("required");
  await expect(grant).toContainText('"allow" | "deny"');
  await expect(grant.locator("pre")).toContainText('curl -X POST "$OPENCRANE_URL/api/v1/grants"');

  // A referenced shape links to its schema.
  await grant.getByRole("link", { name: "SavedGrant" }).first().click();
  await expect(page.locator("#schema-SavedGrant")).toBeInViewport();
  await expect(page.locator("#schema-SavedGrant")).toContainText("scopeExcluded");
  await page.screenshot({ path: "test-results/api-reference.png", fullPage: false });
});

test("the API reference page has the pages' CSP, and every script on it carries that response's nonce", async ({ page }) => {
  const response = await page.goto("/api-reference");
  const csp = response!.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(csp).toContain("'strict-dynamic'");
  expect(nonce).toBeTruthy();
  const scripts = [...(await response!.text()).matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts.filter((attributes) => !attributes.includes(`nonce="${nonce}"`))).toEqual([]);
});
