import { healthz } from "@/server/health";

export const dynamic = "force-dynamic";

export function GET() {
  return healthz();
}
