import { contractResponse } from "@/server/feeds/contract-route";
import { withServices } from "@/server/next";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return withServices((services) => contractResponse(services, request, tenant));
}

export { GET as HEAD };
