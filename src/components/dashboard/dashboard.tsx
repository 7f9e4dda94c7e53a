"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { RUNTIME_TYPES, SERVER_STATUSES } from "@/server/catalog/model";
import { AddServerActions } from "@/components/servers/add-server-actions";
import { RUNTIME_LABELS as SERVER_RUNTIME_LABELS } from "@/components/servers/labels";
import { useCan } from "@/components/shell/session";
import { CopyButton } from "@/components/ui/copy-button";
import { PageHeader, Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { LoadError, Loading } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { exactTime } from "@/lib/time";
import { cn } from "@/lib/cn";
import { useTRPC } from "@/trpc/react";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/trpc/root";
import { ObotLinkSummary } from "./obot-link";

type PolicyCounts = inferRouterOutputs<AppRouter>["dashboard"]["summary"]["policy"];

export const OBOT_FEED_PATH = "/api/internal/obot-registry";

const RUNTIME_LABELS: Record<string, string> = { ...SERVER_RUNTIME_LABELS, none: "No runtime" };

export function Dashboard() {
  const trpc = useTRPC();
  const summary = useQuery(trpc.dashboard.summary.queryOptions(undefined, { refetchInterval: 30_000 }));
  const canEdit = useCan("editor");

  if (summary.isPending) return <Loading what="the dashboard" />;
  if (summary.isError) return <LoadError what="the dashboard" error={summary.error} />;

  const { stats, lastObotFetch, snapshot, internalPort, policy } = summary.data;
  return (
    <>
      <PageHeader title="Dashboard" description="What the catalog holds, who may use it, and what Obot sees." actions={canEdit && <AddServerActions />} />
      <FirstSteps total={stats.total} active={snapshot?.activeServers ?? stats.byStatus.active} obotFetched={lastObotFetch !== null} policy={policy} />

      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Stat label="Servers in the catalog" value={stats.total} href="/servers" />
        <Stat label="Active (published to Obot)" value={snapshot?.activeServers ?? stats.byStatus.active} href="/servers?status=active" />
        <Stat
          label="Snapshot revision"
          value={snapshot ? snapshot.revision : "—"}
          detail={
            snapshot ? (
              <>
                built <RelativeTime iso={snapshot.builtAt} /> in {snapshot.buildMs} ms
              </>
            ) : (
              "not built yet"
            )
          }
        />
        <Stat label="Obot feed size" value={snapshot ? formatBytes(snapshot.obotFeedBytes) : "—"} detail={`${snapshot?.activeServers ?? 0} entries`} />
      </div>

      <PolicyAndSourceStats policy={policy} />

      <div className="mt-6 grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-3">
        <Panel title="Obot" className="lg:col-span-2">
          <p className="text-sm text-slate-800" data-testid="obot-last-fetch">
            {lastObotFetch ? (
              <>
                Obot last fetched the catalog <RelativeTime iso={lastObotFetch.at} className="font-medium" /> (
                <span className={lastObotFetch.status < 400 ? "text-emerald-700" : "text-red-700"}>{lastObotFetch.status}</span>, user agent{" "}
                <code className="rounded bg-slate-100 px-1 py-0.5 text-xs">{lastObotFetch.userAgent}</code>).
              </>
            ) : (
              "Obot has not fetched the catalog yet."
            )}
          </p>
          {lastObotFetch && (
            <p className="mt-1 text-xs text-slate-500">
              {exactTime(lastObotFetch.at)}
              {lastObotFetch.remoteAddr ? ` from ${lastObotFetch.remoteAddr}` : ""} · {lastObotFetch.count} request
              {lastObotFetch.count === 1 ? "" : "s"} from this client
            </p>
          )}
          <ObotLinkSummary />
          <div className="mt-5">
            <p className="text-sm font-medium text-slate-800" id="feed-url-label">
              Catalog feed URL
            </p>
            <p className="mt-0.5 text-xs text-slate-500">
              Point Obot&apos;s default catalog (or a catalog source) at it. Only active servers are served.
              {internalPort !== null &&
                " This is the internal port, which serves the feeds precompressed and is meant for machines only; inside a cluster, use the control plane's service name."}
            </p>
            <FeedUrl port={internalPort} />
          </div>
        </Panel>

        <Panel title="By status">
          <ul className="space-y-2">
            {SERVER_STATUSES.map((status) => (
              <li key={status} className="flex items-center justify-between text-sm">
                <Link
                  href={`/servers?status=${status}`}
                  className="rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                  aria-label={`${stats.byStatus[status]} ${status} servers`}
                >
                  <StatusBadge status={status} />
                </Link>
                <span className="tabular-nums text-slate-900">{stats.byStatus[status]}</span>
              </li>
            ))}
          </ul>
        </Panel>

        <Panel title="By runtime" className="lg:col-span-3">
          <ul className="grid gap-3 sm:grid-cols-3 lg:grid-cols-5">
            {[...RUNTIME_TYPES, "none" as const].map((kind) => (
              <li key={kind}>
                <Link
                  href={`/servers?runtime=${kind}`}
                  className="block rounded-md px-3 py-2 ring-1 ring-slate-200 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
                >
                  <span className="block text-xs text-slate-500">{RUNTIME_LABELS[kind]}</span>
                  <span className="block text-lg font-semibold tabular-nums text-slate-900">{stats.byRuntime[kind] ?? 0}</span>
                </Link>
              </li>
            ))}
          </ul>
        </Panel>
      </div>
    </>
  );
}

/**
 * A new installation's next steps, each linking to where it is done and ticked once it is: shown
 * until the catalog has an active server and a tenant has a rule to use it.
 */
function FirstSteps({ total, active, obotFetched, policy }: { total: number; active: number; obotFetched: boolean; policy: PolicyCounts }) {
  const steps = [
    { done: total > 0, href: "/servers", title: "Add servers to the catalog", detail: "Create one, import Obot catalog files, or load the demo catalog." },
    {
      done: active > 0,
      href: "/servers?status=draft",
      title: "Publish a server",
      detail: "Drafts stay out of the feeds; publishing checks a server and offers it to Obot.",
    },
    { done: policy.tenants > 0, href: "/tenants", title: "Create tenants", detail: "One per agent pod; group them to grant many at once." },
    {
      done: policy.rules > 0,
      href: "/rules",
      title: "Write a rule",
      detail: "Allow a group, a tenant, a label selector or everyone the servers a name or glob matches.",
    },
    { done: obotFetched, href: "#feed-url-label", title: "Point Obot at the catalog feed", detail: "Obot reads the active servers from the feed URL below." },
  ];
  if (steps.slice(0, 4).every((step) => step.done)) return null;
  const next = steps.findIndex((step) => !step.done);
  return (
    <section aria-labelledby="first-steps-title" className="mb-6 rounded-lg bg-white px-5 py-4 shadow-xs ring-1 ring-indigo-200" data-testid="first-steps">
      <h2 id="first-steps-title" className="text-base font-semibold text-slate-900">
        Getting started
      </h2>
      <p className="mt-0.5 text-sm text-slate-600">
        {steps.filter((step) => step.done).length} of {steps.length} done. Each step links to where it is done.
      </p>
      <ol className="mt-3 grid gap-2 md:grid-cols-5">
        {steps.map((step, i) => (
          <li key={step.title}>
            <Link
              href={step.href}
              aria-current={i === next ? "step" : undefined}
              className={cn(
                "block h-full rounded-md px-3 py-2 ring-1 focus-visible:outline-2 focus-visible:outline-indigo-600",
                step.done ? "bg-slate-50 ring-slate-200" : i === next ? "bg-indigo-50 ring-indigo-300 hover:bg-indigo-100" : "ring-slate-200 hover:bg-slate-50",
              )}
            >
              <span className="flex items-center gap-2 text-sm font-medium text-slate-900">
                <span
                  aria-hidden
                  className={cn(
                    "flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-semibold",
                    step.done ? "bg-emerald-600 text-white" : "bg-white text-slate-600 ring-1 ring-slate-300",
                  )}
                >
                  {step.done ? "✓" : i + 1}
                </span>
                {step.title}
                <span className="sr-only">{step.done ? " (done)" : ""}</span>
              </span>
              <span className="mt-1 block text-xs text-slate-600">{step.detail}</span>
            </Link>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Who may use what, and what waits for an admin: the policy and ingestion side of the console, each count linking to its list. */
function PolicyAndSourceStats({ policy }: { policy: PolicyCounts | undefined }) {
  const trpc = useTRPC();
  const sources = useQuery(trpc.sources.list.queryOptions({}));
  const quarantined = useQuery(trpc.sources.reviewPage.queryOptions({ state: "quarantined", limit: 1 }));
  const pendingUpdates = useQuery(trpc.sources.reviewPage.queryOptions({ state: "pending-update", limit: 1 }));
  const warnings = policy?.warnings ?? 0;
  const waiting = quarantined.data && pendingUpdates.data ? quarantined.data.all + pendingUpdates.data.all : undefined;
  const pendingApproval = sources.data?.filter((s) => s.status === "pending-approval").length ?? 0;
  const failing = sources.data?.filter((s) => s.status === "error").length ?? 0;
  const dash = "—";
  return (
    <div className="mt-4 grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
      <Stat
        label="Tenants"
        value={policy?.tenants ?? dash}
        href="/tenants"
        detail={policy ? `in ${policy.groups} group${policy.groups === 1 ? "" : "s"}` : undefined}
      />
      <Stat
        label="Rules"
        value={policy?.rules ?? dash}
        href="/rules"
        detail={
          warnings > 0 ? (
            <span className="text-amber-800">
              {warnings} warning{warnings === 1 ? "" : "s"} from the policy compiler
            </span>
          ) : policy && policy.warnings !== null ? (
            "no warnings"
          ) : undefined
        }
      />
      <Stat
        label="Sources"
        value={sources.data?.length ?? dash}
        href="/sources"
        detail={
          pendingApproval + failing > 0 ? (
            <span className="text-amber-800">
              {[pendingApproval > 0 && `${pendingApproval} pending approval`, failing > 0 && `${failing} failing`].filter(Boolean).join(", ")}
            </span>
          ) : sources.data ? (
            "all approved and healthy"
          ) : undefined
        }
      />
      <Stat
        label="Waiting for review"
        value={waiting ?? dash}
        href="/review"
        detail={waiting ? <span className="text-amber-800">quarantined items and staged updates</span> : waiting === 0 ? "nothing waits" : undefined}
      />
    </div>
  );
}

function Stat({ label, value, detail, href }: { label: string; value: React.ReactNode; detail?: React.ReactNode; href?: string }) {
  const body = (
    <>
      <span className="block text-xs font-medium text-slate-500">{label}</span>
      <span className="mt-1 block text-2xl font-semibold tabular-nums text-slate-900">{value}</span>
      {detail && <span className="mt-1 block text-xs text-slate-500">{detail}</span>}
    </>
  );
  const classes = "block rounded-lg bg-white px-5 py-4 shadow-xs ring-1 ring-slate-200";
  return href ? (
    <Link href={href} className={`${classes} hover:ring-indigo-300 focus-visible:outline-2 focus-visible:outline-indigo-600`}>
      {body}
    </Link>
  ) : (
    <div className={classes}>{body}</div>
  );
}

/** The absolute feed URL as this browser reaches the control plane, on the internal port when there is one. */
function FeedUrl({ port }: { port: number | null }) {
  const [url, setUrl] = useState(OBOT_FEED_PATH);
  useEffect(() => {
    const feed = new URL(OBOT_FEED_PATH, window.location.origin);
    if (port !== null) feed.port = String(port);
    // The origin is known only in the browser: the server renders the path, and hydration must match it.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setUrl(feed.toString());
  }, [port]);
  return (
    <div className="mt-2 flex items-center gap-2">
      <input
        readOnly
        value={url}
        aria-labelledby="feed-url-label"
        onFocus={(event) => event.currentTarget.select()}
        className="min-w-0 flex-1 rounded-md border-0 bg-slate-100 px-3 py-1.5 font-mono text-xs text-slate-800 focus:outline-2 focus:outline-indigo-500/40"
      />
      <CopyButton text={url} label="Copy URL" />
    </div>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
