import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { openPGlite, openPostgres, type Database } from "@/server/db/client";
import { MIGRATIONS, TEST_DATABASE_URL } from "./env";

export type DatabaseKind = "pglite" | "postgres";

/** PGlite always; real Postgres too when TEST_DATABASE_URL is set (CI sets it). */
export const DATABASE_KINDS: DatabaseKind[] = TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database of the given kind; close() throws it away. */
export async function createTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === "pglite") {
    const database = await openPGlite();
    await database.migrate(MIGRATIONS);
    return database;
  }
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const prefix = inject("testDatabasePrefix");
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${prefix}_template`);
  } finally {
    await admin.end();
  }
  const database = await openPostgres(withDatabase(TEST_DATABASE_URL, name), { max: 4 });
  return {
    ...database,
    async close() {
      await database.close();
      const dropper = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Runs a suite once per database kind, each with its own fresh database. */
export function describeEachDatabase(title: string, suite: (database: () => Database, kind: DatabaseKind) => void) {
  for (const kind of DATABASE_KINDS) {
    describe(`${title} [${kind}]`, () => {
      let database: Database | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await database?.close();
      });
      suite(() => {
        if (!database) throw new Error("test database not ready");
        return database;
      }, kind);
    });
  }
}
