import net from "node:net";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isDatabaseUnavailable } from "../errors";
import { DatabaseBreaker, DatabaseUnavailableError } from "./breaker";
import { openPostgres, reconnectBackoffSeconds } from "./client";

/** Drizzle wraps driver errors in its own (DrizzleQueryError, with the driver's as `cause`). */
function refusedByBreaker(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof DatabaseUnavailableError) return true;
  }
  return false;
}

const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

function breakerWith(probe: () => Promise<void>) {
  const changes: string[] = [];
  const breaker = new DatabaseBreaker({
    probe,
    isUnavailable: isDatabaseUnavailable,
    retryMs: 1000,
    onChange: (state) => changes.push(state),
  });
  return { breaker, changes };
}

describe("the database breaker", () => {
  afterEach(() => vi.useRealTimers());

  it("lets queries through, and does not probe for a query's own mistakes", async () => {
    const probe = vi.fn(async () => undefined);
    const { breaker } = breakerWith(probe);
    expect(await breaker.run(async () => 42)).toBe(42);
    await expect(breaker.run(async () => Promise.reject(Object.assign(new Error("syntax"), { code: "42601" })))).rejects.toThrow("syntax");
    expect(probe).not.toHaveBeenCalled();
    expect(breaker.state).toBe("closed");
  });

  it("stays closed when a connection failed but the probe reaches the database", async () => {
    const { breaker, changes } = breakerWith(async () => undefined);
    await expect(breaker.run(async () => Promise.reject(refused()))).rejects.toThrow("ECONNREFUSED");
    await breaker.probe();
    expect(breaker.state).toBe("closed");
    expect(changes).toEqual([]);
  });

  it("opens on a failed probe: queries then fail at once, as database-unavailable errors", async () => {
    const { breaker, changes } = breakerWith(async () => Promise.reject(refused()));
    await expect(breaker.run(async () => Promise.reject(refused()))).rejects.toThrow("ECONNREFUSED");
    await breaker.probe();
    expect(breaker.state).toBe("open");
    expect(changes).toEqual(["open"]);
    const query = vi.fn(async () => 1);
    const error = await breaker.run(query).catch((e: unknown) => e);
    expect(query).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect((error as Error).message).toContain("ECONNREFUSED");
    breaker.stop();
  });

  it("half-opens every retry interval to probe again, and closes on the first probe that succeeds", async () => {
    vi.useFakeTimers();
    let reachable = false;
    const probe = vi.fn(async () => {
      if (!reachable) throw refused();
    });
    const { breaker, changes } = breakerWith(probe);
    await breaker.probe();
    expect(breaker.state).toBe("open");
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(breaker.state).toBe("open");
    reachable = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe("closed");
    expect(changes).toEqual(["open", "closed"]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).toHaveBeenCalledTimes(3);
    expect(await breaker.run(async () => "ok")).toBe("ok");
  });

  it("runs one probe at a time however many queries fail together", async () => {
    let release: () => void = () => undefined;
    const probe = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const { breaker } = breakerWith(probe);
    await Promise.all(Array.from({ length: 5 }, () => breaker.run(async () => Promise.reject(refused())).catch(() => undefined)));
    expect(probe).toHaveBeenCalledTimes(1);
    release();
    await breaker.probe();
  });
});

describe("reconnecting to Postgres", () => {
  it("waits at most a second between attempts, following the driver's curve below that", () => {
    for (let attempt = 0; attempt < 50; attempt++) {
      expect(reconnectBackoffSeconds(attempt, 1)).toBeLessThanOrEqual(1);
      expect(reconnectBackoffSeconds(attempt, 0)).toBeGreaterThanOrEqual(0);
    }
    expect(reconnectBackoffSeconds(2, 1)).toBeCloseTo(0.09);
    expect(reconnectBackoffSeconds(30, 1)).toBe(1);
  });
});

describe("the Postgres pool when the server cannot be reached", () => {
  it("refuses at once after a failed probe, for queries and transactions alike", async () => {
    const database = await openPostgres("postgres://opencrane@127.0.0.1:1/none", { max: 2, connectTimeoutMs: 500 });
    try {
      const first = await database.db.execute(sql`select 1`).catch((e: unknown) => e);
      expect(isDatabaseUnavailable(first)).toBe(true);
      await database.breaker!.probe();
      expect(database.breaker!.state).toBe("open");
      for (let i = 0; i < 20; i++) {
        const error = await database.db.execute(sql`select 1`).catch((e: unknown) => e);
        expect(refusedByBreaker(error)).toBe(true);
      }
      const inTransaction = await database.db.transaction(async (tx) => tx.execute(sql`select 1`)).catch((e: unknown) => e);
      expect(refusedByBreaker(inTransaction)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it("gives up opening a connection to a server that never answers after the connect timeout", async () => {
    // A peer that accepts TCP connections and then says nothing: a hung server or a half-open path.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const database = await openPostgres(`postgres://opencrane@127.0.0.1:${port}/none`, { max: 2, connectTimeoutMs: 300 });
    try {
      const error = await database.db.execute(sql`select 1`).catch((e: unknown) => e);
      expect(isDatabaseUnavailable(error)).toBe(true);
      await database.breaker!.probe();
      expect(database.breaker!.state).toBe("open");
      expect(refusedByBreaker(await database.db.execute(sql`select 1`).catch((e: unknown) => e))).toBe(true);
    } finally {
      await database.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
