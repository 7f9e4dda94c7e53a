import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL } from "../../../test/support/env";
import { loadConfig } from "../config";
import { openPostgres, type Database } from "./client";
import { StatementPreparer } from "./prepared-statements";
import { rowsOf } from "./rows";

describe("StatementPreparer", () => {
  const policy = { maxStatements: 3, maxParameters: 4, preparedFromRun: 2, maxSightings: 10 };

  it("prepares a text from its second run on, and only texts with parameters within the bound", () => {
    const preparer = new StatementPreparer(policy);
    expect([1, 2, 3].map(() => preparer.shouldPrepare("select $1", 1))).toEqual([false, true, true]);
    // Without parameters the driver needs no describe round trip: never prepared.
    expect([1, 2].map(() => preparer.shouldPrepare("select 1", 0))).toEqual([false, false]);
    // A text whose parameters grow with its input (a multi-row insert) stays unnamed.
    expect([1, 2].map(() => preparer.shouldPrepare("insert … $5", 5))).toEqual([false, false]);
    expect(preparer.preparedCount).toBe(1);
  });

  it("prepares at most maxStatements texts; the rest run unnamed", () => {
    const preparer = new StatementPreparer(policy);
    const texts = ["a $1", "b $1", "c $1", "d $1"];
    for (const text of texts) preparer.shouldPrepare(text, 1);
    expect(texts.map((text) => preparer.shouldPrepare(text, 1))).toEqual([true, true, true, false]);
    expect(preparer.preparedCount).toBe(3);
  });

  it("forgets its counts past maxSightings one-off texts, so they cannot grow without bound", () => {
    const preparer = new StatementPreparer(policy);
    preparer.shouldPrepare("recurring $1", 1);
    for (let i = 0; i < policy.maxSightings; i++) preparer.shouldPrepare(`one-off ${i} $1`, 1);
    // The counts started over: the recurring text's earlier run is forgotten.
    expect(preparer.shouldPrepare("recurring $1", 1)).toBe(false);
    expect(preparer.shouldPrepare("recurring $1", 1)).toBe(true);
  });
});

describe("OPENCRANE_DATABASE_PREPARED_STATEMENTS", () => {
  const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;
  it("is on unless set off, and refuses anything but on or off", () => {
    expect(loadConfig(env({})).databasePreparedStatements).toBe(true);
    expect(loadConfig(env({ OPENCRANE_DATABASE_PREPARED_STATEMENTS: "off" })).databasePreparedStatements).toBe(false);
    expect(loadConfig(env({ OPENCRANE_DATABASE_PREPARED_STATEMENTS: "ON" })).databasePreparedStatements).toBe(true);
    expect(() => loadConfig(env({ OPENCRANE_DATABASE_PREPARED_STATEMENTS: "sometimes" }))).toThrow(
      "OPENCRANE_DATABASE_PREPARED_STATEMENTS must be on or off (got 'sometimes')",
    );
  });
});

describe.skipIf(!TEST_DATABASE_URL)("prepared statements on Postgres (TEST_DATABASE_URL)", () => {
  const name = `opencrane_prepared_${randomBytes(4).toString("hex")}`;
  let database: Database;
  const adminUrl = TEST_DATABASE_URL ?? "";
  const urlOf = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();

  beforeAll(async () => {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`).finally(() => admin.end());
    // One connection: the session pg_prepared_statements describes is the one every query used.
    database = await openPostgres(urlOf(name), { max: 1 });
  });
  afterAll(async () => {
    await database?.close();
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`).finally(() => admin.end());
  });

  const prepared = async () => {
    const rows = rowsOf<{ statement: string }>(await database.db.execute(sql`select statement from pg_prepared_statements`));
    return rows.map((row) => row.statement);
  };

  it("runs a recurring query as a prepared statement, with the same answers, in and out of transactions", async () => {
    const text = "select $1::int + 1 as next";
    const answers: number[] = [];
    for (const n of [1, 2, 3]) {
      const [row] = rowsOf<{ next: number }>(await database.db.execute(sql`select ${n}::int + 1 as next`));
      answers.push(Number(row!.next));
    }
    expect(answers).toEqual([2, 3, 4]);
    expect((await prepared()).filter((statement) => statement === text)).toHaveLength(1);

    // In a transaction and in a savepoint within it, the same: the callback's client prepares too.
    const inTransaction = await database.db.transaction(async (tx) => {
      const outer: number[] = [];
      for (const n of [10, 11]) outer.push(Number(rowsOf<{ v: number }>(await tx.execute(sql`select ${n}::int * 2 as v`))[0]!.v));
      const inner = await tx.transaction(async (savepoint) => {
        const values: number[] = [];
        for (const n of [5, 6]) values.push(Number(rowsOf<{ v: number }>(await savepoint.execute(sql`select ${n}::int * 3 as v`))[0]!.v));
        return values;
      });
      return { outer, inner };
    });
    expect(inTransaction).toEqual({ outer: [20, 22], inner: [15, 18] });
    const statements = await prepared();
    expect(statements).toContain("select $1::int * 2 as v");
    expect(statements).toContain("select $1::int * 3 as v");
  });

  it("leaves a query run once unnamed", async () => {
    await database.db.execute(sql`select ${"once"}::text as only_once`);
    expect(await prepared()).not.toContain("select $1::text as only_once");
  });

  it("prepares nothing when turned off (a pooler in transaction mode)", async () => {
    const unprepared = await openPostgres(urlOf(name), { max: 1, preparedStatements: false });
    try {
      for (const n of [1, 2, 3]) await unprepared.db.execute(sql`select ${n}::int - 1 as previous`);
      const rows = rowsOf<{ statement: string }>(await unprepared.db.execute(sql`select statement from pg_prepared_statements`));
      expect(rows.map((row) => row.statement)).not.toContain("select $1::int - 1 as previous");
    } finally {
      await unprepared.close();
    }
  });
});
