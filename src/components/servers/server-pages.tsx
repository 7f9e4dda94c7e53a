"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { PageHeader } from "@/components/ui/panel";
import { Loading, QueryError } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { useTRPC } from "@/trpc/react";
import { ServerForm } from "./server-form";

export function NewServer() {
  const trpc = useTRPC();
  const stats = useQuery(trpc.catalog.stats.queryOptions({}));
  return (
    <>
      <PageHeader title="Create server" description="New servers start as drafts. Obot sees a server only after you publish it." />
      <ServerForm mode={{ kind: "create" }} categories={stats.data?.categories} />
    </>
  );
}

export function EditServer({ name }: { name: string }) {
  const trpc = useTRPC();
  const stats = useQuery(trpc.catalog.stats.queryOptions({}));
  // The form keeps the version it loaded; refetching in the background would only confuse it.
  const query = useQuery(trpc.catalog.get.queryOptions({ name }, { refetchOnWindowFocus: false }));

  if (query.isPending) return <Loading />;
  if (query.isError) return <QueryError error={query.error} what={`Server '${name}'`} back={{ href: "/servers", label: "Back to the catalog" }} />;
  const { server } = query.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-500">
        <Link href="/servers" className="hover:text-slate-800 hover:underline">
          Catalog
        </Link>{" "}
        /{" "}
        <Link href={`/servers/${server.name}`} className="font-mono hover:text-slate-800 hover:underline">
          {server.name}
        </Link>{" "}
        / Edit
      </nav>
      <PageHeader
        title={`Edit ${server.displayName}`}
        description={
          <span className="inline-flex items-center gap-2">
            <StatusBadge status={server.status} /> version {server.version}
            {server.status === "active" && " · changes reach Obot on its next sync"}
          </span>
        }
      />
      <ServerForm mode={{ kind: "edit", server }} categories={stats.data?.categories} onReload={async () => (await query.refetch()).data?.server ?? null} />
    </>
  );
}
