"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useCan } from "@/components/shell/session";
import { LinkButton } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { countsInBrief, isRunActive } from "@/lib/source-run";
import { useTRPC } from "@/trpc/react";
import { KIND_LABELS, RunStatusBadge, SourceStatusBadge } from "./badges";
import { ScheduleText, SourceLocation } from "./source-fields";
import type { SourceListRow } from "./types";

export function SourceList() {
  const trpc = useTRPC();
  const canAdd = useCan("editor");
  const sources = useQuery({
    ...trpc.sources.list.queryOptions({}),
    // While something syncs, keep the statuses and counts current.
    refetchInterval: (query) => (query.state.data?.some((s) => s.status === "syncing" || (s.lastRun && isRunActive(s.lastRun.status))) ? 2000 : false),
  });

  return (
    <>
      <PageHeader
        title="Sources"
        description="Where servers come from besides hand-made entries: MCP registries, git repositories and uploads. Every item passes a security scan and validation before it reaches the catalog, as a draft."
        actions={
          <>
            <LinkButton href="/review">Review queue</LinkButton>
            {canAdd && (
              <LinkButton href="/sources/new" variant="primary">
                Add source
              </LinkButton>
            )}
          </>
        }
      />
      {sources.isPending ? (
        <Loading />
      ) : sources.isError ? (
        <LoadError error={sources.error} what="the sources" />
      ) : sources.data.length === 0 ? (
        <EmptySources canAdd={canAdd} />
      ) : (
        <SourceTable sources={sources.data} />
      )}
    </>
  );
}

function SourceTable({ sources }: { sources: SourceListRow[] }) {
  return (
    <FramedTable
      caption="Third-party sources, with their approval status, schedule and last sync."
      columns={["Name", "Kind", "Location", "Status", "Schedule", "Last sync", "Last run"]}
      head={tableClasses.roomyHead}
      th={`whitespace-nowrap ${tableClasses.roomyTh}`}
    >
      {sources.map((source) => (
        <tr key={source.id} className="align-top hover:bg-slate-50">
          <th scope="row" className="px-4 py-2.5 font-normal">
            <Link
              href={`/sources/${source.name}`}
              className="whitespace-nowrap rounded font-mono text-[13px] font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
            >
              {source.name}
            </Link>
          </th>
          <td className="whitespace-nowrap px-4 py-2.5 text-slate-700">{KIND_LABELS[source.kind]}</td>
          <td className="max-w-xs px-4 py-2.5 text-slate-700">
            <SourceLocation source={source} />
          </td>
          <td className="px-4 py-2.5">
            <SourceStatusBadge status={source.status} />
          </td>
          <td className="whitespace-nowrap px-4 py-2.5 text-slate-700">
            <ScheduleText source={source} />
          </td>
          <td className="whitespace-nowrap px-4 py-2.5 text-slate-600">
            {source.lastSyncedAt ? <RelativeTime iso={source.lastSyncedAt} /> : <span className="text-slate-400">never</span>}
          </td>
          <td className="px-4 py-2.5 text-slate-700">
            {source.lastRun ? (
              <Link
                href={`/sources/${source.name}/runs/${source.lastRun.id}`}
                className="group flex flex-wrap items-center gap-2 rounded focus-visible:outline-2 focus-visible:outline-indigo-600"
              >
                <RunStatusBadge status={source.lastRun.status} />
                <span className="group-hover:underline">
                  {source.lastRun.status === "succeeded"
                    ? countsInBrief(source.lastRun.counts)
                    : source.lastRun.status === "failed"
                      ? "see why"
                      : "in progress"}
                </span>
              </Link>
            ) : (
              <span className="text-slate-400">no runs yet</span>
            )}
          </td>
        </tr>
      ))}
    </FramedTable>
  );
}

const KIND_EXPLANATIONS: [string, string][] = [
  ["MCP registry", "The official MCP Registry or any registry speaking its API: its servers are paged through and the latest active version of each is taken."],
  ["Git repository", "A repository of server.json files or Obot catalog entries, cloned at a branch or tag, optionally under one directory."],
  ["Upload", "Documents an editor pastes or uploads, as on the Import page (which has its own built-in upload source)."],
];

function EmptySources({ canAdd }: { canAdd: boolean }) {
  return (
    <div className="rounded-lg bg-white px-6 py-10 shadow-xs ring-1 ring-slate-200">
      <h2 className="text-center text-base font-semibold text-slate-900">No sources yet</h2>
      <p className="mx-auto mt-2 max-w-2xl text-center text-sm text-slate-600">
        A source brings MCP servers in from outside. A new source waits for an administrator&apos;s approval before it can sync; each sync scans every item
        (critical findings are held for review) and registers the rest as drafts.
      </p>
      <dl className="mx-auto mt-6 grid max-w-4xl gap-4 sm:grid-cols-3">
        {KIND_EXPLANATIONS.map(([kind, text]) => (
          <div key={kind} className="rounded-md bg-slate-50 px-4 py-3 ring-1 ring-slate-200">
            <dt className="text-sm font-semibold text-slate-900">{kind}</dt>
            <dd className="mt-1 text-sm text-slate-600">{text}</dd>
          </div>
        ))}
      </dl>
      {canAdd && (
        <div className="mt-6 text-center">
          <LinkButton href="/sources/new" variant="primary">
            Add source
          </LinkButton>
        </div>
      )}
    </div>
  );
}
