"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useCan } from "@/components/shell/session";
import { LinkButton } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { inputClasses } from "@/components/ui/field";
import { ListCount, Pager, pageCountOf, SearchBox, SortControl, useListView } from "@/components/ui/paged-list";
import { cn } from "@/lib/cn";
import { SOURCES_LIST, sourcesQueryOf } from "@/lib/list-specs";
import { SOURCE_KINDS, SOURCE_STATUSES } from "@/server/ingest/source-model";
import { countsInBrief, isRunActive } from "@/lib/source-run";
import { useTRPC } from "@/trpc/react";
import { KIND_LABELS, RunStatusBadge, SourceStatusBadge } from "./badges";
import { ScheduleText, SourceLocation } from "./source-fields";
import type { SourceListRow } from "./types";

const SORT_OPTIONS = [
  { value: "name", label: "Name" },
  { value: "kind", label: "Kind" },
  { value: "status", label: "Status" },
  { value: "lastSync", label: "Last sync" },
] as const;

const STATUS_LABELS: Record<(typeof SOURCE_STATUSES)[number], string> = {
  "pending-approval": "Pending approval",
  healthy: "Healthy",
  syncing: "Syncing",
  error: "Error",
};

/** The sources, filtered, sorted and paged by the server (sources.page); the view lives in the URL. */
export function SourceList() {
  const trpc = useTRPC();
  const canAdd = useCan("editor");
  const { view, change } = useListView(SOURCES_LIST);
  const sources = useQuery({
    ...trpc.sources.page.queryOptions(sourcesQueryOf(view)),
    placeholderData: keepPreviousData,
    // While something syncs, keep the statuses and counts current.
    refetchInterval: (query) => (query.state.data?.items.some((s) => s.status === "syncing" || (s.lastRun && isRunActive(s.lastRun.status))) ? 2000 : false),
  });
  const page = sources.data;

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
      ) : page!.all === 0 ? (
        <EmptySources canAdd={canAdd} />
      ) : (
        <>
          <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Filter sources">
            <SearchBox
              id="sources-search"
              label="Search sources"
              value={view.q}
              placeholder="name or location"
              onSearch={(q) => change({ q })}
              className="w-full text-sm sm:w-72"
            />
            <label className="text-sm">
              <span className="mb-1 block font-medium text-slate-800">Kind</span>
              <select value={view.filters.kind} onChange={(e) => change({ filters: { kind: e.target.value } })} className={inputClasses}>
                <option value="">Any kind</option>
                {SOURCE_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {KIND_LABELS[kind]}
                  </option>
                ))}
              </select>
            </label>
            <label className="text-sm">
              <span className="mb-1 block font-medium text-slate-800">Status</span>
              <select value={view.filters.status} onChange={(e) => change({ filters: { status: e.target.value } })} className={inputClasses}>
                <option value="">Any status</option>
                {SOURCE_STATUSES.map((status) => (
                  <option key={status} value={status}>
                    {STATUS_LABELS[status]}
                  </option>
                ))}
              </select>
            </label>
            <SortControl id="sources-sort" sort={view.sort} order={view.order} options={SORT_OPTIONS} onChange={(sort, order) => change({ sort, order })} />
            <div className="ml-auto">
              <ListCount shown={page!.total} total={page!.all} noun="source" busy={sources.isPlaceholderData} />
            </div>
          </div>
          {page!.items.length === 0 ? (
            <EmptyState title="No source matches these filters" />
          ) : (
            <div className={cn(sources.isPlaceholderData && "opacity-60")}>
              <SourceTable sources={page!.items} />
              <Pager page={view.page} pageCount={pageCountOf(page!.total)} onPage={(p) => change({ page: p })} label="Source pages" />
            </div>
          )}
        </>
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
