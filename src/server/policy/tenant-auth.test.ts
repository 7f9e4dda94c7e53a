/**
 * Tenant tokens while the database is unreachable (issue 10, item 8): the database is closed
 * under the authenticator, which is what an outage looks like to it (every lookup fails with a
 * connection error).
 */
import { describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../../../test/support/database";
import { ALICE, TEST_CONFIG } from "../../../test/support/services";
import { DomainError } from "../errors";
import { createTenant } from "./store";
import { TenantAuthenticator } from "./tenant-auth";
import { createTenantToken, revokeTenantToken } from "./tenant-tokens";
import { hashSecret } from "../auth/secrets";
import { tenantCreateInput } from "@/server/policy/model";
import { tenantTokenCreateInput } from "@/server/policy/tenant-tokens";

const GRACE_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

for (const kind of DATABASE_KINDS) {
  describe(`tenant tokens while the database is unreachable [${kind}]`, () => {
    it("serves tokens verified before the outage within the grace, and answers UNAVAILABLE for every other (and for all with no grace)", async () => {
      const database = await createTestDatabase(kind);
      let now = Date.now();
      const auth = new TenantAuthenticator(database.db, { ...TEST_CONFIG.tenantAuth, outageGraceMs: GRACE_MS }, () => now);
      const longAuth = new TenantAuthenticator(database.db, { ...TEST_CONFIG.tenantAuth, outageGraceMs: 3 * DAY_MS }, () => now);
      const noGrace = new TenantAuthenticator(database.db, { ...TEST_CONFIG.tenantAuth, outageGraceMs: 0 }, () => now);
      const bearer = (token: string) => `Bearer ${token}`;
      let seen: string, unseen: string, revoked: string, shortLived: string;
      try {
        await createTenant(database.db, ALICE, tenantCreateInput.parse({ name: "team-a" }));
        seen = (await createTenantToken(database.db, ALICE, "team-a", tenantTokenCreateInput.parse({ name: "seen" }))).token;
        unseen = (await createTenantToken(database.db, ALICE, "team-a", tenantTokenCreateInput.parse({ name: "unseen" }))).token;
        const issued = await createTenantToken(database.db, ALICE, "team-a", tenantTokenCreateInput.parse({ name: "revoked" }));
        revoked = issued.token;
        shortLived = (await createTenantToken(database.db, ALICE, "team-a", tenantTokenCreateInput.parse({ name: "short", expiresInDays: 1 }))).token;

        expect((await auth.authenticate(bearer(seen))).tenant).toBe("team-a");
        expect((await auth.authenticate(bearer(revoked))).tenant).toBe("team-a");
        expect((await longAuth.authenticate(bearer(shortLived))).tenant).toBe("team-a");
        expect((await noGrace.authenticate(bearer(seen))).tenant).toBe("team-a");
        const gone = await revokeTenantToken(database.db, ALICE, "team-a", issued.tenantToken.id);
        expect(gone.hash).toBe(hashSecret(revoked));
        auth.forget(gone.hash);
      } finally {
        await database.close();
      }

      // Past the 60 s after which a tenant token is normally checked again.
      now += 61_000;
      expect(await auth.authenticate(bearer(seen))).toMatchObject({ tenant: "team-a", via: "tenant-token" });
      expect((await longAuth.authenticate(bearer(shortLived))).tenant).toBe("team-a");
      expect((await refusal(noGrace.authenticate(bearer(seen)))).code).toBe("UNAVAILABLE");
      for (const token of [unseen, revoked, "octt_never-issued"]) {
        const error = await refusal(auth.authenticate(bearer(token)));
        expect(error.code).toBe("UNAVAILABLE");
        expect(error.message).toMatch(/database is unreachable/);
      }

      // The grace is bounded: a verification older than it is not trusted any more.
      now += GRACE_MS;
      expect((await refusal(auth.authenticate(bearer(seen)))).code).toBe("UNAVAILABLE");
      // Nor is a token past its own expiry, however long the grace.
      now += DAY_MS;
      expect((await refusal(longAuth.authenticate(bearer(shortLived)))).code).toBe("UNAVAILABLE");
    }, 120_000);
  });
}
