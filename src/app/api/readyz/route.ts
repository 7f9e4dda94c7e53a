import { readyServices, startupError } from "@/server/app";
import { readyz } from "@/server/health";

export const dynamic = "force-dynamic";

export function GET() {
  return readyz(readyServices(), startupError());
}
