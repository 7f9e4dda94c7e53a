/**
 * The tRPC endpoint: credentials are checked before a body is read, so an anonymous caller cannot
 * make the server buffer up to TRPC_MAX_BODY for a procedure it may not call anyway.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Services } from "../services";
import { boundedTrpcRequest, TRPC_MAX_BODY } from "./body-limit";
import { authenticateTrpc, createTrpcContext } from "./context";
import { appRouter } from "./root";

type Procedures = Record<string, { _def: { meta?: { requirement?: string } } }>;
const procedures = (appRouter._def as unknown as { procedures: Procedures }).procedures;

/** Whether every procedure a tRPC URL calls (`/api/trpc/a.b,c.d`) may be called without credentials. */
export function callsOnlyPublicProcedures(url: string): boolean {
  const tail = new URL(url).pathname.replace(/^\/api\/trpc\/?/, "");
  let paths: string[];
  try {
    paths = decodeURIComponent(tail).split(",");
  } catch {
    return false;
  }
  return paths.every((path) => Object.hasOwn(procedures, path) && procedures[path]!._def.meta?.requirement === "public");
}

export async function handleTrpc(services: Services, incoming: Request, maxBytes = TRPC_MAX_BODY): Promise<Response> {
  const auth = await authenticateTrpc(services, incoming.headers);
  let request: Request;
  if (incoming.method === "POST" && !("principal" in auth && auth.principal) && !callsOnlyPublicProcedures(incoming.url)) {
    // Not signed in (or credentials that do not hold): leave the body unread; tRPC answers the
    // procedure's role check (401) to an input-less call.
    await incoming.body?.cancel().catch(() => undefined);
    const headers = new Headers(incoming.headers);
    headers.delete("content-length");
    request = new Request(incoming.url, { method: "POST", headers });
  } else {
    const bounded = await boundedTrpcRequest(incoming, maxBytes);
    if (bounded instanceof Response) return bounded;
    request = bounded;
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: () => createTrpcContext(services, { method: request.method, headers: request.headers, url: request.url }, auth),
    responseMeta: ({ ctx }) => (ctx ? { headers: { "X-Request-Id": ctx.change.requestId! } } : {}),
  });
}
