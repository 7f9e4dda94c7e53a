import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { withServices } from "@/server/next";
import { createTrpcContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";

export const dynamic = "force-dynamic";

function handle(request: Request) {
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
