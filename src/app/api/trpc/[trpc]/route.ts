import { withServices } from "@/server/next";
import { handleTrpc } from "@/server/trpc/handler";

export const dynamic = "force-dynamic";

function handle(request: Request) {
  return withServices((services) => handleTrpc(services, request));
}

export { handle as GET, handle as POST };
