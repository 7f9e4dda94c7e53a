import { obotFeedResponse } from "@/server/feeds/obot-route";
import { withServices } from "@/server/next";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return withServices((services) => obotFeedResponse(services, request));
}

export { GET as HEAD };
