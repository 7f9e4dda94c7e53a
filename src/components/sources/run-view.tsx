"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef } from "react";
import { cn } from "@/lib/cn";
import { pageQueryOf } from "@/lib/list-url";
import { COUNT_KEYS, COUNT_LABELS, isRunActive, outcomeLabel, reconciliation } from "@/lib/source-run";
import { exactTime } from "@/lib/time";
import { useInvalidateSources } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";
import { DetailHeader, Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { Pager, pageCountOf, useListView } from "@/components/ui/paged-list";
import { LoadError, Loading, PanelTable, QueryError } from "@/components/ui/states";
import { OutcomeBadge, RunStatusBadge } from "./badges";
import { ErrorsList, FindingsList } from "./findings";
import { StageProgressBars } from "./stage-progress";
import type { SourceRunWithItems } from "./types";

const POLL_MS = 1000;

const RUN_ITEMS_PAGE = 100;

/** A run as it happens: stage bars polled while it is queued or running, then its counts and every item's outcome. */
export function RunView({ source, runId }: { source: string; runId: string }) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.sources.run.queryOptions({ name: source, runId, withItems: false }),
    refetchInterval: (q) => (q.state.data && isRunActive(q.state.data.status) ? POLL_MS : false),
  });

  useRefreshOnceFinished(query.data !== undefined && !isRunActive(query.data.status));

  if (query.isPending) return <Loading />;
  if (query.isError) return <QueryError error={query.error} what="This run" back={{ href: `/sources/${source}`, label: `Back to ${source}` }} />;
  const run = query.data;
  return (
    <>
      <DetailHeader
        crumbs={[
          { href: "/sources", label: "Sources" },
          { href: `/sources/${source}`, label: <span className="font-mono">{source}</span> },
        ]}
        current="run"
        title={
          <>
            Run of <span className="font-mono">{source}</span>
          </>
        }
        badge={<RunStatusBadge status={run.status} />}
      >
        <div className="mt-1 text-sm text-slate-600">
          <RunTimes run={run} />
        </div>
      </DetailHeader>
      <div className="space-y-6">
        <Panel title="Progress">
          <div aria-live="polite" className="sr-only">
            {run.status === "succeeded" ? "The run finished." : run.status === "failed" ? "The run failed." : null}
          </div>
          <StageProgressBars run={run} />
          {run.status === "failed" && run.error && (
            <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
              {run.error}
            </p>
          )}
        </Panel>
        {run.status === "succeeded" && <ReviewNote source={source} runId={runId} />}
        {run.status === "succeeded" && <CountsPanel run={run} />}
        {run.status === "succeeded" && <ItemsPanel source={source} runId={runId} />}
      </div>
    </>
  );
}

/**
 * What a finished run changed (sources, the catalog, the review queue and the nav's badge) may be
 * newer than what this browser holds, even when the run ended before its page first showed:
 * refresh it once per visit.
 */
function useRefreshOnceFinished(finished: boolean) {
  const invalidate = useInvalidateSources();
  const refreshed = useRef(false);
  useEffect(() => {
    if (!finished || refreshed.current) return;
    refreshed.current = true;
    void invalidate();
  }, [finished, invalidate]);
}

function RunTimes({ run }: { run: SourceRunWithItems }) {
  return (
    <span>
      {run.trigger} run by {run.createdBy}, queued <RelativeTime iso={run.queuedAt} />
      {run.finishedAt && <> · finished at {exactTime(run.finishedAt)}</>}
    </span>
  );
}

/** Items this run left for an administrator, and where to decide on them. */
function ReviewNote({ source, runId }: { source: string; runId: string }) {
  const trpc = useTRPC();
  const tally = useQuery(trpc.sources.runItems.queryOptions({ name: source, runId, limit: 1 })).data?.byOutcome ?? {};
  const waiting = (tally.quarantined ?? 0) + (tally["pending-update"] ?? 0);
  if (waiting === 0) return null;
  return (
    <p role="note" className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
      {waiting === 1 ? "One item waits" : `${waiting} items wait`} for an administrator&apos;s decision (quarantined, or an update of a published server).{" "}
      <Link href="/review" className="font-medium underline">
        Open the review queue
      </Link>
    </p>
  );
}

function CountsPanel({ run }: { run: SourceRunWithItems }) {
  const { text, balanced } = reconciliation(run.counts);
  return (
    <section aria-labelledby="run-counts" className="space-y-2">
      <h2 id="run-counts" className="text-base font-semibold text-slate-900">
        Counts
      </h2>
      <dl className="grid gap-3 sm:grid-cols-4 lg:grid-cols-7">
        {COUNT_KEYS.map((key) => (
          <div key={key} className="rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-slate-200" data-count={key}>
            <dt className="text-xs font-medium text-slate-500">{COUNT_LABELS[key]}</dt>
            <dd className="text-2xl font-semibold tabular-nums text-slate-900">{run.counts[key]}</dd>
          </div>
        ))}
      </dl>
      <p className={cn("text-sm", balanced ? "text-slate-600" : "font-medium text-red-800")}>
        {text}
        {run.counts.excluded ? ` (${run.counts.excluded} excluded by the source's globs, not fetched)` : ""}
        {balanced ? "" : ": some items are unaccounted for"}
      </p>
    </section>
  );
}

/** The run's items, filtered and paged by the server (sources.runItems); the outcome and page live in the URL. */
function ItemsPanel({ source, runId }: { source: string; runId: string }) {
  const trpc = useTRPC();
  const spec = { path: `/sources/${source}/runs/${runId}`, sorts: ["position"], defaultSort: "position", filters: { outcome: "text" } } as const;
  const { view, change } = useListView(spec);
  const { sort: _sort, order: _order, ...query } = pageQueryOf(view, RUN_ITEMS_PAGE);
  const page = useQuery(trpc.sources.runItems.queryOptions({ name: source, runId, ...query }, { placeholderData: keepPreviousData }));
  if (page.isPending) return <Loading what="the items" />;
  if (page.isError) return <LoadError what="the items" error={page.error} />;
  const { items, total, byOutcome } = page.data;
  const all = Object.values(byOutcome).reduce((sum, n) => sum + n, 0);
  return (
    <Panel
      title={`Items (${all})`}
      bodyClassName="p-0"
      actions={
        <label className="flex items-center gap-2 text-sm text-slate-700">
          Outcome
          <select
            value={view.filters.outcome}
            onChange={(e) => change({ filters: { outcome: e.target.value } })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
          >
            <option value="">All ({all})</option>
            {Object.entries(byOutcome).map(([outcome, n]) => (
              <option key={outcome} value={outcome}>
                {outcomeLabel(outcome)} ({n})
              </option>
            ))}
          </select>
        </label>
      }
    >
      {all === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">This run found no items.</p>
      ) : (
        <>
          <PanelTable caption="What became of each upstream item in this run." headers={["Upstream item", "Server", "Outcome", "Findings", "Reasons"]}>
            {items.map((item, i) => (
              <tr key={`${item.upstreamId}:${i}`} className="align-top" data-outcome={item.outcome}>
                <th scope="row" className="max-w-xs break-all px-5 py-2.5 font-mono text-xs font-normal text-slate-800">
                  {item.upstreamId}
                </th>
                <td className="whitespace-nowrap px-5 py-2.5">
                  {item.name && ["registered", "updated", "unchanged", "pending-update"].includes(item.outcome) ? (
                    <Link href={`/servers/${item.name}`} className="font-mono text-xs text-indigo-700 hover:underline">
                      {item.name}
                    </Link>
                  ) : (
                    <span className="font-mono text-xs text-slate-600">{item.name ?? "—"}</span>
                  )}
                </td>
                <td className="px-5 py-2.5">
                  <OutcomeBadge outcome={item.outcome} />
                </td>
                <td className="min-w-64 px-5 py-2.5">
                  <FindingsList findings={item.findings} />
                </td>
                <td className="px-5 py-2.5">
                  <ErrorsList errors={item.errors} />
                </td>
              </tr>
            ))}
          </PanelTable>
          <div className="px-5 pb-3">
            <Pager page={view.page} pageCount={pageCountOf(total, RUN_ITEMS_PAGE)} onPage={(p) => change({ page: p })} label="Item pages" />
          </div>
        </>
      )}
    </Panel>
  );
}
