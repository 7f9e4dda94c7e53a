import type { Services } from "./services";

export function healthz(): Response {
  return Response.json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) }, { headers: { "Cache-Control": "no-store" } });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ready when the database answers and a catalog snapshot is being served. */
export async function readyz(services: Services | null, startupError: string | null): Promise<Response> {
  const notReady = (reason: string) => Response.json({ status: "not-ready", reason }, { status: 503, headers: { "Cache-Control": "no-store" } });
  if (!services) return notReady(startupError ? `starting: ${startupError}` : "starting");
  try {
    await withTimeout(services.database.answers(), 2000);
  } catch (error) {
    return notReady(`database unreachable: ${(error as Error).message}`);
  }
  const snapshot = services.snapshots.current;
  if (!snapshot) return notReady(`no catalog snapshot yet: ${services.snapshots.lastError?.message ?? "building"}`);
  return Response.json(
    {
      status: "ready",
      database: services.database.kind,
      revision: snapshot.revision,
      activeServers: snapshot.activeServers,
      snapshotBuiltAt: snapshot.builtAt.toISOString(),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export async function metricsResponse(services: Services | null): Promise<Response> {
  if (!services) return new Response("# starting\n", { status: 503, headers: { "Content-Type": "text/plain" } });
  return new Response(await services.metrics.registry.metrics(), {
    headers: { "Content-Type": services.metrics.registry.contentType, "Cache-Control": "no-store" },
  });
}
