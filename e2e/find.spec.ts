import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, hydrated, remoteServer, seedServer, test, uniqueName } from "./support";

// Finding and acting fast (issue 16, items 2 and 3): the command palette, "/", bulk actions with one
// impact preview, multi-file and folder import, uploads on an upload source's page, and the console at 390 px.

async function seedTenant(api: APIRequestContext, name: string) {
  const response = await api.post("/api/v1/tenants", { data: { name, team: "find" } });
  expect(response.status(), await response.text()).toBe(201);
}

async function seedRule(api: APIRequestContext, servers: string) {
  const response = await api.post("/api/v1/grants", { data: { subject: { type: "everyone" }, servers, access: "allow" } });
  expect(response.status(), await response.text()).toBe(201);
}

async function statusOf(api: APIRequestContext, name: string): Promise<string> {
  return (await (await api.get(`/api/v1/mcp-servers/${name}`)).json()).status;
}

const obotYaml = (name: string, url: string) => `name: ${name}\nshortDescription: ${name} tools\nruntime: remote\nremoteConfig:\n  fixedURL: ${url}\n`;

test("the command palette jumps to a server or a page from the keyboard", async ({ page, api }) => {
  const name = uniqueName("find-palette");
  await seedServer(api, remoteServer(name, `Palette ${name.slice(-9)}`));
  await page.goto("/");

  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Find" });
  const box = palette.getByRole("combobox", { name: "Find a page, server, tenant, group or rule" });
  await expect(box).toBeFocused();
  await box.fill(name);
  const option = palette.getByRole("option", { name: new RegExp(name) });
  await expect(option).toBeVisible();
  // Pages come first; the arrows move to the server, Enter opens it.
  while ((await option.getAttribute("aria-selected")) !== "true") await box.press("ArrowDown");
  await expect(box).toHaveAttribute("aria-activedescendant", (await option.getAttribute("id"))!);
  await box.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/servers/${name}$`));
  await expect(palette).toBeHidden();

  // A page by its name; Escape closes without going anywhere.
  await page.keyboard.press("Control+k");
  await box.fill("audit");
  await expect(palette.getByRole("option").first()).toHaveText(/Audit log/);
  await box.press("Enter");
  await expect(page).toHaveURL(/\/audit$/);
  await page.keyboard.press("Control+k");
  await expect(box).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(palette).toBeHidden();
  await expect(page).toHaveURL(/\/audit$/);

  // "/" focuses the page's search field.
  await page.goto("/servers");
  await page.locator("body").press("/");
  await expect(page.getByRole("searchbox", { name: "Search" })).toBeFocused();
});

test("bulk publish: select servers, read one impact preview for the whole batch, confirm, all are published", async ({ page, api }) => {
  const prefix = uniqueName("find-bulk");
  const names = [`${prefix}-a`, `${prefix}-b`];
  for (const name of names) await seedServer(api, remoteServer(name, `Bulk ${name.slice(-12)}`));
  const tenant = uniqueName("find-tenant");
  await seedTenant(api, tenant);
  await seedRule(api, `${prefix}-*`);

  await page.goto(`/servers?q=${prefix}`);
  for (const name of names) await page.getByRole("checkbox", { name: `Select ${name}` }).check();
  const bar = page.getByRole("region", { name: "Bulk actions" });
  await expect(bar).toContainText("2 servers selected");
  await bar.getByRole("button", { name: "Publish selected" }).click();

  const dialog = page.getByRole("dialog", { name: "Publish 2 servers?" });
  const preview = dialog.getByTestId("impact-preview");
  await expect(preview).toBeVisible();
  for (const name of names) await expect(preview).toContainText(name);
  await expect(preview).toContainText(/tenant/);
  // The preview wrote nothing.
  expect(await statusOf(api, names[0]!)).toBe("draft");

  await dialog.getByRole("button", { name: "Publish 2 servers" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText("2 servers published");
  for (const name of names) expect(await statusOf(api, name)).toBe("active");
});

test("a batch one server refuses changes nothing and says which server", async ({ page, api }) => {
  const prefix = uniqueName("find-refuse");
  await seedServer(api, remoteServer(`${prefix}-ok`, `Refuse ok ${prefix.slice(-6)}`));
  await seedServer(api, { name: `${prefix}-bare`, displayName: `Refuse bare ${prefix.slice(-6)}` });
  await page.goto(`/servers?q=${prefix}`);
  await page.getByRole("checkbox", { name: "Select every server on this page" }).check();
  await page.getByRole("region", { name: "Bulk actions" }).getByRole("button", { name: "Publish selected" }).click();
  const dialog = page.getByRole("dialog", { name: "Publish 2 servers?" });
  await expect(dialog.getByRole("alert")).toContainText(`${prefix}-bare`);
  await expect(dialog.getByRole("button", { name: "Publish 2 servers" })).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  expect(await statusOf(api, `${prefix}-ok`)).toBe("draft");
});

test("multi-file and folder import answer per file, quarantined items included", async ({ page }) => {
  const tag = uniqueName("find-files").slice(-10);
  await page.goto("/import");
  await page.getByLabel("Or load files").setInputFiles([
    { name: "one.yaml", mimeType: "application/yaml", buffer: Buffer.from(obotYaml(`Files one ${tag}`, `https://one-${tag}.example.com/mcp`)) },
    {
      name: "two.yaml",
      mimeType: "application/yaml",
      buffer: Buffer.from(`${obotYaml(`Files two ${tag}`, `https://two-${tag}.example.com/mcp`)}---\n${obotYaml(`Files held ${tag}`, "http://10.1.2.3/mcp")}`),
    },
  ]);
  await expect(page.getByRole("list", { name: "Chosen files" })).toContainText("one.yaml");
  await page.getByRole("button", { name: "Import 2 files" }).click();
  const results = page.getByTestId("file-result");
  await expect(results).toHaveCount(2);
  await expect(results.nth(0)).toContainText("one.yaml");
  await expect(results.nth(0)).toContainText("1 document: 1 created");
  await expect(results.nth(1)).toContainText("2 documents: 1 created, 1 quarantined");
  await expect(results.nth(1)).toContainText("Document 2");
  await expect(results.nth(1).getByRole("link", { name: "Review it" })).toBeVisible();

  // A folder: only its YAML and JSON files are read.
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "find-folder-"));
  fs.writeFileSync(path.join(folder, "alpha.yaml"), obotYaml(`Folder alpha ${tag}`, `https://alpha-${tag}.example.com/mcp`));
  fs.writeFileSync(path.join(folder, "beta.yml"), obotYaml(`Folder beta ${tag}`, `https://beta-${tag}.example.com/mcp`));
  fs.writeFileSync(path.join(folder, "README.md"), "not a document");
  await page.getByRole("button", { name: "Choose other documents" }).click();
  await page.getByLabel("Or a folder of Obot YAML files").setInputFiles(folder);
  await expect(page.getByRole("list", { name: "Chosen files" }).getByRole("listitem")).toHaveCount(2);
  await page.getByRole("button", { name: "Import 2 files" }).click();
  await expect(page.getByTestId("file-result")).toHaveCount(2);
  await expect(page.getByTestId("file-result").nth(0)).toContainText("alpha.yaml");
  await expect(page.getByTestId("file-result").nth(0)).toContainText("1 created");
  fs.rmSync(folder, { recursive: true, force: true });
});

test("an upload source takes uploads on its own page, each a run", async ({ page, api }) => {
  // The built-in upload source exists once anything was imported.
  const tag = uniqueName("find-upload").slice(-10);
  const seeded = await api.post("/api/v1/mcp-servers/import", {
    data: obotYaml(`Seeded ${tag}`, `https://seeded-${tag}.example.com/mcp`),
    headers: { "content-type": "application/yaml" },
  });
  expect(seeded.status(), await seeded.text()).toBe(200);
  await page.goto("/sources/uploads");
  await page.getByRole("textbox", { name: "Documents" }).fill(obotYaml(`Uploaded ${tag}`, `https://up-${tag}.example.com/mcp`));
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Uploaded to uploads");
  const runs = page.getByRole("table", { name: /Runs of uploads/ });
  await expect(runs.getByRole("row").filter({ hasText: "1 registered" }).first()).toBeVisible({ timeout: 20_000 });
});

/** Every page of the console, seeded so that the detail pages exist. */
async function everyPage(api: APIRequestContext): Promise<string[]> {
  const name = uniqueName("find-narrow");
  await seedServer(api, remoteServer(name, `Narrow ${name.slice(-9)}`, { shortDescription: "A server with a rather long description ".repeat(4) }));
  const tenant = uniqueName("find-narrow-t");
  await seedTenant(api, tenant);
  const runs = await (await api.get("/api/v1/sources/uploads/runs")).json();
  const run = runs.items?.[0]?.id ?? runs[0]?.id;
  return [
    "/",
    "/servers",
    "/servers/new",
    `/servers/${name}`,
    `/servers/${name}/edit`,
    "/sources",
    "/sources/new",
    "/sources/uploads",
    "/sources/uploads/edit",
    ...(run ? [`/sources/uploads/runs/${run}`] : []),
    "/review",
    "/tenants",
    `/tenants/${tenant}`,
    "/groups",
    "/grants",
    "/access",
    "/import",
    "/audit",
    "/users",
    "/settings/tokens",
    "/api-reference",
  ];
}

/** How far the page scrolls sideways, and the outermost elements that stick out (to say what to fix). */
async function sidewaysOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    const overflow = document.scrollingElement!.scrollWidth - window.innerWidth;
    const culprits: string[] = [];
    if (overflow > 0) {
      for (const element of document.querySelectorAll<HTMLElement>("body *")) {
        if (element.getBoundingClientRect().right <= window.innerWidth + 0.5) continue;
        const parent = element.parentElement;
        if (parent && parent.getBoundingClientRect().right > window.innerWidth + 0.5) continue;
        culprits.push(`<${element.tagName.toLowerCase()} class="${element.className}">`);
        if (culprits.length >= 3) break;
      }
      // Text that does not wrap sticks out of a box that fits: name the innermost such boxes.
      if (culprits.length === 0) {
        for (const element of [...document.querySelectorAll<HTMLElement>("body *")].reverse()) {
          if (element.scrollWidth <= element.clientWidth + 1 || getComputedStyle(element).overflowX !== "visible") continue;
          culprits.push(`<${element.tagName.toLowerCase()} class="${element.className}">${(element.textContent ?? "").slice(0, 60)}`);
          if (culprits.length >= 3) break;
        }
      }
    }
    return { overflow, culprits };
  });
}

test.describe("at 390 px", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("a Menu button opens every destination, and a choice closes it", async ({ page }) => {
    await page.goto("/");
    const menu = page.getByRole("button", { name: "Menu" });
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const label of ["Dashboard", "Catalog", "Sources", "Review queue", "Tenants", "Groups", "Rules", "Access matrix", "Import", "Audit log", "Users"]) {
      await expect(nav.getByRole("link", { name: label })).toBeVisible();
    }
    await nav.getByRole("link", { name: "Audit log" }).click();
    await expect(page).toHaveURL(/\/audit$/);
    await hydrated(page);
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav).toBeHidden();
    // Escape closes it too, and gives focus back to the button.
    await menu.click();
    await page.keyboard.press("Escape");
    await expect(menu).toBeFocused();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
  });

  test("no page scrolls sideways; wide tables scroll inside their own frame", async ({ page, api, newVisitor }) => {
    test.setTimeout(120_000);
    const offenders: string[] = [];
    for (const url of await everyPage(api)) {
      await page.goto(url);
      await page.waitForLoadState("networkidle");
      const { overflow, culprits } = await sidewaysOverflow(page);
      if (overflow > 0) offenders.push(`${url} (+${overflow}px): ${culprits.join(" ")}`);
    }
    const visitor = await newVisitor();
    await visitor.setViewportSize({ width: 390, height: 844 });
    await visitor.goto("/login");
    const login = await sidewaysOverflow(visitor);
    if (login.overflow > 0) offenders.push(`/login (+${login.overflow}px): ${login.culprits.join(" ")}`);
    expect(offenders).toEqual([]);
  });
});
