import type { Metadata } from "next";
import { connection } from "next/server";
import { SourceDetail } from "@/components/sources/source-detail";
import { runsQueryOf, sourceRunsList } from "@/lib/list-specs";
import { listViewFrom } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { requireUser } from "@/trpc/session";
import { loadSourceOr404 } from "./load";

type Props = { params: Promise<{ name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Source ${(await params).name}` };
}

export default async function SourcePage({ params, searchParams }: Props) {
  await connection();
  await requireUser();
  const { name } = await params;
  const view = listViewFrom(sourceRunsList(name), await searchParams);
  await Promise.all([loadSourceOr404(name), getQueryClient().prefetchQuery(trpc.sources.runsPage.queryOptions(runsQueryOf(name, view)))]);
  return (
    <HydrateClient>
      <SourceDetail name={name} />
    </HydrateClient>
  );
}
