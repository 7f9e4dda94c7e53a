/**
 * One writer per table (issue 11, item 3): ingestion and review write servers through the
 * catalog's insertServer/writeServerChange and rules through the policy store's insertGrant, with
 * their invariants and audit; what the database refuses meanwhile is answered as a domain error
 * naming the server.
 */
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, testServices } from "../../../test/support/services";
import { serverCreateInput, toServerSpec } from "../catalog/model";
import { createServer, insertServer } from "../catalog/servers";
import { rowsOf } from "../db/rows";
import { auditEvents, grants, sourceItems } from "../db/schema";
import { DomainError } from "../errors";
import { groupCreateInput, tenantCreateInput } from "../policy/model";
import { createGroup, createTenant } from "../policy/store";
import type { Services } from "../services";
import { executeRun, type PipelineDeps } from "./pipeline";
import { releaseItem } from "./review";
import { claimRunById, getRun, queueRun } from "./runs";
import { updateSource, uploadsSource } from "./sources";

const entry = (key: string) => ({
  name: key.replace(/^./, (c) => c.toUpperCase()),
  entryKey: key,
  description: `The ${key} index.`,
  runtime: "remote",
  remoteConfig: { fixedURL: `https://${key}.example.com/mcp` },
});

const specOf = (name: string, over: Record<string, unknown> = {}) =>
  toServerSpec(
    serverCreateInput.parse({ name, displayName: name.replace(/^./, (c) => c.toUpperCase()), endpoint: `https://${name}.example.com/mcp`, ...over }),
  );

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describeEachDatabase("one writer per table", (database, kind) => {
  let services: Services;
  let source: string;
  beforeAll(async () => {
    services = await testServices(database());
    source = (await uploadsSource(services.db, ALICE)).name;
  });

  async function upload(documents: unknown[], deps: PipelineDeps = services.ingestionDeps) {
    const run = await queueRun(services.db, ALICE, source, "upload", { documents });
    expect(await claimRunById(services.db, run.id, "test")).toBe(true);
    const result = await executeRun(services.db, run.id, deps);
    expect(result, JSON.stringify((await getRun(services.db, source, run.id)).error)).not.toBeNull();
    return result!;
  }

  const quarantining = (): PipelineDeps => ({ ...services.ingestionDeps, denylist: ["source:*"] });

  it("insertServer keeps the create invariants in the caller's transaction, and audits with the caller's action", async () => {
    await createServer(services.db, ALICE, serverCreateInput.parse({ name: "taken", displayName: "Taken", endpoint: "https://taken.example.com/mcp" }));
    const attempt = (name: string, over: Record<string, unknown> = {}) =>
      services.db.transaction((tx) => insertServer(tx, ALICE, name, specOf(name, over), { action: "mcp_server.import" }));
    expect(await rejection(attempt("taken"))).toMatchObject({ code: "CONFLICT", message: "a server named 'taken' already exists" });
    expect(await rejection(attempt("taken-too", { displayName: "Taken" }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("display name 'Taken' is taken: server 'taken'"),
    });
    expect(await rejection(attempt("owned", { scope: "personal", ownerTenant: "nobody" }))).toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringContaining("owner tenant 'nobody' does not exist"),
    });
    const created = await attempt("fresh");
    expect(created).toMatchObject({ name: "fresh", status: "draft" });
    const [event] = await services.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "mcp_server"), eq(auditEvents.entityId, "fresh")));
    expect(event).toMatchObject({ action: "mcp_server.import", actor: ALICE.actor.id });
  });

  it("a release whose server name was taken since it was quarantined is refused as a conflict naming it", async () => {
    await upload([entry("later")], quarantining());
    const [item] = await services.db.select().from(sourceItems).where(eq(sourceItems.upstreamId, "later"));
    expect(item?.state).toBe("quarantined");
    await createServer(
      services.db,
      ALICE,
      serverCreateInput.parse({ name: "later", displayName: "Later, by hand", endpoint: "https://later.example.com/mcp" }),
    );
    const refused = await rejection(releaseItem(services.db, ALICE, item!.id));
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("'later'") });
    expect(refused.message).not.toMatch(/duplicate key|violates/);
  });

  it.runIf(kind === "postgres")("a release racing an admin's create of the same server answers 409 naming it, not the database's message", async () => {
    await upload([entry("raced")], quarantining());
    const [item] = await services.db.select().from(sourceItems).where(eq(sourceItems.upstreamId, "raced"));
    expect(item?.state).toBe("quarantined");
    // An admin's create holds the name, uncommitted: the release's checks cannot see it, the unique index can.
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const admin = services.db.transaction(async (tx) => {
      await insertServer(tx, ALICE, "raced", specOf("raced"));
      held();
      await committing;
    });
    await holding;
    const release = releaseItem(services.db, ALICE, item!.id).then(
      () => null,
      (e: unknown) => e,
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      const waiting = rowsOf<{ n: number }>(
        await services.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`),
      );
      if (Number(waiting[0]?.n) > 0) break;
      if (Date.now() > deadline) throw new Error("the release never waited for the admin's create");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    commit();
    await admin;
    const refused = (await release) as DomainError;
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("server 'raced'") });
    expect(refused.httpStatus).toBe(409);
    expect(refused.message).not.toMatch(/duplicate key|violates/);
    const [after] = await services.db.select().from(sourceItems).where(eq(sourceItems.id, item!.id));
    expect(after?.state).toBe("quarantined");
  });

  it("default entitlements are saved by the policy store: audited, and skipped with the reason when the store refuses them", async () => {
    await createGroup(services.db, ALICE, groupCreateInput.parse({ name: "platform" }));
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "acme", displayName: "Acme" }));
    await updateSource(services.db, ALICE, source, {
      defaultEntitlements: [
        { subject: { type: "group", name: "platform" } },
        { subject: { type: "group", name: "gone" } },
        { subject: { type: "tenant", name: "acme" }, note: "for acme" },
      ],
    });
    const result = await upload([entry("entitled")]);
    const item = result.items.find((i) => i.upstreamId === "entitled")!;
    expect(item.outcome).toBe("registered");
    expect(item.errors).toEqual(["default entitlement for group gone skipped: group 'gone' does not exist"]);
    const saved = await services.db.select().from(grants).where(eq(grants.servers, "entitled"));
    expect(saved.map((g) => [g.subjectType, g.subjectName, g.note, g.createdBy]).sort()).toEqual([
      ["group", "platform", `default entitlement of source ${source}`, `source:${source}`],
      ["tenant", "acme", "for acme", `source:${source}`],
    ]);
    const events = await services.db.select().from(auditEvents).where(eq(auditEvents.action, "grant.create"));
    expect(events.filter((e) => saved.some((g) => g.id === e.entityId))).toHaveLength(2);
  });
});
