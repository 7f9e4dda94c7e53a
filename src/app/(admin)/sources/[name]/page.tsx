import type { Metadata } from "next";
import { connection } from "next/server";
import { SourceDetail } from "@/components/sources/source-detail";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";
import { loadSourceOr404 } from "./load";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Source ${(await params).name}` };
}

export default async function SourcePage({ params }: Props) {
  await connection();
  await requireUser();
  const { name } = await params;
  await Promise.all([loadSourceOr404(name), getQueryClient().prefetchQuery(trpc.sources.runs.queryOptions({ name }))]);
  return (
    <HydrateClient>
      <SourceDetail name={name} />
    </HydrateClient>
  );
}
