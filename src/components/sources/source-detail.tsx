"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { RUN_STATUSES, RUN_TRIGGERS, type Source } from "@/server/ingest/source-model";
import { Pager, pageCountOf, useListView } from "@/components/ui/paged-list";
import { RUNS_PAGE_SIZE, runsQueryOf, sourceRunsList } from "@/lib/list-specs";
import { detectFormat } from "@/components/import/import-form";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { useInvalidateSources } from "@/trpc/invalidate";
import { DetailHeader, Details, Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { LoadError, Loading, PanelTable, QueryError } from "@/components/ui/states";
import { entitlementLine } from "@/lib/source-form";
import { countsInBrief, isRunActive } from "@/lib/source-run";
import { exactTime } from "@/lib/time";
import { useTRPC } from "@/trpc/react";
import { KIND_LABELS, RunStatusBadge, SourceStatusBadge } from "./badges";
import { SourceActions } from "./source-actions";
import { ScheduleText, SourceLocation } from "./source-fields";
import type { SourceRun } from "./types";

const none = <span className="text-slate-400">—</span>;

const BACK = { href: "/sources", label: "Back to the sources" };

export function SourceDetail({ name }: { name: string }) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.sources.get.queryOptions({ name }),
    refetchInterval: (q) => (q.state.data?.status === "syncing" ? 2000 : false),
  });

  if (query.isPending) return <Loading />;
  if (query.isError) return <QueryError error={query.error} what={`Source '${name}'`} back={BACK} />;
  const source = query.data;
  return (
    <>
      <DetailHeader
        crumbs={[{ href: "/sources", label: "Sources" }]}
        current={<span className="font-mono">{source.name}</span>}
        title={<span className="font-mono">{source.name}</span>}
        badge={<SourceStatusBadge status={source.status} />}
        actions={<SourceActions source={source} />}
      >
        <p className="mt-1 text-sm text-slate-600">{KIND_LABELS[source.kind]}</p>
      </DetailHeader>
      <div className="space-y-6">
        {source.status === "pending-approval" && <ApprovalNote />}
        {source.status === "error" && source.lastError && (
          <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
            The last sync failed: {source.lastError}
          </p>
        )}
        <SourceSettings source={source} />
        {source.kind === "manual-upload" && <UploadPanel source={source} />}
        <RunsPanel source={source} />
      </div>
    </>
  );
}

function ApprovalNote() {
  const canApprove = useCan("admin");
  return (
    <div role="note" className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
      <p className="font-medium">Waiting for an administrator&apos;s approval</p>
      <p className="mt-1">
        A source decides what third-party code and endpoints can enter the catalog, so an administrator checks where it points before it fetches anything.{" "}
        {canApprove ? "Review the location and settings below, then approve it." : "Until then it cannot sync."}
      </p>
    </div>
  );
}

function SourceSettings({ source }: { source: Source }) {
  return (
    <Panel title="Settings">
      <Details
        items={[
          ["Location", <SourceLocation key="l" source={source} />],
          ["Include", source.include.length ? <code className="font-mono text-xs">{source.include.join(", ")}</code> : "everything"],
          ["Exclude", source.exclude.length ? <code className="font-mono text-xs">{source.exclude.join(", ")}</code> : none],
          ["Schedule", <ScheduleText key="s" source={source} />],
          [
            "Default entitlements",
            source.defaultEntitlements.length ? (
              <ul className="font-mono text-xs">
                {source.defaultEntitlements.map((e, i) => (
                  <li key={i}>{entitlementLine(e)}</li>
                ))}
              </ul>
            ) : (
              "none: new servers are granted to nobody"
            ),
          ],
          ["Last sync", source.lastSyncedAt ? <RelativeTime key="t" iso={source.lastSyncedAt} /> : "never"],
          ["Approved", source.approvedAt ? `by ${source.approvedBy} on ${exactTime(source.approvedAt)}` : none],
          ["Created", `by ${source.createdBy} on ${exactTime(source.createdAt)}`],
        ]}
      />
    </Panel>
  );
}

/** An upload source takes documents here: each upload becomes a run of this source, scanned and registered like any sync. */
function UploadPanel({ source }: { source: Source }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateSources();
  const canUpload = useCan("editor");
  const fileId = useId();
  const [text, setText] = useState("");
  const upload = useMutation(
    trpc.sources.upload.mutationOptions({
      onSuccess: async () => {
        setText("");
        await invalidate();
        toast(`Uploaded to ${source.name}: the run is below.`);
      },
    }),
  );
  if (!canUpload) return null;
  return (
    <Panel title="Upload documents">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          upload.mutate({ source: source.name, text, format: detectFormat(text) });
        }}
      >
        <Field
          id="upload-text"
          label="Documents"
          hint="Obot catalog entries or server.json documents: a JSON array or object, or YAML (a list, or documents separated by ---). Each upload runs as this source, with its scan and default entitlements."
          error={upload.isError ? domainErrorOf(upload.error).message : undefined}
        >
          {(p) => (
            <textarea
              {...p}
              value={text}
              onChange={(event) => setText(event.target.value)}
              rows={8}
              spellCheck={false}
              className={cn(inputClasses, "font-mono text-[13px]")}
            />
          )}
        </Field>
        <div className="mt-4 flex flex-wrap items-end justify-between gap-4">
          <div className="min-w-0">
            <label htmlFor={fileId} className="mb-1 block text-sm font-medium text-slate-800">
              Or load a file
            </label>
            <input
              id={fileId}
              type="file"
              accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
              onChange={async (event) => {
                const file = event.target.files?.[0];
                if (file) setText(await file.text());
                upload.reset();
              }}
              className="max-w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200"
            />
          </div>
          <Button type="submit" variant="primary" disabled={upload.isPending || text.trim() === ""}>
            {upload.isPending ? "Uploading…" : "Upload"}
          </Button>
        </div>
      </form>
    </Panel>
  );
}

/** The source's runs, newest first, a page at a time; the status and trigger filters and the page live in the URL. */
function RunsPanel({ source }: { source: Source }) {
  const trpc = useTRPC();
  const { view, change } = useListView(sourceRunsList(source.name));
  const runs = useQuery({
    ...trpc.sources.runsPage.queryOptions(runsQueryOf(source.name, view)),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((r) => isRunActive(r.status)) ? 2000 : false),
  });
  const page = runs.data;
  return (
    <Panel
      title="Runs"
      bodyClassName="p-0"
      actions={
        page &&
        page.all > 0 && (
          <div className="flex flex-wrap items-end gap-2" role="search" aria-label="Filter runs">
            <label className="text-sm">
              <span className="sr-only">Status</span>
              <select
                aria-label="Run status"
                value={view.filters.status}
                onChange={(e) => change({ filters: { status: e.target.value } })}
                className={cn(inputClasses, "py-1")}
              >
                <option value="">Any status</option>
                {RUN_STATUSES.map((status) => (
                  <option key={status} value={status}>
                    {status}
                  </option>
                ))}
              </select>
            </label>
            <label className="text-sm">
              <span className="sr-only">Trigger</span>
              <select
                aria-label="Run trigger"
                value={view.filters.trigger}
                onChange={(e) => change({ filters: { trigger: e.target.value } })}
                className={cn(inputClasses, "py-1")}
              >
                <option value="">Any trigger</option>
                {RUN_TRIGGERS.map((trigger) => (
                  <option key={trigger} value={trigger}>
                    {trigger}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )
      }
    >
      {runs.isPending ? (
        <div className="px-5 py-4">
          <Loading />
        </div>
      ) : runs.isError ? (
        <div className="px-5 py-4">
          <LoadError error={runs.error} what="the runs" />
        </div>
      ) : page!.all === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">
          No runs yet.{" "}
          {source.kind === "manual-upload"
            ? "Each upload becomes a run."
            : source.status === "pending-approval"
              ? "Once approved, “Sync now” starts one."
              : "“Sync now” starts one."}
        </p>
      ) : page!.items.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">No run matches these filters.</p>
      ) : (
        <div className={cn(runs.isPlaceholderData && "opacity-60")}>
          <RunTable source={source.name} runs={page!.items} />
          <div className="px-5 pb-3">
            <Pager page={view.page} pageCount={pageCountOf(page!.total, RUNS_PAGE_SIZE)} onPage={(p) => change({ page: p })} label="Run pages" />
          </div>
        </div>
      )}
    </Panel>
  );
}

function RunTable({ source, runs }: { source: string; runs: SourceRun[] }) {
  return (
    <PanelTable caption={`Runs of ${source}, newest first.`} headers={["Started", "Trigger", "Status", "Outcome", "By"]}>
      {runs.map((run) => (
        <tr key={run.id} className="hover:bg-slate-50">
          <th scope="row" className="whitespace-nowrap px-5 py-2.5 font-normal">
            <Link
              href={`/sources/${source}/runs/${run.id}`}
              className="rounded text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
            >
              <RelativeTime iso={run.startedAt ?? run.queuedAt} />
            </Link>
          </th>
          <td className="px-5 py-2.5 text-slate-700">{run.trigger}</td>
          <td className="px-5 py-2.5">
            <RunStatusBadge status={run.status} />
          </td>
          <td className="px-5 py-2.5 text-slate-700">
            {run.status === "succeeded" ? (
              countsInBrief(run.counts)
            ) : run.status === "failed" ? (
              <span className="text-red-800">{run.error}</span>
            ) : (
              `in ${run.stage}`
            )}
          </td>
          <td className="px-5 py-2.5 text-slate-600">{run.createdBy}</td>
        </tr>
      ))}
    </PanelTable>
  );
}
