import fs from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SHARED_DIR = path.resolve(REPO_ROOT, "..", "shared");
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const MIGRATIONS = path.join(REPO_ROOT, "drizzle");

/** Data from ../shared that a test needs; absent outside CI means skip (with why), in CI means fail. */
export function sharedData(...relative: string[]): { available: boolean; path: string; reason: string } {
  const full = path.join(SHARED_DIR, ...relative);
  const available = fs.existsSync(full);
  if (!available && IN_CI) {
    throw new Error(`CI=true but ${full} is missing: CI must provide ../shared beside the project`);
  }
  return { available, path: full, reason: `needs ../shared/${relative.join("/")} (real public catalog data; clone it beside the project)` };
}
