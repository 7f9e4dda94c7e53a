/**
 * A replica while its Postgres is down (a fast shutdown of a server this suite started itself),
 * and after it returns (issue 10, items 7 and 8):
 * - requests that need the database answer 503 with Retry-After within seconds, however many
 *   arrive (the driver's reconnect backoff once made them wait up to 27.5 s);
 * - the feeds keep serving the in-memory snapshot;
 * - tenant pods whose token this replica verified before the outage keep getting their contract,
 *   even once that verification is older than the 60 s after which it is normally re-checked;
 *   a token it has not verified gets 503 at once (it cannot be checked), never a hang or a 500;
 *   a token revoked before the outage is not served; the grace ends after the outage grace;
 * - everything recovers on its own when the database returns.
 * The time bounds are behaviour (an answer within seconds rather than after half a minute), generous
 * enough for a loaded machine; they are not performance measurements.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CONFIG } from "../support/services";
import { OwnPostgres, ownPostgresAvailable } from "./support/own-postgres";
import { ADMIN, eventually, postJson, startReplica, timed, type Replica } from "./support/replica";

const FAST_MS = 5000;
const GRACE_MS = 30 * 60_000;

describe.skipIf(!ownPostgresAvailable())("a replica while its database is down", () => {
  let pg: OwnPostgres;
  let replica: Replica;
  /** How far the tenant authenticator's clock is ahead of the wall clock. */
  let skewMs = 0;
  const tokens: Record<"seen" | "unseen" | "revoked", string> = { seen: "", unseen: "", revoked: "" };

  const contract = (token: string) => timed(`${replica.internal}/api/internal/contract/team-a`, { headers: { authorization: `Bearer ${token}` } });
  const createServer = (name: string) => postJson(`${replica.api}/api/v1/mcp-servers`, { name, displayName: name, endpoint: `https://${name}.example/mcp` });

  beforeAll(async () => {
    pg = await OwnPostgres.create();
    replica = await startReplica(
      pg.url(),
      { tenantAuth: { ...TEST_CONFIG.tenantAuth, outageGraceMs: GRACE_MS } },
      {
        tenantAuthClock: () => Date.now() + skewMs,
      },
    );
    expect((await createServer("github")).status).toBe(201);
    expect((await postJson(`${replica.api}/api/v1/mcp-servers/github/publish`, {})).status).toBe(200);
    expect((await postJson(`${replica.api}/api/v1/tenants`, { name: "team-a", mcpPolicy: { allow: ["github"] } })).status).toBe(201);
    for (const name of ["seen", "unseen", "revoked"] as const) {
      const issued = await postJson(`${replica.api}/api/v1/tenants/team-a/tokens`, { name });
      expect(issued.status).toBe(201);
      tokens[name] = issued.body.token;
    }
    expect((await contract(tokens.seen)).status).toBe(200);
    expect((await contract(tokens.revoked)).status).toBe(200);
    const listed = await timed(`${replica.api}/api/v1/tenants/team-a/tokens`, { headers: ADMIN });
    const revokedId = listed.body.items.find((t: { name: string }) => t.name === "revoked").id;
    expect((await timed(`${replica.api}/api/v1/tenants/team-a/tokens/${revokedId}`, { method: "DELETE", headers: ADMIN })).status).toBe(204);
    expect((await contract(tokens.revoked)).status).toBe(401);
    await pg.stop();
  }, 120_000);

  afterAll(async () => {
    await replica?.close();
    await pg?.destroy();
  });

  it("answers writes with 503 and Retry-After within seconds, one after another and all at once", async () => {
    for (let i = 0; i < 10; i++) {
      const answer = await createServer(`down-${i}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.headers.get("retry-after")).toBeTruthy();
      expect(answer.ms).toBeLessThan(FAST_MS);
    }
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => createServer(`burst-${i}`)));
    for (const answer of burst) {
      expect(answer.status).toBe(503);
      expect(answer.ms).toBeLessThan(FAST_MS);
    }
  });

  it("says it is not ready, at once, and reports the database as down", async () => {
    const ready = await timed(`${replica.internal}/api/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/database unreachable/);
    expect(ready.ms).toBeLessThan(FAST_MS);
    const metrics = await timed(`${replica.internal}/api/metrics`);
    expect(metrics.body).toMatch(/^opencrane_database_up 0$/m);
  });

  it("keeps serving the Obot feed from the snapshot", async () => {
    const feed = await timed(`${replica.internal}/api/internal/obot-registry`);
    expect(feed.status).toBe(200);
    expect(feed.body.map((e: { entryKey: string }) => e.entryKey)).toEqual(["github"]);
    expect(feed.ms).toBeLessThan(FAST_MS);
  });

  it("keeps serving contracts to tokens verified before the outage, past the 60 s re-check", async () => {
    skewMs = 61_000;
    const answer = await contract(tokens.seen);
    expect(answer.status).toBe(200);
    expect(answer.body.tenant ?? answer.body).toBeTruthy();
    expect(JSON.stringify(answer.body)).toContain("github");
    expect(answer.ms).toBeLessThan(FAST_MS);
  });

  it("answers 503 with Retry-After at once for a token it has not verified, and never serves a revoked one", async () => {
    for (const token of [tokens.unseen, tokens.revoked, "octt_never-issued"]) {
      const answer = await contract(token);
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBeTruthy();
      expect(answer.ms).toBeLessThan(FAST_MS);
    }
  });

  it("stops serving a credential once it was verified longer ago than the outage grace", async () => {
    skewMs = GRACE_MS + 61_000;
    const answer = await contract(tokens.seen);
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeLessThan(FAST_MS);
  });

  it("recovers on its own when the database returns", async () => {
    await pg.start();
    await eventually(async () => ((await createServer("after")).status === 201 ? true : undefined), 10_000, "a write succeeds again");
    expect((await contract(tokens.unseen)).status).toBe(200);
    expect((await contract(tokens.seen)).status).toBe(200);
    expect((await contract(tokens.revoked)).status).toBe(401);
    expect((await timed(`${replica.internal}/api/readyz`)).status).toBe(200);
    expect((await timed(`${replica.internal}/api/metrics`)).body).toMatch(/^opencrane_database_up 1$/m);
  });
});
