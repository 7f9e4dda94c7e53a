/** The command palette's search (search.find): servers, tenants, groups and rules by name, a few of each, for any viewer. */
import { beforeAll, expect, it } from "vitest";
import type { Services } from "@/server/services";
import { createCaller } from "@/server/trpc/root";
import { describeEachDatabase } from "./support/database";
import { principalFor, restClient, testServices, trpcContext } from "./support/services";

describeEachDatabase("search.find", (database) => {
  let services: Services;

  beforeAll(async () => {
    services = await testServices(database());
    const call = restClient(services);
    for (const name of ["payments-api", "payroll", "weather"]) {
      expect((await call("POST", "/api/v1/mcp-servers", { name, displayName: `${name} server` })).status).toBe(201);
    }
    expect((await call("POST", "/api/v1/tenants", { name: "payments-agent", team: "finance" })).status).toBe(201);
    expect((await call("POST", "/api/v1/tenants", { name: "ops-agent" })).status).toBe(201);
    expect((await call("POST", "/api/v1/groups", { name: "payments-team", members: ["payments-agent"] })).status).toBe(201);
    expect((await call("POST", "/api/v1/grants", { subject: { type: "group", name: "payments-team" }, servers: "pay*", access: "allow" })).status).toBe(201);
    expect((await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "weather", access: "allow", note: "forecasts" })).status).toBe(201);
  });

  it("finds each kind by part of its name, case-insensitively, a few of each", async () => {
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    const found = await viewer.search.find({ q: "PAY" });
    expect(found.servers.map((s) => s.name)).toEqual(["payments-api", "payroll"]);
    expect(found.tenants.map((t) => t.name)).toEqual(["payments-agent"]);
    expect(found.groups).toEqual([{ name: "payments-team", description: "" }]);
    expect(found.rules.map((r) => r.servers)).toEqual(["pay*"]);
    expect((await viewer.search.find({ q: "pay", limit: 1 })).servers).toHaveLength(1);
    expect((await viewer.search.find({ q: "forecast" })).rules.map((r) => r.servers)).toEqual(["weather"]);
    expect((await viewer.search.find({ q: "100%" })).servers).toEqual([]); // % is text, not a wildcard
  });

  it("refuses an empty search and callers without a role", async () => {
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    await expect(viewer.search.find({ q: "  " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(createCaller(trpcContext(services, null)).search.find({ q: "pay" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
