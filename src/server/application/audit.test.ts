/** The audit page is one use case: REST and tRPC filter alike, dates included. */
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, principalFor, restClient, testServices, trpcContext } from "../../../test/support/services";
import { createTenant } from "../policy/store";
import { tenantCreateInput } from "../policy/model";
import type { Services } from "../services";
import { createCaller } from "../trpc/root";

describeEachDatabase("audit.list", (database) => {
  let services: Services;

  beforeAll(async () => {
    services = await testServices(database());
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "audited" }));
  });

  it("answers REST and tRPC the same page for the same filters, since and until included", async () => {
    const filters = { entityType: "tenant", since: "2000-01-01T00:00:00Z", until: "2999-01-01T00:00:00Z", limit: 5 };
    const rest = await restClient(services)("GET", `/api/v1/audit?${new URLSearchParams({ ...filters, limit: "5" })}`);
    expect(rest.status).toBe(200);
    expect(rest.body.events.map((e: { entityId: string }) => e.entityId)).toContain("audited");
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    expect(await viewer.audit.list(filters)).toEqual(rest.body);
  });
});
