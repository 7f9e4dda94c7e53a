/**
 * Batches (POST /api/v1/mcp-servers:batch, /api/v1/review/items:batch and their tRPC twins): one
 * impact preview for the whole batch, and all or nothing — one refused item and nothing is written.
 */
import { beforeAll, expect, it } from "vitest";
import type { Services } from "@/server/services";
import { createCaller } from "@/server/trpc/root";
import { describeEachDatabase } from "./support/database";
import { principalFor, restClient, testServices, trpcContext } from "./support/services";

const S = "/api/v1/mcp-servers";

describeEachDatabase("batches", (database) => {
  let services: Services;
  let call: ReturnType<typeof restClient>;

  const statusOf = async (name: string) => (await call("GET", `${S}/${name}`)).body.status as string;
  const auditCount = async () => (await call("GET", "/api/v1/audit?limit=200")).body.events.length as number;

  beforeAll(async () => {
    services = await testServices(database());
    call = restClient(services);
    for (const name of ["one", "two", "three"]) {
      expect((await call("POST", S, { name, displayName: name, endpoint: `https://${name}.example.com/mcp` })).status).toBe(201);
    }
    expect((await call("POST", S, { name: "bare", displayName: "Bare" })).status).toBe(201); // no runtime: cannot be published
    expect((await call("POST", "/api/v1/tenants", { name: "payments-agent" })).status).toBe(201);
    expect((await call("POST", "/api/v1/tenants", { name: "ops-agent" })).status).toBe(201);
    expect((await call("POST", "/api/v1/grants", { subject: { type: "everyone" }, servers: "*", access: "allow" })).status).toBe(201);
  });

  it("refuses the whole batch when one server refuses, names it, and writes nothing", async () => {
    const before = await auditCount();
    const res = await call("POST", `${S}:batch`, { action: "publish", names: ["one", "two", "bare"] });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^cannot change these servers|^nothing was changed/);
    expect(res.body.error.message).toContain("'bare'");
    expect(res.body.error.details.fieldErrors["names.2"]).toEqual([expect.stringContaining("no runtime")]);
    expect([await statusOf("one"), await statusOf("two"), await statusOf("bare")]).toEqual(["draft", "draft", "draft"]);
    expect(await auditCount()).toBe(before);
  });

  it("refuses a batch naming a server that does not exist as the caller's mistake", async () => {
    const res = await call("POST", `${S}:batch`, { action: "publish", names: ["one", "ghost"] });
    expect(res.status).toBe(422);
    expect(res.body.error.details.fieldErrors["names.1"]).toEqual([expect.stringContaining("'ghost' does not exist")]);
    expect(await statusOf("one")).toBe("draft");
  });

  it("validates the batch itself: an action, at least one name, no name twice", async () => {
    const empty = await call("POST", `${S}:batch`, { action: "publish", names: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.fieldErrors.names).toEqual(["select at least one server"]);
    const twice = await call("POST", `${S}:batch`, { action: "publish", names: ["one", "one"] });
    expect(twice.body.error.details.fieldErrors.names).toEqual(["each server may appear only once"]);
    const unknown = await call("POST", `${S}:batch`, { action: "archive", names: ["one"] });
    expect(unknown.body.error.details.fieldErrors.action).toEqual(["action must be one of publish, disable, delete"]);
  });

  it("previews the whole batch at once, writing nothing, then applies it in one go", async () => {
    const before = await auditCount();
    const preview = await call("POST", `${S}:batch?dryRun=true`, { action: "publish", names: ["one", "two"] });
    expect(preview.status).toBe(200);
    expect(preview.body.dryRun).toBe(true);
    expect(preview.body.impact.changes).toEqual([
      { server: "one", gained: ["ops-agent", "payments-agent"], lost: [] },
      { server: "two", gained: ["ops-agent", "payments-agent"], lost: [] },
    ]);
    expect(preview.body.impact.tenantsAffected).toBe(2);
    expect(await statusOf("one")).toBe("draft");
    expect(await auditCount()).toBe(before);

    const applied = await call("POST", `${S}:batch`, { action: "publish", names: ["one", "two"], reason: "reviewed together" });
    expect(applied.status).toBe(200);
    expect(applied.body.action).toBe("publish");
    expect(applied.body.servers.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["one", "active"],
      ["two", "active"],
    ]);
    expect(await auditCount()).toBe(before + 2);
  });

  it("deletes all or none: an active server among the selected keeps every one", async () => {
    const res = await call("POST", `${S}:batch`, { action: "delete", names: ["three", "one"] });
    expect(res.status).toBe(409);
    expect(res.body.error.details.fieldErrors["names.1"]).toEqual([expect.stringContaining("disable it before deleting it")]);
    expect(await statusOf("three")).toBe("draft");
    const disabled = await call("POST", `${S}:batch`, { action: "disable", names: ["one", "two"] });
    expect(disabled.body.servers.map((s: { status: string }) => s.status)).toEqual(["disabled", "disabled"]);
    const deleted = await call("POST", `${S}:batch`, { action: "delete", names: ["three", "one"] });
    expect(deleted.status).toBe(200);
    expect((await call("GET", `${S}/three`)).status).toBe(404);
    expect((await call("GET", `${S}/one`)).status).toBe(404);
  });

  it("the tRPC twin takes the same batch and the same role", async () => {
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    await expect(viewer.catalog.batch({ batch: { action: "disable", names: ["two"] } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const editor = createCaller(trpcContext(services, principalFor("editor")));
    const preview = await editor.catalog.batch({ batch: { action: "publish", names: ["two"] }, dryRun: true });
    expect(preview.dryRun && preview.impact.tenantsAffected).toBe(2);
    expect(await statusOf("two")).toBe("disabled");
  });

  it("releases or rejects quarantined items all together, or none of them", async () => {
    const internal = (n: number) => ({
      name: `io.example/internal-${n}`,
      description: "Internal",
      version: "1.0.0",
      remotes: [{ type: "streamable-http", url: `http://10.0.0.${n}/mcp` }],
    });
    const held = await call("POST", `${S}/import`, [internal(1), internal(2)]);
    expect(held.body.quarantined).toHaveLength(2);
    const ids = (await call("GET", "/api/v1/review/quarantined")).body.items.map((i: { id: string }) => i.id) as string[];
    expect(ids).toHaveLength(2);

    const refused = await call("POST", "/api/v1/review/items:batch", { action: "reject", ids: [...ids, "00000000-0000-4000-8000-000000000000"] });
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.body.error.details.fieldErrors)).toEqual(["ids.2"]);
    expect((await call("GET", "/api/v1/review/quarantined")).body.items).toHaveLength(2);

    const preview = await call("POST", "/api/v1/review/items:batch?dryRun=true", { action: "release", ids });
    expect(preview.status).toBe(200);
    expect(preview.body.impact.changes).toEqual([]); // released items become drafts: nobody gains anything yet
    expect((await call("GET", "/api/v1/review/quarantined")).body.items).toHaveLength(2);

    const released = await call("POST", "/api/v1/review/items:batch", { action: "release", ids });
    expect(released.status).toBe(200);
    expect(released.body.items.map((i: { id: string; outcome: string }) => [i.id, i.outcome])).toEqual(ids.map((id) => [id, "registered"]));
    expect((await call("GET", "/api/v1/review/quarantined")).body.items).toEqual([]);
  });
});
