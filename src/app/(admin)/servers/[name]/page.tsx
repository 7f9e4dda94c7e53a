import type { Metadata } from "next";
import { connection } from "next/server";
import { ServerDetail } from "@/components/servers/server-detail";
import { HydrateClient } from "@/trpc/server";
import { requireUser } from "@/trpc/session";
import { loadServerOr404 } from "./load";

type Props = { params: Promise<{ name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ServerPage({ params, searchParams }: Props) {
  await connection();
  await requireUser();
  const { name } = await params;
  const { tab } = await searchParams;
  await loadServerOr404(name);
  return (
    <HydrateClient>
      <ServerDetail name={name} initialTab={typeof tab === "string" ? tab : undefined} />
    </HydrateClient>
  );
}
