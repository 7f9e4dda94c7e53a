import { readyServices } from "@/server/app";
import { metricsResponse } from "@/server/health";

export const dynamic = "force-dynamic";

export function GET() {
  return metricsResponse(readyServices());
}
