"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field, inputClasses } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { LoadError, Loading } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf } from "@/lib/domain-error";
import { sentence } from "@/lib/messages";
import type { ToolDriftPageInput } from "@/server/tools/model";
import type { ToolDriftEntry } from "@/server/tools/store";
import { SectionCount, SectionPager, type SectionPaging } from "@/components/ui/paged-list";
import { REVIEW_PAGE_SIZE } from "@/lib/list-specs";
import { useInvalidateCatalog } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";
import { ToolDriftView } from "./tool-drift-view";

const errorText = (error: unknown) => sentence(domainErrorOf(error).message);

/** After a tool decision: the tool views, the queue, and what the catalog shows (audit log included). */
export function useInvalidateTools() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidateCatalog = useInvalidateCatalog();
  return () => Promise.all([queryClient.invalidateQueries({ queryKey: trpc.tools.pathKey() }), invalidateCatalog()]);
}

/** The review queue's tool-drift section: servers whose tools changed since they were pinned, a page at a time. */
export function ToolDriftSection({
  canDecide,
  query: input,
  filtered,
  pager,
}: {
  canDecide: boolean;
  query: ToolDriftPageInput;
  filtered: boolean;
  pager: SectionPaging;
}) {
  const trpc = useTRPC();
  const query = useQuery(trpc.tools.driftPage.queryOptions(input, { placeholderData: keepPreviousData }));
  return (
    <section aria-labelledby="tool-drift-title">
      <h2 id="tool-drift-title" className="text-base font-semibold text-slate-900">
        Tool drift
        {query.data && <SectionCount total={query.data.total} all={query.data.all} busy={query.isPlaceholderData} />}
      </h2>
      <p className="mb-3 mt-1 max-w-3xl text-sm text-slate-600">
        A published server now lists different tools than the ones pinned when it was approved. Until you approve, new and changed tools are withheld from
        tenants (or the whole server, if its setting says so); approving pins the tools as they are now, rejecting keeps the pin.
      </p>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} what="the tool drift" />
      ) : query.data.items.length === 0 ? (
        <>
          <p className="rounded-lg bg-white px-5 py-4 text-sm text-slate-600 shadow-xs ring-1 ring-slate-200">
            {filtered ? "No tool drift matches the search." : "No tool drift waits for review."}
          </p>
          <SectionPager paging={pager} total={query.data.total} pageSize={REVIEW_PAGE_SIZE} />
        </>
      ) : (
        <>
          <ul className="space-y-4">
            {query.data.items.map((entry) => (
              <ToolDriftCard key={entry.server} entry={entry} canDecide={canDecide} />
            ))}
          </ul>
          <SectionPager paging={pager} total={query.data.total} pageSize={REVIEW_PAGE_SIZE} />
        </>
      )}
    </section>
  );
}

function ToolDriftCard({ entry, canDecide }: { entry: ToolDriftEntry; canDecide: boolean }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTools();
  const [dialog, setDialog] = useState<"approve" | "reject" | null>(null);
  const [reason, setReason] = useState("");
  const done = async (message: string) => {
    setDialog(null);
    await invalidate();
    toast(message);
  };
  const approve = useMutation(trpc.tools.approveDrift.mutationOptions({ onSuccess: () => done(`Pinned the new tools of ${entry.server}.`) }));
  const reject = useMutation(trpc.tools.rejectDrift.mutationOptions({ onSuccess: () => done(`Rejected the tool drift of ${entry.server}.`) }));
  const review = { digest: entry.latestDigest };
  return (
    <li data-testid="tool-drift-item" data-server={entry.server}>
      <Panel
        title={
          <span className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
            <Link href={`/servers/${entry.server}`} className="font-mono text-indigo-700 hover:underline">
              {entry.server}
            </Link>
            <span className="text-xs font-normal text-slate-500">
              {entry.pinnedDigest ? "changed since its pin" : "nothing pinned yet"} ·{" "}
              {entry.onToolDrift === "suspend-server" ? "server suspended" : "changes withheld"} · {entry.source} <RelativeTime iso={entry.discoveredAt} />
            </span>
          </span>
        }
        actions={
          canDecide && (
            <>
              <Button size="sm" variant="quiet-danger" onClick={() => setDialog("reject")}>
                Reject
              </Button>
              <Button size="sm" variant="primary" onClick={() => setDialog("approve")}>
                Approve
              </Button>
            </>
          )
        }
      >
        <ToolDriftView drift={entry} />
      </Panel>
      <ConfirmDialog
        open={dialog === "approve"}
        onClose={() => setDialog(null)}
        onConfirm={() => approve.mutate({ server: entry.server, review })}
        pending={approve.isPending}
        error={approve.isError ? errorText(approve.error) : null}
        title={`Pin the new tools of ${entry.server}?`}
        confirmLabel="Approve"
        description={
          <p>
            You have read the diff and the findings. The tools as the server lists them now become its pin: new and changed tools reach the tenants granted the
            server. Recorded in the audit log.
          </p>
        }
      />
      <ConfirmDialog
        open={dialog === "reject"}
        onClose={() => setDialog(null)}
        onConfirm={() => reject.mutate({ server: entry.server, review: { ...review, reason } })}
        pending={reject.isPending}
        error={reject.isError ? errorText(reject.error) : null}
        title={`Reject the tool drift of ${entry.server}?`}
        confirmLabel="Reject"
        tone="danger"
        description={<p>The pin stays: new and changed tools stay withheld. The drift leaves the queue until the server&apos;s tools change again.</p>}
      >
        <Field id={`tool-drift-reason-${entry.server}`} label="Reason" hint="Optional; recorded in the audit log." className="mt-4">
          {(props) => <textarea {...props} className={inputClasses} rows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
      </ConfirmDialog>
    </li>
  );
}
