/** Glue between Next.js route handlers and the process-wide services. */
import { ensureStarted, readyServices, startupError } from "./app";
import type { Services } from "./services";

export function unavailable(): Response {
  const reason = startupError();
  return Response.json(
    { error: { code: "UNAVAILABLE", message: `the control plane is starting${reason ? `: ${reason}` : ""}`, details: {} } },
    { status: 503, headers: { "Retry-After": "5" } },
  );
}

/** Runs a handler with the services, or answers 503 while they are not up yet. */
export async function withServices(handler: (services: Services) => Response | Promise<Response>): Promise<Response> {
  const services = readyServices();
  if (!services) {
    void ensureStarted().catch(() => undefined);
    return unavailable();
  }
  return handler(services);
}
