/**
 * Issue 10, item 13: a change naming a tenant or group that another request deletes at the same
 * moment gets a 4xx naming what is missing — never a foreign-key violation's 500.
 */
import postgres from "postgres";
import { expect, it } from "vitest";
import { groupMembers } from "@/server/db/schema";
import { DomainError, userMistakeOf } from "@/server/errors";
import { createGrant, createGroup, createTenant, getGroup, listGrants, updateGroup } from "@/server/policy/store";
import { errorResponse } from "@/server/rest/http";
import { describeEachDatabase } from "./support/database";
import { TEST_DATABASE_URL } from "./support/env";
import { ALICE, BOB } from "./support/services";
import { grantCreateInput, groupCreateInput, groupUpdateInput, tenantCreateInput } from "@/server/policy/model";

describeEachDatabase("Changes racing a delete", (database, kind) => {
  it("maps a foreign-key refusal to 422 naming the missing tenant", async () => {
    const { db } = database();
    await createGroup(db, ALICE, groupCreateInput.parse({ name: "fk-net", members: [] }));
    const error = await db
      .insert(groupMembers)
      .values({ groupName: "fk-net", tenantName: "vanished" })
      .then(
        () => null,
        (e: unknown) => e,
      );
    const mapped = userMistakeOf(error);
    expect(mapped).toBeInstanceOf(DomainError);
    expect(mapped).toMatchObject({ code: "VALIDATION_FAILED", message: "tenant 'vanished' does not exist (it was deleted while this change was being made)" });
    expect(errorResponse(error, "req-fk").status).toBe(422);
  });

  it.skipIf(kind !== "postgres")("a group update adding a tenant that is being deleted answers 422, and the group stays as it was", async () => {
    const { db } = database();
    await createTenant(db, ALICE, tenantCreateInput.parse({ name: "doomed" }));
    await createTenant(db, ALICE, tenantCreateInput.parse({ name: "keeper" }));
    await createGroup(db, ALICE, groupCreateInput.parse({ name: "racing", members: ["keeper"] }));
    await createTenant(db, ALICE, tenantCreateInput.parse({ name: "doomed-too" }));

    // Another request deletes the tenants and has not committed yet.
    const other = postgres(databaseUrl(database().location), { max: 1, onnotice: () => {} });
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const deleting = other.begin(async (sql) => {
      await sql`delete from tenants where name in ('doomed', 'doomed-too')`;
      await committed;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const update = updateGroup(db, BOB, "racing", groupUpdateInput.parse({ members: ["keeper", "doomed"] })).then(
        () => null,
        (e: unknown) => e,
      );
      const grant = createGrant(db, BOB, grantCreateInput.parse({ subject: { type: "tenant", name: "doomed-too" }, servers: "*", access: "allow" })).then(
        () => null,
        (e: unknown) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      commit();
      await deleting;
      const [updateError, grantError] = [await update, await grant];
      const answer = errorResponse(updateError, "req-race");
      expect(answer.status).toBe(422);
      expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/doomed.*not exist/);
      expect(errorResponse(grantError, "req-race-grant").status).toBe(422);
      expect((await getGroup(db, "racing")).members).toEqual(["keeper"]);
      expect((await listGrants(db)).filter((g) => g.subject.type === "tenant" && g.subject.name === "doomed-too")).toEqual([]);
    } finally {
      commit();
      await deleting.catch(() => undefined);
      await other.end();
    }
  });
});

/** The test database's own URL (its location has the password redacted; the test server trusts). */
function databaseUrl(location: string): string {
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = new URL(location.replace("***", "x")).pathname;
  return url.toString();
}
