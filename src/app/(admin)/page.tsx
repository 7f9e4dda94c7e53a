import type { Metadata } from "next";
import { connection } from "next/server";
import { Dashboard } from "@/components/dashboard/dashboard";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  await connection();
  await requireUser();
  await getQueryClient().prefetchQuery(trpc.dashboard.summary.queryOptions());
  return (
    <HydrateClient>
      <Dashboard />
    </HydrateClient>
  );
}
