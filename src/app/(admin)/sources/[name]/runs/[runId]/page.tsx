import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { RunView } from "@/components/sources/run-view";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";

type Props = { params: Promise<{ name: string; runId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Run of ${(await params).name}` };
}

export default async function RunPage({ params }: Props) {
  await connection();
  await requireUser();
  const { name, runId } = await params;
  try {
    await getQueryClient().fetchQuery(trpc.sources.run.queryOptions({ name, runId, withItems: false }));
  } catch (error) {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return (
    <HydrateClient>
      <RunView source={name} runId={runId} />
    </HydrateClient>
  );
}
