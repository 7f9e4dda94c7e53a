/**
 * The scenario: an admin adds an editor and a viewer; the viewer can look but not change
 * (and forged changes are refused); the editor publishes; the admin finds the publish, and nothing
 * from the viewer's refused attempts, in the audit log and its exports.
 */
import fs from "node:fs";
import type { Page } from "@playwright/test";
import { ADMIN, expect, remoteServer, seedServer, signIn, test, uniqueName, type SeedServer } from "./support";

test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const EDITOR = { email: `editor-${run}@e2e.example`, name: "Eddie Editor", password: "editor-password-123" };
const VIEWER = { email: `viewer-${run}@e2e.example`, name: "Vera Viewer", password: "viewer-password-123" };
let server: SeedServer;

/** A user's row on the Users page (other rows mention the admin too, as their creator). */
function userRow(page: Page, email: string) {
  return page.getByRole("row").filter({ has: page.getByRole("rowheader").filter({ hasText: email }) });
}

test("the admin adds an editor and a viewer on the Users page", async ({ page, api }) => {
  server = await seedServer(api, remoteServer(uniqueName("e2e-roles"), `Roles ${run}`));

  await page.goto("/users");
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  for (const [user, role] of [
    [EDITOR, "editor"],
    [VIEWER, "viewer"],
  ] as const) {
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a user" });
    await expect(dialog.getByRole("textbox", { name: "E-mail" })).toBeFocused();
    await dialog.getByRole("textbox", { name: "E-mail" }).fill(user.email);
    await dialog.getByRole("textbox", { name: "Name" }).fill(user.name);
    await dialog.getByRole("radio", { name: new RegExp(`^${role}`) }).check();
    await dialog.getByLabel(/^Initial password/).fill("too short");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await expect(dialog.getByLabel(/^Initial password/)).toHaveAccessibleDescription(/at least 12 characters/);

    await dialog.getByLabel(/^Initial password/).fill(user.password);
    await dialog.getByRole("button", { name: "Add user" }).click();
    await expect(dialog).toBeHidden();
    const row = userRow(page, user.email);
    await expect(row.locator("[data-role]")).toHaveText(role);
    await expect(row).toContainText("Password");
    await expect(row).toContainText(`by ${ADMIN.email}`);
  }
});

test("the last active admin cannot be deactivated, and the page says why", async ({ page }) => {
  await page.goto("/users");
  await page.getByRole("button", { name: `Deactivate ${ADMIN.email}` }).click();
  const dialog = page.getByRole("dialog", { name: `Deactivate ${ADMIN.email}?` });
  await expect(dialog).toContainText("This is your own account");
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(`${ADMIN.email} is the last active admin: make someone else an admin first`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(userRow(page, ADMIN.email)).toContainText("active");
});

test("a viewer sees the catalog but no edit controls, and forged changes are refused", async ({ newVisitor, api }) => {
  const viewer = await newVisitor();
  // A signed-out visitor is sent to sign in, and comes back to the page they asked for.
  await viewer.goto(`/servers/${server.name}`);
  await expect(viewer).toHaveURL(new RegExp(`/login\\?returnTo=%2Fservers%2F${server.name}$`));
  await signIn(viewer, VIEWER.email, VIEWER.password);
  await expect(viewer).toHaveURL(new RegExp(`/servers/${server.name}$`));
  await expect(viewer.getByRole("heading", { level: 1, name: server.displayName })).toBeVisible();
  await expect(viewer.getByRole("button", { name: `Account: ${VIEWER.name}, viewer` })).toBeVisible();
  for (const control of ["Publish", "Disable", "Delete"]) await expect(viewer.getByRole("button", { name: control })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Edit", exact: true })).toHaveCount(0);

  await viewer.goto(`/servers?q=${server.name}`);
  await expect(viewer.getByRole("link", { name: server.name, exact: true })).toBeVisible();
  await expect(viewer.getByRole("link", { name: "Create server" })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Import" })).toHaveCount(0);
  const nav = viewer.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Audit log" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);

  await viewer.goto("/import");
  await expect(viewer.getByText("Importing servers needs the editor role")).toBeVisible();
  await expect(viewer.getByRole("textbox", { name: "Documents" })).toHaveCount(0);

  // What the UI does not offer, the server refuses: a forged tRPC call from the page…
  const forged = await viewer.evaluate(async (name) => {
    const response = await fetch("/api/trpc/catalog.publish", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    return { status: response.status, body: await response.json() };
  }, server.name);
  expect(forged.status).toBe(403);
  expect(forged.body.error.message).toContain("needs the editor role");
  // …and a REST call with the viewer's session cookie.
  const rest = await viewer.request.post(`/api/v1/mcp-servers/${server.name}/publish`, { data: {} });
  expect(rest.status()).toBe(403);
  expect((await rest.json()).error.message).toContain("needs the editor role");

  expect((await (await api.get(`/api/v1/mcp-servers/${server.name}`)).json()).status).toBe("draft");
});

test("an editor signs in and publishes the server; its history shows the change", async ({ newVisitor }) => {
  const editor = await newVisitor();
  await signIn(editor, EDITOR.email, EDITOR.password);
  await expect(editor).toHaveURL(/\/$/);
  await expect(editor.getByRole("button", { name: `Account: ${EDITOR.name}, editor` })).toBeVisible();
  const nav = editor.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Import" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);

  await editor.goto(`/servers/${server.name}`);
  await editor.getByRole("button", { name: "Publish" }).click();
  const dialog = editor.getByRole("dialog", { name: `Publish ${server.displayName}?` });
  await dialog.getByRole("button", { name: "Publish" }).click();
  await expect(dialog).toBeHidden();
  await expect(editor.locator("[data-status]").first()).toHaveText("active");

  await editor.getByRole("tab", { name: "History" }).click();
  const history = editor.getByRole("tabpanel");
  const rows = history.locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("Server published");
  await expect(rows.nth(0)).toContainText(EDITOR.email);
  await expect(rows.nth(1)).toContainText("Server created");
  await rows.nth(0).click();
  const detail = editor.getByRole("dialog", { name: `Server published · Server ${server.name}` });
  const status = detail.locator('tr[data-kind="changed"]').filter({ has: editor.getByRole("rowheader", { name: "status", exact: true }) });
  await expect(status).toContainText('"draft"');
  await expect(status).toContainText('"active"');
});

test("the admin finds the editor's publish, and nothing from the viewer, in the audit log and its exports", async ({ page }) => {
  await page.goto("/audit");
  await page.getByRole("textbox", { name: "Entity ID" }).fill(server.name);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`entityId=${server.name}`));
  const rows = page.locator("tbody tr");
  // The viewer's refused calls changed nothing, so they left no event.
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("Server published");
  await expect(rows.nth(0)).toContainText(EDITOR.email);
  await expect(rows.nth(1)).toContainText("Server created");
  await expect(rows.nth(1)).toContainText("bootstrap-token");

  await rows
    .nth(0)
    .getByRole("button", { name: /^Details of Server published/ })
    .click();
  const detail = page.getByRole("dialog", { name: `Server published · Server ${server.name}` });
  await expect(detail).toContainText(EDITOR.email);
  await expect(detail.getByTestId("diff-summary")).toContainText("changed");
  await expect(detail.locator('tr[data-kind="changed"]').filter({ hasText: "status" })).toContainText('"active"');
  await page.keyboard.press("Escape");
  await expect(detail).toBeHidden();

  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export JSONL" }).click()]);
  expect(jsonl.suggestedFilename()).toMatch(/^opencrane-audit-.*\.jsonl$/);
  const events = fs
    .readFileSync(await jsonl.path(), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(events.map((e) => [e.action, e.actor])).toEqual([
    ["mcp_server.publish", EDITOR.email],
    ["mcp_server.create", "bootstrap-token"],
  ]);
  expect(events[0]).toMatchObject({ entityId: server.name, before: { status: "draft" }, after: { status: "active" } });

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const lines = fs
    .readFileSync(await csv.path(), "utf8")
    .trim()
    .split("\r\n");
  expect(lines[0]).toBe("id,at,actor,actorKind,actorVia,action,entityType,entityId,requestId,sourceIp,before,after");
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain(`${EDITOR.email},user,,mcp_server.publish,mcp_server,${server.name}`);

  // The viewer's only events are their sign-ins.
  await page.goto(`/audit?actor=${encodeURIComponent(VIEWER.email)}`);
  await expect(rows.first()).toContainText("Signed in");
  const actions = await page.locator("tbody tr td:nth-child(3) [data-action]").evaluateAll((badges) => badges.map((b) => b.getAttribute("data-action")));
  expect(new Set(actions)).toEqual(new Set(["auth.sign_in"]));
});

test("deactivating a user ends their session at once, and the login page says the account is deactivated", async ({ page, newVisitor }) => {
  const viewer = await newVisitor();
  await signIn(viewer, VIEWER.email, VIEWER.password);
  await expect(viewer).toHaveURL(/\/$/);

  await page.goto("/users");
  await page.getByRole("button", { name: `Deactivate ${VIEWER.email}` }).click();
  await page
    .getByRole("dialog", { name: `Deactivate ${VIEWER.email}?` })
    .getByRole("button", { name: "Deactivate" })
    .click();
  await expect(userRow(page, VIEWER.email)).toContainText("deactivated");

  await viewer.goto("/audit");
  await expect(viewer).toHaveURL(/\/login\?returnTo=%2Faudit$/);
  await signIn(viewer, VIEWER.email, VIEWER.password);
  await expect(viewer.getByRole("alert").filter({ hasText: "This account is deactivated" })).toContainText("Ask an administrator");
  await expect(viewer).toHaveURL(/\/login/);
});
