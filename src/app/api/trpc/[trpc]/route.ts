import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { withServices } from "@/server/next";
import { boundedTrpcRequest } from "@/server/trpc/body-limit";
import { createTrpcContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";

export const dynamic = "force-dynamic";

async function handle(incoming: Request) {
  const request = await boundedTrpcRequest(incoming);
  if (request instanceof Response) return request;
  return withServices((services) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      createContext: () => createTrpcContext(services, { method: request.method, headers: request.headers, url: request.url }),
    }),
  );
}

export { handle as GET, handle as POST };
