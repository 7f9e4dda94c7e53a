/**
 * Policy as code in the console (issue 15): a state document applied over the API shows up with
 * its rule names on the rules page, and its audit events as one change set in the audit log.
 */
import { expect, test, uniqueName } from "./support";

const run = uniqueName("st");
const TENANT = `${run}-t`;
const GROUP = `${run}-g`;
const RULE = `${run}-everyone-rule`;

test("a state document's rules show by name, and its audit events as one change set", async ({ page, api }) => {
  // No revision and no prune: it only adds this run's objects to whatever the other specs made.
  const document = {
    apiVersion: "opencrane.io/v1alpha1",
    kind: "ControlPlaneState",
    tenants: [{ name: TENANT, team: "e2e" }],
    groups: [{ name: GROUP, members: [TENANT] }],
    rules: [{ name: RULE, subject: { type: "group", name: GROUP }, servers: `${run}-*`, access: "allow", note: "from git" }],
  };
  const dry = await api.post("/api/v1/state?dryRun=true", { data: document });
  expect(dry.status(), await dry.text()).toBe(200);
  expect((await dry.json()).changes.map((c: { kind: string; name: string }) => `${c.kind}/${c.name}`)).toEqual([
    `tenant/${TENANT}`,
    `group/${GROUP}`,
    `rule/${RULE}`,
  ]);
  const applied = await api.post("/api/v1/state", { data: document });
  expect(applied.status(), await applied.text()).toBe(200);
  const { changeSet } = await applied.json();

  await page.goto(`/rules#rule-${RULE}`);
  const row = page.getByRole("row", { name: new RegExp(RULE) });
  await expect(row.getByRole("rowheader")).toHaveText(RULE);
  await expect(row).toContainText(`group ${GROUP}`);
  await expect(row).toContainText("from git");
  // Its pattern matches nothing active: the compiler's warning names the rule too.
  const warnings = page.getByRole("region", { name: "Policy warnings" });
  await warnings.getByRole("searchbox", { name: "Filter warnings" }).fill(RULE);
  await warnings.locator("details").filter({ hasText: "Dead rules" }).locator("summary").click();
  await expect(warnings.getByRole("link", { name: RULE })).toBeVisible();

  await page.goto("/audit");
  const head = page.locator(`[data-change-set-head="${changeSet}"]`);
  await expect(head).toContainText(`Change set ${changeSet.slice(0, 8)}: 3 changes applied together`);
  await head.getByRole("link", { name: "Only this change set" }).click();
  await expect(page).toHaveURL(new RegExp(`changeSet=${changeSet}`));
  const events = page.locator(`tr[data-change-set="${changeSet}"]`);
  await expect(events).toHaveCount(3);
  await expect(events.filter({ hasText: "Rule created" })).toContainText(RULE);
  await expect(events.filter({ hasText: "Tenant created" })).toContainText(TENANT);
  await expect(events.filter({ hasText: "Group created" })).toContainText(GROUP);
});
