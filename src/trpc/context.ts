/**
 * Who is acting for a tRPC call made by a server component: the same authentication as the
 * /api/trpc route handler, from the incoming page request's headers.
 */
import "server-only";
import { createTrpcContext as createServerContext } from "@/server/trpc/context";
import type { Services } from "@/server/services";
import type { TrpcContext } from "@/server/trpc/init";

export function createTrpcContext(services: Services, request: { headers: Headers }): Promise<TrpcContext> {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? "localhost";
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? "http";
  return createServerContext(services, { method: "GET", headers: request.headers, url: `${proto}://${host}/` });
}
