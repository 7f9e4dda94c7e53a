import type { Metadata } from "next";
import { connection } from "next/server";
import { ServerDetail } from "@/components/servers/server-detail";
import { HydrateClient } from "@/trpc/server";
import { requireUser } from "@/trpc/session";
import { loadServerOr404 } from "./load";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ServerPage({ params }: Props) {
  await connection();
  await requireUser();
  const { name } = await params;
  await loadServerOr404(name);
  return (
    <HydrateClient>
      <ServerDetail name={name} />
    </HydrateClient>
  );
}
