import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { TenantDetail } from "@/components/policy/tenant-detail";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

type Props = { params: Promise<{ name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function TenantRoute({ params, searchParams }: Props) {
  await connection();
  await requireUser();
  const { name } = await params;
  const { tab } = await searchParams;
  try {
    await getQueryClient().fetchQuery(trpc.tenants.summary.queryOptions({ name }));
  } catch (error) {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return (
    <HydrateClient>
      <TenantDetail name={name} initialTab={typeof tab === "string" ? tab : undefined} />
    </HydrateClient>
  );
}
