import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { TenantDetail } from "@/components/policy/tenant-detail";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function TenantRoute({ params }: Props) {
  await connection();
  await requireUser();
  const { name } = await params;
  try {
    await getQueryClient().fetchQuery(trpc.tenants.summary.queryOptions({ name }));
  } catch (error) {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return (
    <HydrateClient>
      <TenantDetail name={name} />
    </HydrateClient>
  );
}
