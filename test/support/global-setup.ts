import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { IN_CI, MIGRATIONS, TEST_DATABASE_URL } from "./env";

declare module "vitest" {
  export interface ProvidedContext {
    /** Every Postgres database of this run is named with it: other runs on the server are left alone. */
    testDatabasePrefix: string;
  }
}

const TEST_DATABASE = /^opencrane_test_(\d+)_/;
const RUN_PREFIX = `opencrane_test_${process.pid}`;
export const TEMPLATE_DATABASE = `${RUN_PREFIX}_template`;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Migrates a template database once; each test file then clones it (CREATE DATABASE … TEMPLATE). */
export async function setup(project: TestProject) {
  project.provide("testDatabasePrefix", RUN_PREFIX);
  if (!TEST_DATABASE_URL) {
    if (IN_CI) throw new Error("CI=true requires TEST_DATABASE_URL: the suite must also run on real Postgres");
    return;
  }
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await dropTestDatabases(admin, isLeftOver);
    await admin.unsafe(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const template = postgres(withDatabase(TEST_DATABASE_URL, TEMPLATE_DATABASE), { max: 1, onnotice: () => {} });
  try {
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(drizzle({ client: template, casing: "snake_case" }), { migrationsFolder: MIGRATIONS });
  } finally {
    await template.end();
  }
}

export async function teardown() {
  if (!TEST_DATABASE_URL) return;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await dropTestDatabases(admin, (name) => name.startsWith(`${RUN_PREFIX}_`));
  } finally {
    await admin.end();
  }
}

/** A database of a run whose process is gone (killed before its teardown). */
function isLeftOver(name: string): boolean {
  const pid = Number(TEST_DATABASE.exec(name)?.[1]);
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function dropTestDatabases(admin: postgres.Sql, drop: (name: string) => boolean) {
  const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'opencrane_test_%'`;
  for (const { datname } of rows) {
    if (drop(datname)) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
  }
}
