"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { AuditDiff } from "@/components/audit/audit-diff";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field, inputClasses } from "@/components/ui/field";
import { PageHeader, Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { LoadError, Loading } from "@/components/ui/states";
import { SearchBox, SectionCount, SectionPager, SortControl, useListView, type SectionPaging } from "@/components/ui/paged-list";
import { cn } from "@/lib/cn";
import { driftQueryOf, REVIEW_LIST, REVIEW_PAGE_SIZE, reviewPageOf, reviewQueryOf, type ReviewSection } from "@/lib/list-specs";
import { hasListFilters } from "@/lib/list-url";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf } from "@/lib/domain-error";
import { sentence } from "@/lib/messages";
import { fieldChangesOf, type FieldChange } from "@/lib/source-run";
import { sanitizeObotName } from "@/server/catalog/model";
import { UPSTREAM_FIELD_LABELS, upstreamFieldOf, type UpstreamField } from "@/server/catalog/ownership";
import { BatchDialog } from "@/components/policy/batch-dialog";
import { ImpactPreviewView } from "@/components/policy/impact-preview";
import { useInvalidateSources } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";
import { ToolDriftSection } from "@/components/tools/tool-drift-queue";
import { FindingsList } from "./findings";
import type { ReviewItem } from "./types";

const SORT_OPTIONS = [
  { value: "updated", label: "Time" },
  { value: "name", label: "Name" },
  { value: "source", label: "Source" },
] as const;

/** A section's page changed alone; a filter or sort change starts every section over. */
const FIRST_PAGES = { held: "", updates: "", drift: "" };

export function ReviewQueue() {
  const trpc = useTRPC();
  const { view, change } = useListView(REVIEW_LIST);
  const quarantined = useQuery(trpc.sources.reviewPage.queryOptions(reviewQueryOf(view, "quarantined"), { placeholderData: keepPreviousData }));
  const pendingUpdates = useQuery(trpc.sources.reviewPage.queryOptions(reviewQueryOf(view, "pending-update"), { placeholderData: keepPreviousData }));
  const canDecide = useCan("admin");
  const filtered = hasListFilters({ ...view, filters: { source: view.filters.source } });
  const pager = (section: ReviewSection, label: string): SectionPaging => ({
    page: reviewPageOf(view, section),
    onPage: (p) => change({ page: 1, filters: { [section]: p > 1 ? String(p) : "" } }),
    label,
  });
  // Quarantined items picked for a bulk release or rejection (of the page shown).
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const heldIds = quarantined.data?.items.map((item) => item.id) ?? [];
  const picked = heldIds.filter((id) => selected.has(id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  return (
    <>
      <PageHeader
        title="Review queue"
        description={
          <>
            Items from{" "}
            <Link href="/sources" className="text-indigo-700 hover:underline">
              sources
            </Link>{" "}
            that wait for an administrator: those the security scan held back, and upstream changes to servers that are already published.
            {!canDecide && " Only administrators can decide on them."}
          </>
        }
      />
      <div className="mb-6 flex flex-wrap items-end gap-3" role="search" aria-label="Filter the review queue">
        <SearchBox
          id="review-search"
          label="Search the queue"
          value={view.q}
          placeholder="name or upstream id"
          onSearch={(q) => change({ q, filters: FIRST_PAGES })}
          className="w-full text-sm sm:w-72"
        />
        <SearchBox
          id="review-source"
          label="Source"
          value={view.filters.source}
          placeholder="source name"
          onSearch={(source) => change({ filters: { ...FIRST_PAGES, source } })}
          className="text-sm"
        />
        <SortControl
          id="review-sort"
          sort={view.sort}
          order={view.order}
          options={SORT_OPTIONS}
          onChange={(sort, order) => change({ sort, order, filters: FIRST_PAGES })}
        />
      </div>
      <div className="space-y-8">
        <QueueSection
          id="quarantined"
          title="Quarantined"
          explanation="The scan found something critical (a secret, a prompt-injection phrase, a private endpoint…). Releasing registers the item as a draft; rejecting keeps it out of the catalog."
          query={quarantined}
          empty={filtered ? "No quarantined item matches these filters." : "Nothing is quarantined."}
          pager={pager("held", "Quarantined pages")}
          toolbar={canDecide && heldIds.length > 1 && <BulkDecisions ids={picked} all={heldIds} onSelect={(ids) => setSelected(new Set(ids))} />}
          render={(item) => (
            <QuarantinedItem
              key={item.id}
              item={item}
              canDecide={canDecide}
              selectable={canDecide ? { checked: selected.has(item.id), onChange: (on) => toggle(item.id, on) } : undefined}
            />
          )}
        />
        <QueueSection
          id="pending-updates"
          title="Pending updates"
          explanation="Upstream changed a server that is not a draft any more. Approving applies the change to the catalog (and to what Obot and tenants receive); rejecting keeps the server as it is."
          query={pendingUpdates}
          empty={filtered ? "No pending update matches these filters." : "No updates are waiting."}
          pager={pager("updates", "Pending update pages")}
          render={(item) => <PendingUpdate key={item.id} item={item} canDecide={canDecide} />}
        />
        <ToolDriftSection canDecide={canDecide} query={driftQueryOf(view)} filtered={view.q !== ""} pager={pager("drift", "Tool drift pages")} />
      </div>
    </>
  );
}

function QueueSection({
  id,
  title,
  explanation,
  query,
  empty,
  pager,
  toolbar,
  render,
}: {
  id: string;
  title: string;
  explanation: string;
  query: { isPending: boolean; isError: boolean; error: unknown; isPlaceholderData: boolean; data?: { items: ReviewItem[]; total: number; all: number } };
  empty: string;
  pager: SectionPaging;
  /** Above the items: bulk actions. */
  toolbar?: React.ReactNode;
  render: (item: ReviewItem) => React.ReactNode;
}) {
  const data = query.data;
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-base font-semibold text-slate-900">
        {title}
        {data && <SectionCount total={data.total} all={data.all} busy={query.isPlaceholderData} />}
      </h2>
      <p className="mb-3 mt-1 max-w-3xl text-sm text-slate-600">{explanation}</p>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} what={`the ${title.toLowerCase()} items`} />
      ) : data!.items.length === 0 ? (
        <>
          <p className="rounded-lg bg-white px-5 py-4 text-sm text-slate-600 shadow-xs ring-1 ring-slate-200">{empty}</p>
          <SectionPager paging={pager} total={data!.total} pageSize={REVIEW_PAGE_SIZE} />
        </>
      ) : (
        <>
          {toolbar}
          <ul className={cn("space-y-4", query.isPlaceholderData && "opacity-60")}>{data!.items.map(render)}</ul>
          <SectionPager paging={pager} total={data!.total} pageSize={REVIEW_PAGE_SIZE} />
        </>
      )}
    </section>
  );
}

function ItemHeading({ item, selectable }: { item: ReviewItem; selectable?: Selectable }) {
  const label = item.name ?? item.upstreamId;
  return (
    <span className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
      {selectable && (
        <input
          type="checkbox"
          aria-label={`Select ${label}`}
          checked={selectable.checked}
          onChange={(event) => selectable.onChange(event.target.checked)}
          className="size-4 self-center accent-indigo-600"
        />
      )}
      <span className="break-all font-mono">{label}</span>
      <span className="text-xs font-normal text-slate-500">
        from{" "}
        <Link href={`/sources/${item.source}`} className="font-mono text-indigo-700 hover:underline">
          {item.source}
        </Link>
        {item.upstreamVersion && ` · version ${item.upstreamVersion}`} · <RelativeTime iso={item.updatedAt} />
      </span>
    </span>
  );
}

interface Selectable {
  checked: boolean;
  onChange: (on: boolean) => void;
}

/** Releases or rejects the selected quarantined items together: one impact preview, one transaction. */
function BulkDecisions({ ids, all, onSelect }: { ids: string[]; all: string[]; onSelect: (ids: string[]) => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateSources();
  const decide = useMutation(trpc.sources.decideItems.mutationOptions());
  const [action, setAction] = useState<"release" | "reject" | null>(null);
  const [reason, setReason] = useState("");
  const count = `${ids.length} item${ids.length === 1 ? "" : "s"}`;
  return (
    <div
      role="region"
      aria-label="Bulk decisions"
      className="mb-3 flex flex-wrap items-center gap-2 rounded-lg bg-white px-4 py-2 text-sm shadow-xs ring-1 ring-slate-200"
    >
      <p className="text-slate-700">{ids.length > 0 ? `${count} selected` : "Select items to decide on several at once."}</p>
      <div className="flex flex-wrap gap-2 sm:ml-auto">
        <Button size="sm" variant="ghost" onClick={() => onSelect(ids.length === all.length ? [] : all)}>
          {ids.length === all.length ? "Clear selection" : "Select all"}
        </Button>
        <Button size="sm" variant="quiet-danger" disabled={ids.length === 0} onClick={() => setAction("reject")}>
          Reject selected
        </Button>
        <Button size="sm" variant="primary" disabled={ids.length === 0} onClick={() => setAction("release")}>
          Release selected
        </Button>
      </div>
      {action && (
        <BatchDialog
          title={action === "release" ? `Release ${count}?` : `Reject ${count}?`}
          description={
            action === "release"
              ? "You have read the findings of each and accept them. Each item is validated and registered as a draft server; nothing is published. If one cannot be released, none is."
              : "The items stay out of the catalog until upstream changes them. The rejection and its reason are recorded in the audit log for each."
          }
          confirmLabel={action === "release" ? `Release ${count}` : `Reject ${count}`}
          tone={action === "release" ? "primary" : "danger"}
          run={(dryRun) => decide.mutateAsync({ batch: { action, ids, reason }, dryRun })}
          onClose={() => setAction(null)}
          onDone={() => {
            toast(`${action === "release" ? "Released" : "Rejected"} ${count}.`);
            setAction(null);
            setReason("");
            onSelect([]);
            void invalidate();
          }}
        >
          {action === "reject" && (
            <Field id="bulk-reject-reason" label="Reason (optional)" className="mt-4">
              {(p) => <input {...p} value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} className={inputClasses} />}
            </Field>
          )}
        </BatchDialog>
      )}
    </div>
  );
}

const errorText = (error: unknown) => sentence(domainErrorOf(error).message);

/** Dialog state and the close-refresh-toast every decision ends with. */
function useDecision() {
  const toast = useToast();
  const invalidate = useInvalidateSources();
  const [dialog, setDialog] = useState<"accept" | "reject" | null>(null);
  const done = async (message: string) => {
    setDialog(null);
    await invalidate();
    toast(message);
  };
  return { dialog, setDialog, done, invalidate };
}

interface MutationState {
  isPending: boolean;
  isError: boolean;
  error: unknown;
}

/**
 * One item waiting for an admin: its heading, what to judge it by (children), and the two
 * decisions, each confirmed in a dialog; rejecting asks for an optional reason.
 */
function DecisionCard({
  testId,
  item,
  canDecide,
  dialog,
  setDialog,
  accept,
  reject,
  acceptDetails,
  selectable,
  children,
}: {
  testId: string;
  item: ReviewItem;
  selectable?: Selectable;
  canDecide: boolean;
  dialog: "accept" | "reject" | null;
  setDialog: (dialog: "accept" | "reject" | null) => void;
  /** With `reasonHint`, accepting asks for a reason (required), which `run` receives. */
  accept: { label: string; title: string; description: React.ReactNode; run: (reason: string) => void; state: MutationState; reasonHint?: string };
  reject: { title: string; description: string; run: (reason: string) => void; state: MutationState };
  /** Shown in the accept dialog below its description, e.g. the impact preview. */
  acceptDetails?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <li data-testid={testId} data-upstream-id={item.upstreamId}>
      <Panel
        title={<ItemHeading item={item} selectable={selectable} />}
        actions={
          canDecide && (
            <>
              <Button size="sm" variant="quiet-danger" onClick={() => setDialog("reject")}>
                Reject
              </Button>
              <Button size="sm" variant="primary" onClick={() => setDialog("accept")}>
                {accept.label}
              </Button>
            </>
          )
        }
      >
        {children}
      </Panel>
      {accept.reasonHint ? (
        <ReasonDialog
          open={dialog === "accept"}
          onClose={() => setDialog(null)}
          onConfirm={accept.run}
          pending={accept.state.isPending}
          error={accept.state.isError ? errorText(accept.state.error) : null}
          title={accept.title}
          confirmLabel={accept.label}
          tone="primary"
          required
          hint={accept.reasonHint}
          description={accept.description}
        >
          {acceptDetails}
        </ReasonDialog>
      ) : (
        <ConfirmDialog
          open={dialog === "accept"}
          onClose={() => setDialog(null)}
          onConfirm={() => accept.run("")}
          pending={accept.state.isPending}
          error={accept.state.isError ? errorText(accept.state.error) : null}
          title={accept.title}
          confirmLabel={accept.label}
          description={accept.description}
        >
          {acceptDetails}
        </ConfirmDialog>
      )}
      <ReasonDialog
        open={dialog === "reject"}
        onClose={() => setDialog(null)}
        onConfirm={reject.run}
        pending={reject.state.isPending}
        error={reject.state.isError ? errorText(reject.state.error) : null}
        title={reject.title}
        description={reject.description}
      />
    </li>
  );
}

function QuarantinedItem({ item, canDecide, selectable }: { item: ReviewItem; canDecide: boolean; selectable?: Selectable }) {
  const trpc = useTRPC();
  const { dialog, setDialog, done, invalidate } = useDecision();
  const label = item.name ?? item.upstreamId;
  const release = useMutation(
    trpc.sources.release.mutationOptions({
      onSuccess: (result) => done(`Released ${label}: ${result.outcome === "pending-update" ? "its update now waits for review" : "registered as a draft"}.`),
      onError: () => void invalidate(),
    }),
  );
  const reject = useMutation(trpc.sources.reject.mutationOptions({ onSuccess: () => done(`Rejected ${label}.`) }));
  return (
    <DecisionCard
      testId="quarantined-item"
      item={item}
      selectable={selectable}
      canDecide={canDecide}
      dialog={dialog}
      setDialog={setDialog}
      accept={{
        label: "Release",
        title: `Release ${label}?`,
        description: (
          <>
            <p>You have read the findings and accept them. The item is validated and registered as a draft server; nothing is published.</p>
            <p>
              The release holds for this version of the upstream document: later syncs keep it until upstream changes it, which is then scanned again. It is
              recorded in the audit log with these findings and your reason.
            </p>
          </>
        ),
        run: (reason) => release.mutate({ id: item.id, review: { reason } }),
        state: release,
        reasonHint: "Why this item is safe despite its critical finding; recorded in the audit log (at most 500 characters).",
      }}
      reject={{
        title: `Reject ${label}?`,
        description:
          "The item stays out of the catalog, and later syncs keep it out until upstream changes the document. The rejection and its reason are recorded in the audit log.",
        run: (reason) => reject.mutate({ id: item.id, review: { reason } }),
        state: reject,
      }}
    >
      <FindingsList findings={item.findings} />
    </DecisionCard>
  );
}

/** Changes as two partial servers (only the fields that change), for the audit log's diff view. */
function beforeAndAfter(changes: readonly FieldChange[]) {
  return {
    before: Object.fromEntries(changes.filter((c) => c.before !== undefined).map((c) => [c.field, c.before])),
    after: Object.fromEntries(changes.filter((c) => c.after !== undefined).map((c) => [c.field, c.after])),
  };
}

function PendingUpdate({ item, canDecide }: { item: ReviewItem; canDecide: boolean }) {
  const trpc = useTRPC();
  const { dialog, setDialog, done, invalidate } = useDecision();
  const label = item.name ?? item.upstreamId;
  const [takeUpstream, setTakeUpstream] = useState<UpstreamField[]>([]);
  const approve = useMutation(
    trpc.sources.approveUpdate.mutationOptions({
      onSuccess: (outcome) => done(`Applied the update to ${outcome.result.displayName}.`),
      // A stale version or a refused change: the queue shows the server as it is now.
      onError: () => void invalidate(),
    }),
  );
  const preview = useMutation(trpc.sources.approveUpdate.mutationOptions());
  const reject = useMutation(trpc.sources.rejectUpdate.mutationOptions({ onSuccess: () => done(`Rejected the update of ${label}.`) }));
  const diff = fieldChangesOf(item.pendingDiff);
  const changes = diff.filter((c) => !c.conflict);
  const conflicts = diff.filter((c) => c.conflict);
  const conflictFields = [...new Set(conflicts.map((c) => upstreamFieldOf(c.field)).filter((f): f is UpstreamField => f !== null))];
  const applied = [...changes, ...conflicts.filter((c) => takeUpstream.includes(upstreamFieldOf(c.field)!))];
  const { before, after } = beforeAndAfter(changes);
  const server = item.server;
  const published = server?.status === "active";
  const newName = applied.find((c) => c.field === "displayName")?.after;
  const renamesForObot = published && typeof newName === "string" && sanitizeObotName(newName) !== sanitizeObotName(server.displayName);
  const approval = { version: server?.version ?? 0, takeUpstream, ...(renamesForObot ? { confirmRename: true } : {}) };
  const { mutate: runPreview } = preview;
  const approvalKey = JSON.stringify(approval);
  useEffect(() => {
    if (dialog === "accept" && published) runPreview({ id: item.id, approval: JSON.parse(approvalKey) as typeof approval, dryRun: true });
  }, [dialog, published, runPreview, item.id, approvalKey]);
  return (
    <DecisionCard
      testId="pending-update"
      item={item}
      canDecide={canDecide}
      dialog={dialog}
      setDialog={setDialog}
      accept={{
        label: "Approve",
        title: `Apply the update to ${label}?`,
        description: (
          <>
            <p>
              The server takes the upstream values shown
              {conflictFields.length > 0 &&
                (takeUpstream.length > 0 ? ", and upstream's values of the conflicting fields you chose" : "; the fields in conflict keep your values")}
              .{published ? " It is published: Obot's entry for it changes, and Obot and tenant pods receive the change on their next poll." : ""}
            </p>
            {renamesForObot && (
              <p className="font-medium text-amber-800">
                This changes the display name of a published server. Obot keys its entries by that name, so it sees a new server and drops the old one (&lsquo;
                {sanitizeObotName(server.displayName)}&rsquo; becomes &lsquo;{sanitizeObotName(newName)}&rsquo;), shutting down servers deployed from it.
              </p>
            )}
          </>
        ),
        run: () => approve.mutate({ id: item.id, approval }),
        state: approve,
      }}
      reject={{
        title: `Reject the update of ${label}?`,
        description: "The server stays as it is. This upstream version is not staged again; a newer one will be.",
        run: (reason) => reject.mutate({ id: item.id, review: { reason } }),
        state: reject,
      }}
      acceptDetails={
        published &&
        (preview.isPending || preview.isIdle ? (
          <p className="mt-4 text-sm text-slate-500">Checking who gains or loses access…</p>
        ) : preview.isError ? (
          <p className="mt-4 text-sm text-slate-500">No impact preview: {errorText(preview.error)}</p>
        ) : preview.data.dryRun ? (
          <ImpactPreviewView impact={preview.data.impact} />
        ) : null)
      }
    >
      {server && (
        <p className="mb-3 text-sm text-slate-600">
          Changes{" "}
          <Link href={`/servers/${server.name}`} className="font-mono text-indigo-700 hover:underline">
            {server.name}
          </Link>{" "}
          ({server.status}, version {server.version}).
        </p>
      )}
      {changes.length > 0 ? (
        <AuditDiff before={before} after={after} />
      ) : (
        <p className="text-sm text-slate-600">No change to fields upstream owns and you did not edit.</p>
      )}
      {conflicts.length > 0 && (
        <section aria-label="Conflicts" data-testid="update-conflicts" className="mt-4 rounded-md bg-amber-50 px-4 py-3 ring-1 ring-amber-200">
          <h3 className="text-sm font-semibold text-amber-900">Conflicts with your edits</h3>
          <p className="mt-1 text-sm text-amber-900">
            You changed these fields after import, and upstream changed them too. Approving keeps your values unless you take upstream&apos;s.
          </p>
          <ul className="mt-2 space-y-3">
            {conflictFields.map((field) => {
              const entries = conflicts.filter((c) => upstreamFieldOf(c.field) === field);
              const taken = beforeAndAfter(entries);
              return (
                <li key={field}>
                  <label className="flex items-center gap-2 text-sm font-medium text-slate-900">
                    <input
                      type="checkbox"
                      disabled={!canDecide}
                      checked={takeUpstream.includes(field)}
                      onChange={(e) => setTakeUpstream((list) => (e.target.checked ? [...list, field] : list.filter((f) => f !== field)))}
                    />
                    Take upstream&apos;s {UPSTREAM_FIELD_LABELS[field]}
                  </label>
                  <AuditDiff before={taken.before} after={taken.after} />
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </DecisionCard>
  );
}

function ReasonDialog({
  open,
  onClose,
  onConfirm,
  pending,
  error,
  title,
  description,
  confirmLabel = "Reject",
  tone = "danger",
  required = false,
  hint = "Optional; recorded in the audit log (at most 500 characters).",
  children,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: (reason: string) => void;
  pending: boolean;
  error: string | null;
  title: string;
  description: React.ReactNode;
  confirmLabel?: string;
  tone?: "primary" | "danger";
  /** Whether confirming needs a reason, e.g. to release an item past a critical finding. */
  required?: boolean;
  hint?: string;
  children?: React.ReactNode;
}) {
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  return (
    <ConfirmDialog
      open={open}
      onClose={onClose}
      onConfirm={() => {
        if (required && !reason.trim()) return setMissing(true);
        onConfirm(reason.trim());
      }}
      pending={pending}
      error={error}
      title={title}
      confirmLabel={confirmLabel}
      tone={tone}
      description={typeof description === "string" ? <p>{description}</p> : description}
    >
      {children}
      <Field
        id={`review-reason-${confirmLabel.toLowerCase()}`}
        label="Reason"
        required={required}
        error={missing && !reason.trim() ? "say why, for the audit log" : undefined}
        hint={hint}
        className="mt-4"
      >
        {(p) => <textarea {...p} rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} className={inputClasses} />}
      </Field>
    </ConfirmDialog>
  );
}
