/**
 * Tool-level rules in the console (issue 14, item 3): an admin denies one tool of an allowed
 * server for a tenant and sees it in the explanation, per tool, and in the access matrix with the
 * server expanded into its tools.
 */
import { expect, publishServer, seedServer, test, uniqueName } from "./support";

test("a tenant denied one tool keeps the server; the explanation and the matrix say which tool and why", async ({ page, api }) => {
  const server = uniqueName("e2e-toolrule");
  const tenant = uniqueName("e2e-tooltenant");
  await seedServer(api, { name: server, displayName: `Tool rules ${server.slice(-9)}`, endpoint: "https://tool-rules.example/mcp" });
  const tools = [
    { name: "drop_index", description: "Drops the index", inputSchema: { type: "object" }, annotations: { destructiveHint: true } },
    { name: "search_docs", description: "Searches", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
  ];
  const upload = await api.post(`/api/v1/mcp-servers/${server}/tools/upload`, { data: { tools } });
  expect(upload.status(), await upload.text()).toBeLessThan(300);
  await publishServer(api, server);
  const created = await api.post("/api/v1/tenants", { data: { name: tenant, mcpPolicy: { allow: [server], deny: [] } } });
  expect(created.status(), await created.text()).toBe(201);

  // The admin denies one tool in the tenant's own deny list, in the console.
  await page.goto(`/tenants/${tenant}`);
  await page.getByRole("button", { name: "Edit" }).first().click();
  const form = page.getByRole("dialog", { name: `Edit tenant ${tenant}` });
  await form.getByRole("textbox", { name: "Always deny" }).fill(`${server}/drop_*`);
  await form.getByRole("button", { name: "Preview impact" }).click();
  const confirm = page.getByRole("dialog", { name: `Edit tenant ${tenant}: confirm` });
  // The preview names the one tool the tenant loses; the server stays.
  await expect(confirm.getByTestId("impact-preview")).toContainText(`${server}/drop_index`);
  await confirm.getByRole("button", { name: "Save tenant" }).click();
  await expect(confirm).toBeHidden();
  const saved = await (await api.get(`/api/v1/tenants/${tenant}`)).json();
  expect(saved.mcpPolicy.deny).toEqual([`${server}/drop_*`]);

  await page.getByRole("button", { name: `Explain ${server}` }).click();
  const dialog = page.getByRole("dialog", { name: `${tenant} × ${server}` });
  const perTool = dialog.getByTestId("tool-decisions");
  await expect(perTool).toContainText("drop_index");
  await expect(perTool.getByRole("listitem").filter({ hasText: "drop_index" })).toContainText(
    `deniedtier 2: tenant override deny — own deny entry ${server}/drop_*`,
  );
  await expect(perTool.getByRole("listitem").filter({ hasText: "search_docs" })).toContainText("allowedtier 3");
  await dialog.getByRole("button", { name: "Close" }).click();

  await page.goto(`/access?tenant=${tenant}&server=${server}`);
  const grid = page.getByRole("grid", { name: "Access matrix" });
  await expect(grid.getByRole("gridcell", { name: `${tenant} × ${server}: allow, tenant override allow` })).toBeVisible();
  await grid.getByRole("button", { name: `Show the tools of ${server}` }).click();
  const toolCell = grid.getByRole("gridcell", { name: `${tenant} × ${server}/drop_index: deny, tenant override deny` });
  await expect(toolCell).toBeVisible();
  await toolCell.click();
  await expect(page.getByRole("dialog", { name: `${tenant} × ${server}/drop_index` })).toContainText(
    `may not use ${server}/drop_index: decided by the tenant's own mcpPolicy.deny entry '${server}/drop_*'`,
  );
});
