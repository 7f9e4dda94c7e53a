/**
 * Where the end-to-end server runs and what it is given, shared by playwright.config.ts and the
 * specs (the setup project reads the printed setup link from the server's log).
 */
import os from "node:os";
import path from "node:path";

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3210);
/** The internal port next to the main one, so the suite never collides with a developer's server on 3001. */
export const E2E_INTERNAL_PORT = E2E_PORT + 1;
/** The stand-in Obot (test/support/fake-obot.ts) e2e/serve.mjs starts next to the server, for the Obot link. */
export const E2E_OBOT_PORT = E2E_PORT + 2;
/** Emptied by e2e/serve.mjs before the server starts: every run begins with no users and an empty catalog. */
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? path.join(os.tmpdir(), `opencrane-e2e-${E2E_PORT}`);
/** Everything the server prints, written by e2e/serve.mjs (the first-start setup link is printed once). */
export const E2E_SERVER_LOG = `${E2E_DATA_DIR}.server.log`;
/** Accepted as an admin bearer token: the specs seed data through REST with it, as automation would. */
export const E2E_BOOTSTRAP_TOKEN = process.env.E2E_BOOTSTRAP_TOKEN ?? "e2e-bootstrap-token";
/** The first-start admin's browser state (session cookie), saved by the setup project. */
export const ADMIN_STATE = path.resolve(__dirname, ".auth", "admin.json");
