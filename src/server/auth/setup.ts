/**
 * The first admin of an installation without OIDC: created from OPENCRANE_ADMIN_EMAIL and
 * OPENCRANE_ADMIN_PASSWORD when set, otherwise through a one-time setup link printed once.
 */
import { z } from "zod";
import { recordAudit } from "../audit/audit";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { DomainError, parseInput } from "../errors";
import { dropFlows, peekFlow, putFlow } from "./flows";
import { newSecret } from "./secrets";
import { createSession, type SessionPolicy } from "./sessions";
import { emailSchema, passwordSchema, setupInput, type SignInOptions } from "./model";
import { eq } from "drizzle-orm";
import { users } from "../db/schema";
import { countUsers, insertLocalUser, toUser, type User } from "./users";

export { setupInput } from "./model";

const SETUP_LINK_TTL_MS = 24 * 3_600_000;

export type FirstStart = { kind: "users-exist" } | { kind: "oidc" } | { kind: "admin-from-env"; email: string } | { kind: "setup-link"; token: string };

/** Called once at start: what an operator needs to know to sign in for the first time. */
export async function prepareFirstAdmin(db: Db, config: Config): Promise<FirstStart> {
  if ((await countUsers(db)) > 0) return { kind: "users-exist" };
  if (config.auth.oidc) return { kind: "oidc" };
  const { adminEmail, adminPassword } = config.auth;
  if (adminEmail && adminPassword) {
    const input = parseInput(
      z.object({ email: emailSchema, password: passwordSchema }),
      { email: adminEmail, password: adminPassword },
      "OPENCRANE_ADMIN_EMAIL / OPENCRANE_ADMIN_PASSWORD",
    );
    await db.transaction((tx) => insertLocalUser(tx, { actor: { kind: "system", id: "OPENCRANE_ADMIN_EMAIL" } }, { ...input, displayName: "", role: "admin" }));
    return { kind: "admin-from-env", email: input.email };
  }
  const token = newSecret();
  await db.transaction(async (tx) => {
    await dropFlows(tx, "setup");
    await putFlow(tx, "setup", token, {}, SETUP_LINK_TTL_MS);
  });
  return { kind: "setup-link", token };
}

export function firstStartMessage(first: FirstStart, baseUrl: string): string | null {
  switch (first.kind) {
    case "setup-link":
      return `no users yet: open ${baseUrl}/setup#token=${first.token} to create the first admin (valid 24 h; this link is printed once)`;
    case "admin-from-env":
      return `created the first admin ${first.email} from OPENCRANE_ADMIN_EMAIL`;
    case "oidc":
      return "no users yet: the first person to sign in through OIDC with an admin group becomes an admin";
    default:
      return null;
  }
}

export async function setupNeeded(db: Db, config: Config): Promise<boolean> {
  return !config.auth.oidc && (await countUsers(db)) === 0;
}

/** What the login page offers: GET /api/auth/config, and the page itself when rendered on the server. */
export async function signInOptions(db: Db, config: Config): Promise<SignInOptions> {
  return { oidc: Boolean(config.auth.oidc), local: !config.auth.oidc, setupNeeded: await setupNeeded(db, config) };
}

/** Creates the first admin with the setup link's token; refused once any user exists. */
export async function completeSetup(
  db: Db,
  policy: SessionPolicy,
  input: z.output<typeof setupInput>,
  meta: { userAgent?: string | null; sourceIp?: string; requestId?: string },
): Promise<{ user: User; secret: string; expiresAt: Date }> {
  return db.transaction(async (tx) => {
    const flow = await peekFlow(tx, "setup", input.token);
    if (!flow) throw new DomainError("UNAUTHORIZED", "this setup link is not valid (used, expired, or replaced by a newer one printed at the last start)");
    if ((await countUsers(tx)) > 0) throw new DomainError("CONFLICT", "setup is already done: sign in instead");
    const ctx = { actor: { kind: "system" as const, id: "setup-link" }, requestId: meta.requestId, sourceIp: meta.sourceIp };
    const created = await insertLocalUser(tx, ctx, { email: input.email, displayName: input.displayName, password: input.password, role: "admin" });
    await dropFlows(tx, "setup");
    // Creating the first admin signs them in: their last sign-in is now, not "never".
    const now = new Date();
    const [row] = await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, created.id)).returning();
    const user = toUser(row!);
    const session = await createSession(tx, user.id, policy, meta, now);
    await recordAudit(
      tx,
      { actor: { kind: "user", id: user.email }, requestId: meta.requestId, sourceIp: meta.sourceIp },
      { action: "auth.sign_in", entityType: "user", entityId: user.email, after: { method: "setup-link" } },
    );
    return { user, ...session };
  });
}
