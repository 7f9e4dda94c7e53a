import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, publishRemoteServers, testServices } from "../../../test/support/services";
import { createGrant, createTenant } from "../policy/store";
import { grantCreateInput, tenantCreateInput } from "../policy/model";
import { hasReachIndex, reachIndexOf } from "./reach-index";
import { runToEnd } from "../util/steps";

describeEachDatabase("the reach index", (database) => {
  it("is built between builds after a full compile, so a writer's build does not build it, and names who may be allowed each server", async () => {
    const services = await testServices(database());
    try {
      await publishRemoteServers(services.db, ["github", "slack"]);
      for (const name of ["alpha", "beta", "gamma"]) await createTenant(services.db, ALICE, tenantCreateInput.parse({ name }));
      await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "github", access: "allow" }));
      await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "beta" }, servers: "*", access: "allow" }));
      await services.snapshots.refresh();
      const deadline = Date.now() + 5_000;
      while (!hasReachIndex(services.snapshots.current!.policy) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const policy = services.snapshots.current!.policy;
      expect(hasReachIndex(policy)).toBe(true);
      const index = runToEnd(reachIndexOf(policy, 1_000))!;
      const reaching = (server: string) => {
        const names = new Set<string>();
        index.forEachReaching([policy.serverIndex.get(server)!], (name) => names.add(name));
        return [...names].sort();
      };
      expect(reaching("github")).toEqual(["alpha", "beta"]);
      expect(reaching("slack")).toEqual(["beta"]);
    } finally {
      await services.close();
    }
  });
});
