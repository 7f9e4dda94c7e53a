import { registryResponse } from "@/server/feeds/registry-route";
import { withServices } from "@/server/next";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return withServices((services) => registryResponse(services, request));
}

export { GET as HEAD };
