import { withServices } from "@/server/next";
import { dispatchAuth } from "@/server/rest/auth-routes";

export const dynamic = "force-dynamic";

const handle = (request: Request) => withServices((services) => dispatchAuth(services, request));

export { handle as GET, handle as POST };
