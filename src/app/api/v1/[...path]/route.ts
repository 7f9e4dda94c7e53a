import { dispatchRest } from "@/server/rest";
import { withServices } from "@/server/next";

export const dynamic = "force-dynamic";

const handle = (request: Request) => withServices((services) => dispatchRest(services, request));

export { handle as GET, handle as POST, handle as PATCH, handle as PUT, handle as DELETE };
