import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentCatalogRevision } from "../audit/audit";
import { dispatchRest } from "../rest";
import { startServices, type Services } from "../services";
import { createTestDatabase, DATABASE_KINDS } from "../../../test/support/database";
import { BOOTSTRAP, TEST_CONFIG } from "../../../test/support/services";
import { COALESCE_MS, SnapshotStore } from "./store";
import type { CatalogState } from "./snapshot";

/** A store over an in-memory "database" whose reads can be held, to order builds and notifications. */
function fakeStore() {
  const db = { revision: 1 };
  let hold: Promise<void> | null = null;
  const store = new SnapshotStore({
    loadRevision: async () => db.revision,
    loadState: async (): Promise<CatalogState> => {
      const revision = db.revision;
      await hold;
      return { revision, servers: [], policy: { servers: [], groups: [], rules: [], tenants: [] }, tenants: [] };
    },
  });
  const holdReads = () => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    return () => {
      hold = null;
      release();
    };
  };
  return { db, store, holdReads };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** A catalog of `tenants` tenants each allowed every one of `servers` servers by a rule of its own: seconds of compile work. */
function largeState(tenants: number, servers: number): CatalogState {
  const serverNames = Array.from({ length: servers }, (_, i) => `srv-${String(i).padStart(4, "0")}`);
  const tenantNames = Array.from({ length: tenants }, (_, i) => `tenant-${String(i).padStart(5, "0")}`);
  return {
    revision: 1,
    servers: [],
    policy: {
      servers: serverNames.map((name) => ({ name, scope: "org" as const, status: "active" as const })),
      groups: [],
      rules: tenantNames.map((name, i) => ({
        id: `r${i}`,
        subject: { type: "tenant" as const, name },
        servers: "srv-*",
        access: "allow" as const,
        expiresAt: null,
      })),
      tenants: tenantNames.map((name) => ({ name, labels: {}, mcpPolicy: { allow: [], deny: [] } })),
    },
    tenants: tenantNames.map((name) => ({ name, displayName: name, team: "" })),
  };
}

describe("SnapshotStore: readers do not wait for a build", () => {
  it("yields to the event loop between slices of a build, so requests are served meanwhile", async () => {
    const state = largeState(4000, 300);
    const store = new SnapshotStore({ loadRevision: async () => 1, loadState: async () => state });
    let turns = 0;
    let longestGapMs = 0;
    let last = performance.now();
    let building = true;
    const tick = () => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      turns++;
      if (building) setImmediate(tick);
    };
    setImmediate(tick);
    const started = performance.now();
    await store.refresh();
    building = false;
    const buildMs = performance.now() - started;
    expect(store.current!.contractStates.size).toBe(4000);
    // The build took many slices' worth of time, and the loop turned throughout it; a build run
    // as one block would have given one turn and a gap as long as the build.
    expect(buildMs).toBeGreaterThan(40);
    expect(turns).toBeGreaterThan(5);
    expect(longestGapMs).toBeLessThan(buildMs / 3);
  });
});

describe("SnapshotStore: one build per write", () => {
  it("a NOTIFY during the writer's build waits for it instead of starting another", async () => {
    const { db, store, holdReads } = fakeStore();
    await store.refresh();
    db.revision = 2;
    const release = holdReads();
    const writer = store.refresh();
    store.notified(2);
    release();
    expect((await writer).revision).toBe(2);
    await settle();
    expect(store.builds).toBe(2);
    expect(store.current!.revision).toBe(2);
  });

  it("the writer's refresh after its NOTIFY started a build shares that build", async () => {
    const { db, store, holdReads } = fakeStore();
    await store.refresh();
    db.revision = 2;
    const release = holdReads();
    store.notified(2);
    const writer = store.refresh();
    release();
    expect((await writer).revision).toBe(2);
    await settle();
    expect(store.builds).toBe(2);
  });

  it("a notification for a revision already built, or covered by a queued build, starts nothing", async () => {
    const { db, store, holdReads } = fakeStore();
    await store.refresh();
    store.notified(1);
    expect(store.builds).toBe(1);
    db.revision = 2;
    const release = holdReads();
    store.notified(2);
    store.notified(2);
    expect(store.builds).toBe(2);
    release();
    await settle();
    expect(store.builds).toBe(2);
  });

  it("still rebuilds when a write commits after the running build read the database", async () => {
    const { db, store, holdReads } = fakeStore();
    await store.refresh();
    const release = holdReads();
    const first = store.refresh();
    await settle();
    db.revision = 2; // committed after the running build took its snapshot
    const writer = store.refresh();
    store.notified(2);
    release();
    expect((await first).revision).toBe(1);
    expect((await writer).revision).toBe(2);
    await settle();
    expect(store.builds).toBe(3);
  });
});

describe("SnapshotStore: a burst of writes shares a build", () => {
  it("a build about to start waits for the writes in flight and covers them", async () => {
    const { db, store } = fakeStore();
    await store.refresh();
    const second = store.writeStarted();
    db.revision = 2; // the first writer committed
    const first = store.refresh();
    await settle();
    expect(store.builds).toBe(1); // waiting for the second writer's commit
    db.revision = 3;
    second();
    const [a, b] = await Promise.all([first, store.refresh()]);
    expect(a.revision).toBe(3);
    expect(b).toBe(a);
    expect(store.builds).toBe(2);
  });

  it("waits no longer than COALESCE_MS for a write that does not end", async () => {
    const { db, store } = fakeStore();
    await store.refresh();
    store.writeStarted();
    db.revision = 2;
    const started = performance.now();
    expect((await store.refresh()).revision).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(COALESCE_MS - 1);
    expect(store.builds).toBe(2);
  });

  it("a lone writer's build starts at once", async () => {
    const { db, store } = fakeStore();
    await store.refresh();
    const done = store.writeStarted();
    db.revision = 2;
    done();
    done(); // idempotent: the count of writes in flight stays right
    const refreshed = store.refresh();
    expect(store.builds).toBe(2);
    expect((await refreshed).revision).toBe(2);
    const next = store.writeStarted();
    next();
    db.revision = 3;
    void store.refresh();
    expect(store.builds).toBe(3);
  });
});

describe.each(DATABASE_KINDS)("one REST write builds the snapshot once, NOTIFY listener included [%s]", (kind) => {
  let services: Services;

  beforeAll(async () => {
    const database = await createTestDatabase(kind);
    services = await startServices({ ...TEST_CONFIG, snapshotPollMs: 3_600_000 }, database, { migrate: false, background: true });
  });

  afterAll(async () => {
    await services?.close();
  });

  it("answers the writer from one build, and its own NOTIFY adds none", async () => {
    const before = services.snapshots.builds;
    const response = await dispatchRest(
      services,
      new Request("http://control-plane.test/api/v1/tenants", {
        method: "POST",
        headers: { ...BOOTSTRAP, "content-type": "application/json" },
        body: JSON.stringify({ name: "counted" }),
      }),
    );
    expect(response.status).toBe(201);
    // Read-your-writes: the refresh the route awaited already serves the new tenant.
    expect(services.snapshots.current!.tenants.has("counted")).toBe(true);
    expect(services.snapshots.current!.revision).toBe(await currentCatalogRevision(services.db));
    // Give the notification time to arrive and any build it started time to show.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(services.snapshots.builds - before).toBe(1);
    const ok = await services.metrics.snapshotBuilds.get();
    expect(ok.values.find((v) => v.labels.result === "ok")?.value).toBe(services.snapshots.builds);
  });

  it("answers an impact preview without a build: a dry run writes nothing", async () => {
    const before = services.snapshots.builds;
    const response = await dispatchRest(
      services,
      new Request("http://control-plane.test/api/v1/grants?dryRun=true", {
        method: "POST",
        headers: { ...BOOTSTRAP, "content-type": "application/json" },
        body: JSON.stringify({ subject: { type: "everyone" }, servers: "*", access: "allow" }),
      }),
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { dryRun: boolean }).dryRun).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(services.snapshots.builds).toBe(before);
  });
});
