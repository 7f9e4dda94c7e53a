/** The rule form's checks before saving: the servers a pattern may name, and the rules it would repeat. */
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, principalFor, testServices, trpcContext } from "../../../test/support/services";
import { serverCreateInput } from "../catalog/model";
import { createServer, disableServer, publishServer } from "../catalog/servers";
import { createGrant, createGroup } from "../policy/store";
import { grantCreateInput, groupCreateInput } from "../policy/model";
import type { Services } from "../services";
import { createCaller } from "../trpc/root";

describeEachDatabase("the rule form's checks", (database) => {
  let services: Services;
  let ruleId: string;

  beforeAll(async () => {
    services = await testServices(database());
    const db = services.db;
    for (const name of ["github", "gitlab", "retired"]) {
      await createServer(db, ALICE, serverCreateInput.parse({ name, displayName: name, endpoint: `https://${name}.example.com/mcp` }));
    }
    await publishServer(db, ALICE, "github");
    await disableServer(db, ALICE, "retired");
    await createGroup(db, ALICE, groupCreateInput.parse({ name: "payments" }));
    ruleId = (await createGrant(db, ALICE, grantCreateInput.parse({ subject: { type: "group", name: "payments" }, servers: "github", access: "allow" }))).id;
    await createGrant(db, ALICE, grantCreateInput.parse({ subject: { type: "group", name: "payments" }, servers: "github", access: "deny" }));
  });

  it("lists the servers a rule may name with their status, leaving out disabled ones", async () => {
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    expect(await viewer.policy.serverTargets({})).toEqual([
      { name: "github", status: "active" },
      { name: "gitlab", status: "draft" },
    ]);
  });

  it("finds the saved rule a new one would repeat, but not the one being edited", async () => {
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    const candidate = { subject: { type: "group" as const, name: "payments" }, servers: "github", access: "allow" as const };
    expect((await viewer.grants.duplicates(candidate)).map((r) => r.id)).toEqual([ruleId]);
    expect(await viewer.grants.duplicates({ ...candidate, exceptId: ruleId })).toEqual([]);
    expect(await viewer.grants.duplicates({ ...candidate, servers: "github-*" })).toEqual([]);
    expect(await viewer.grants.duplicates({ ...candidate, subject: { type: "everyone" } })).toEqual([]);
  });
});
