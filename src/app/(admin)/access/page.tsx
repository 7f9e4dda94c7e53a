import type { Metadata } from "next";
import { connection } from "next/server";
import { AccessMatrixPage } from "@/components/policy/access-matrix";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Access matrix" };

export default async function AccessMatrixRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireUser();
  const params = await searchParams;
  const one = (key: string) => (typeof params[key] === "string" ? params[key] : "");
  // A group in the URL (a link from the groups page) filters the query; the prefetch covers the unfiltered one.
  const initial = { group: one("group"), server: one("server") };
  if (!initial.group) await getQueryClient().prefetchQuery(trpc.policy.matrix.queryOptions({}));
  return (
    <HydrateClient>
      <AccessMatrixPage initial={initial} />
    </HydrateClient>
  );
}
