export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  // First: route handlers learn the caller's socket address only from this stamp.
  const { installPeerStamp } = await import("./server/client-address");
  installPeerStamp();
  const { ensureStarted } = await import("./server/app");
  const starting = ensureStarted();
  if (!process.env.DATABASE_URL) {
    // The embedded database opens in well under a second; a failure here (say, another process
    // holds the data directory) must stop the server instead of leaving it half alive: Next.js
    // logs an error thrown here and keeps serving, every request (health checks too) a 500.
    try {
      await starting;
    } catch (error) {
      console.error(`[opencrane] cannot start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
    return;
  }
  // Postgres may still be coming up: serve 503s from /api/readyz and the feeds until it answers.
  starting.catch(() => undefined);
  await Promise.race([starting.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000))]);
}
