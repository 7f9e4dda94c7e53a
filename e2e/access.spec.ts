/**
 * The issue's scenario: an admin groups tenants, grants the group a server after seeing the
 * impact preview, finds the decision explained in the access matrix, and the tenant's contract
 * (fetched as its pod does, with a tenant token) gains the server. A viewer sees it all read-only.
 */
import type { APIRequestContext, Page } from "@playwright/test";
import { E2E_BOOTSTRAP_TOKEN, E2E_INTERNAL_PORT } from "./env";
import { expect, publishServer, remoteServer, seedServer, signIn, test, uniqueName } from "./support";

test.describe.configure({ mode: "serial" });

const run = uniqueName("acc");
const SERVER = `${run}-srv`;
const MEMBERS = [`${run}-a`, `${run}-b`];
const OUTSIDER = `${run}-c`;
const GROUP = `${run}-grp`;
const VIEWER = { email: `viewer-${run}@e2e.example`, password: "viewer-password-123" };

const seededServers: string[] = [];

async function seedPublishedServer(api: APIRequestContext, name: string, extra: Record<string, unknown> = {}) {
  await seedServer(api, remoteServer(name, `Access ${name.slice(-13)}`, extra));
  seededServers.push(name);
  await publishServer(api, name);
}

// catalog.spec.ts starts with a test that needs an empty catalog: leave none of ours behind.
test.afterAll(async ({ playwright, baseURL }) => {
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` } });
  for (const name of seededServers) {
    await api.post(`/api/v1/mcp-servers/${name}/disable`, { data: {} });
    expect((await api.delete(`/api/v1/mcp-servers/${name}`)).status()).toBe(204);
  }
  await api.dispose();
});

async function seedTenant(api: APIRequestContext, name: string) {
  const response = await api.post("/api/v1/tenants", { data: { name, team: "e2e", labels: { run } } });
  expect(response.status(), await response.text()).toBe(201);
}

/** The contract as the tenant's pod fetches it: the internal port, its own token. */
async function contractAllowList(request: APIRequestContext, tenant: string, token: string): Promise<string[]> {
  const response = await request.get(`http://127.0.0.1:${E2E_INTERNAL_PORT}/api/internal/contract/${tenant}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).policy.mcpServers.allow;
}

async function issueTenantToken(page: Page, tenant: string): Promise<string> {
  await page.goto(`/tenants/${tenant}`);
  await page.getByRole("tab", { name: "Tokens" }).click();
  await page.getByRole("button", { name: "Issue token" }).click();
  const dialog = page.getByRole("dialog", { name: `Issue a token for ${tenant}` });
  await dialog.getByRole("textbox", { name: "Name" }).fill("e2e pod");
  await dialog.getByRole("button", { name: "Issue token" }).click();
  const secret = page.getByRole("dialog", { name: `Token for ${tenant}` }).getByRole("textbox", { name: "Token" });
  await expect(secret).toHaveValue(/^octt_/);
  const token = await secret.inputValue();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("row", { name: /e2e pod/ })).toBeVisible();
  return token;
}

test("an admin groups tenants, grants the group a server after previewing the impact, and the contract follows", async ({ page, api, request }) => {
  await seedPublishedServer(api, SERVER);
  for (const tenant of [...MEMBERS, OUTSIDER]) await seedTenant(api, tenant);

  const token = await issueTenantToken(page, MEMBERS[0]!);
  expect(await contractAllowList(request, MEMBERS[0]!, token)).not.toContain(SERVER);

  // A group of two of the three tenants, chosen in the members picker.
  await page.goto("/groups");
  await page.getByRole("button", { name: "Create group" }).click();
  const groupDialog = page.getByRole("dialog", { name: "Create a group" });
  await groupDialog.getByRole("textbox", { name: "Name" }).fill(GROUP);
  await groupDialog.getByRole("searchbox", { name: "Filter tenants" }).fill(run);
  for (const member of MEMBERS) await groupDialog.getByRole("checkbox", { name: member }).check();
  await groupDialog.getByRole("button", { name: "Preview impact" }).click();
  const groupConfirm = page.getByRole("dialog", { name: "Create a group: confirm" });
  await expect(groupConfirm.getByTestId("impact-preview")).toContainText("No tenant gains or loses access.");
  await groupConfirm.getByRole("button", { name: "Create group" }).click();
  await expect(groupConfirm).toBeHidden();
  await expect(page.getByRole("row", { name: new RegExp(GROUP) })).toContainText("2 tenants");

  // An allow rule for the group; the confirm step names who gains the server.
  await page.goto("/rules");
  await page.getByRole("button", { name: "Create rule" }).click();
  const ruleDialog = page.getByRole("dialog", { name: "Create a rule" });
  await ruleDialog.getByRole("combobox", { name: "Group" }).selectOption(GROUP);
  // A combobox: it suggests the catalog's server names.
  const servers = ruleDialog.getByRole("combobox", { name: "Servers" });
  await servers.fill(SERVER);
  await expect(servers).toHaveAccessibleDescription(`Matches 1 active server: ${SERVER}`);
  await ruleDialog.getByRole("textbox", { name: "Note" }).fill("e2e: the group may use it");
  await ruleDialog.getByRole("button", { name: "Preview impact" }).click();
  const ruleConfirm = page.getByRole("dialog", { name: "Create a rule: confirm" });
  const impact = ruleConfirm.getByTestId("impact-preview");
  await expect(impact).toContainText(`This change adds ${SERVER} to 2 tenants.`);
  await impact.locator("summary").first().click();
  await expect(impact).toContainText(MEMBERS.join(", "));
  await expect(impact).not.toContainText(OUTSIDER);
  await ruleConfirm.getByRole("button", { name: "Create rule" }).click();
  await expect(ruleConfirm).toBeHidden();
  await expect(page.getByRole("row", { name: new RegExp(`group ${GROUP}`) })).toContainText(SERVER);

  const { items } = await (await api.get(`/api/v1/grants?subjectType=group&subjectName=${GROUP}`)).json();
  expect(items).toHaveLength(1);
  const ruleName: string = items[0].name;

  // The matrix, narrowed to this run: members allowed by the rule, the outsider denied by default.
  await page.goto("/access");
  await page.getByRole("textbox", { name: "Label" }).fill(`run=${run}`);
  await page.getByRole("searchbox", { name: "Server" }).fill(SERVER);
  const grid = page.getByRole("grid", { name: "Access matrix" });
  await expect(grid.getByRole("rowheader")).toHaveText([...MEMBERS, OUTSIDER]);
  await expect(grid.getByRole("gridcell", { name: `${OUTSIDER} × ${SERVER}: deny, default deny` })).toBeVisible();
  await grid.getByRole("gridcell", { name: `${MEMBERS[0]} × ${SERVER}: allow, allow rule` }).click();
  const explanation = page.getByRole("dialog", { name: `${MEMBERS[0]} × ${SERVER}` });
  await expect(explanation).toContainText(new RegExp(`${MEMBERS[0]} may use ${SERVER}: decided by rule ${ruleName}`, "i"));
  await expect(explanation.getByTestId("explanation")).toContainText(`rule for group ${GROUP} on ${SERVER}`);
  await explanation.getByRole("button", { name: "Close" }).click();

  // Keyboard: one cell in the tab order, arrow keys move it, Enter explains.
  await grid.getByRole("gridcell", { name: `${MEMBERS[0]} × ${SERVER}: allow, allow rule` }).focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(grid.getByRole("gridcell", { name: `${OUTSIDER} × ${SERVER}: deny, default deny` })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: `${OUTSIDER} × ${SERVER}` })).toContainText("no rule allows it (default deny)");
  await page.keyboard.press("Escape");

  // The filters are in the URL: a reload (or a shared link) shows the same slice.
  await expect(page).toHaveURL(new RegExp(`/access\\?label=run%3D${run}&server=${SERVER}$`));
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Label" })).toHaveValue(`run=${run}`);
  await expect(grid.getByRole("rowheader")).toHaveText([...MEMBERS, OUTSIDER]);

  expect(await contractAllowList(request, MEMBERS[0]!, token)).toContain(SERVER);

  // Disabling the server would take it away again: its confirm dialog says from whom.
  await page.goto(`/servers/${SERVER}`);
  await page.getByRole("button", { name: "Disable" }).click();
  const disable = page.getByRole("dialog", { name: /^Disable / });
  await expect(disable.getByTestId("impact-preview")).toContainText(`This change removes ${SERVER} from 2 tenants.`);
  await disable.getByRole("button", { name: "Cancel" }).click();
  expect(await contractAllowList(request, MEMBERS[0]!, token)).toContain(SERVER);
});

test("a rule its server's scope forbids is refused next to the field, and nothing is saved", async ({ page, api }) => {
  const departmental = `${run}-dept`;
  await seedPublishedServer(api, departmental, { scope: "department" });

  await page.goto("/rules");
  await page.getByRole("button", { name: "Create rule" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a rule" });
  await dialog.getByRole("radio", { name: "Everyone" }).check();
  const servers = dialog.getByRole("combobox", { name: "Servers" });
  await servers.fill(departmental);
  await dialog.getByRole("button", { name: "Preview impact" }).click();

  await expect(servers).toHaveAttribute("aria-invalid", "true");
  await expect(servers).toHaveAccessibleDescription(new RegExp(`'${departmental}' has scope department`));
  await expect(dialog).toContainText("not to everyone");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  const { items } = await (await api.get("/api/v1/grants?subjectType=everyone")).json();
  expect(items.filter((g: { servers: string }) => g.servers === departmental)).toEqual([]);
});

test("a viewer sees tenants, groups, rules and the matrix without any control to change them", async ({ page, newVisitor }) => {
  await page.goto("/users");
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a user" });
  await dialog.getByRole("textbox", { name: "E-mail" }).fill(VIEWER.email);
  await dialog.getByRole("radio", { name: /^viewer/ }).check();
  await dialog.getByLabel(/^Initial password/).fill(VIEWER.password);
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog).toBeHidden();

  const viewer = await newVisitor();
  await signIn(viewer, VIEWER.email, VIEWER.password);
  await expect(viewer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rules" })).toBeVisible();

  await viewer.goto("/rules");
  await expect(viewer.getByRole("row", { name: new RegExp(`group ${GROUP}`) })).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Create rule" })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /^(Edit|Delete) rule/ })).toHaveCount(0);

  await viewer.goto("/groups");
  await expect(viewer.getByRole("row", { name: new RegExp(GROUP) })).toBeVisible();
  await expect(viewer.getByRole("button", { name: /Create group|^Edit |^Delete / })).toHaveCount(0);

  await viewer.goto(`/tenants/${MEMBERS[0]}`);
  await expect(viewer.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(viewer.getByRole("button", { name: /^(Edit|Delete)$/ })).toHaveCount(0);
  await expect(viewer.getByRole("tab", { name: "Tokens" })).toHaveCount(0);
  await viewer.getByRole("tab", { name: "Contract" }).click();
  await expect(viewer.getByTestId("contract-json")).toContainText(`"${SERVER}"`);
});
