/**
 * Readiness on the embedded database must not queue behind other work: its queries run one at a
 * time, so a `select 1` behind a long batch would report the queue, not the database.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPGlite, type Database } from "./client";

let database: Database;
beforeAll(async () => {
  database = await openPGlite();
});
let closed = false;
afterAll(async () => {
  if (!closed) await database.close();
});

async function settles(promise: Promise<unknown>, withinMs: number): Promise<"resolved" | "rejected" | "pending"> {
  return Promise.race([
    promise.then(
      () => "resolved" as const,
      () => "rejected" as const,
    ),
    new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), withinMs)),
  ]);
}

it("answers at once while a transaction holds the embedded database, if it answered moments ago", async () => {
  await database.db.execute(sql`select 1`);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const transaction = database.db.transaction(async (tx) => {
    await tx.execute(sql`select 1`);
    await held;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  // A query of its own would now wait for the transaction.
  const queued = database.db.execute(sql`select 2`);
  expect(await settles(queued, 100)).toBe("pending");
  expect(await settles(database.answers(), 100)).toBe("resolved");
  release();
  await transaction;
  await queued;
});

it("asks the database when it has been quiet, and so notices one that does not answer", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const transaction = database.db.transaction(async () => held);
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  const check = database.answers();
  expect(await settles(check, 200)).toBe("pending");
  release();
  await transaction;
  expect(await settles(check, 2_000)).toBe("resolved");
});

it("a closed embedded database does not answer, though it answered moments ago", async () => {
  await database.db.execute(sql`select 1`);
  await database.close();
  closed = true;
  await expect(database.answers()).rejects.toThrow(/closed/);
});
