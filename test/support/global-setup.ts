import postgres from "postgres";
import { IN_CI, MIGRATIONS, TEST_DATABASE_URL } from "./env";

export const TEMPLATE_DATABASE = "opencrane_test_template";

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Migrates a template database once; each test file then clones it (CREATE DATABASE … TEMPLATE). */
export async function setup() {
  if (!TEST_DATABASE_URL) {
    if (IN_CI) throw new Error("CI=true requires TEST_DATABASE_URL: the suite must also run on real Postgres");
    return;
  }
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await dropTestDatabases(admin);
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
    await dropTestDatabases(admin);
  } finally {
    await admin.end();
  }
}

async function dropTestDatabases(admin: postgres.Sql) {
  const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'opencrane_test_%'`;
  for (const { datname } of rows) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
}
