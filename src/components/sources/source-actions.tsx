"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Source } from "@/server/ingest/source-model";
import { useCan } from "@/components/shell/session";
import { Button, LinkButton } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf } from "@/lib/domain-error";
import { sentence } from "@/lib/messages";
import { useInvalidateSources } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";

const errorText = (error: unknown) => sentence(domainErrorOf(error).message);

/** Edit, sync now and delete for editors; approve for admins. Viewers see none of them. */
export function SourceActions({ source }: { source: Source }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  const invalidate = useInvalidateSources();
  const canEdit = useCan("editor");
  const canApprove = useCan("admin");
  const [confirming, setConfirming] = useState<"approve" | "delete" | null>(null);

  const sync = useMutation(
    trpc.sources.sync.mutationOptions({
      onSuccess: async (run) => {
        await invalidate();
        router.push(`/sources/${source.name}/runs/${run.id}`);
      },
      onError: (error) => toast(errorText(error), "error"),
    }),
  );
  const approve = useMutation(
    trpc.sources.approve.mutationOptions({
      onSuccess: async () => {
        setConfirming(null);
        await invalidate();
        toast(`Approved ${source.name}. It can sync now.`);
      },
    }),
  );
  const remove = useMutation(
    trpc.sources.delete.mutationOptions({
      onSuccess: async () => {
        setConfirming(null);
        router.push("/sources");
        queryClient.removeQueries({ queryKey: trpc.sources.get.queryKey({ name: source.name }) });
        await invalidate();
        toast(`Deleted ${source.name}. The servers it registered stay in the catalog.`);
      },
    }),
  );

  if (!canEdit) return null;
  const pendingApproval = source.status === "pending-approval";
  const syncable = source.kind !== "manual-upload";
  return (
    <div className="flex flex-wrap justify-end gap-2">
      <LinkButton href={`/sources/${source.name}/edit`}>Edit</LinkButton>
      <Button variant="quiet-danger" onClick={() => setConfirming("delete")}>
        Delete
      </Button>
      {pendingApproval && canApprove && (
        <Button variant="primary" onClick={() => setConfirming("approve")}>
          Approve
        </Button>
      )}
      {syncable && (
        <Button
          variant={pendingApproval ? "secondary" : "primary"}
          disabled={pendingApproval || sync.isPending || source.status === "syncing"}
          title={pendingApproval ? "An administrator must approve this source first" : undefined}
          onClick={() => sync.mutate({ name: source.name })}
        >
          {sync.isPending ? "Queuing…" : source.status === "syncing" ? "Syncing…" : "Sync now"}
        </Button>
      )}

      <ConfirmDialog
        open={confirming === "approve"}
        onClose={() => setConfirming(null)}
        onConfirm={() => approve.mutate({ name: source.name })}
        pending={approve.isPending}
        error={approve.isError ? errorText(approve.error) : null}
        title={`Approve ${source.name}?`}
        confirmLabel="Approve"
        description={
          <>
            <p>
              From now on this source may fetch from <code className="break-all font-mono">{source.url}</code>
              {source.syncMode === "scheduled" ? " on its schedule, starting now," : " whenever an editor syncs it,"} and register what it finds as draft
              servers.
            </p>
            <p>Every item is still scanned: critical findings are held in the review queue, and changes to published servers wait for an administrator.</p>
          </>
        }
      />
      <ConfirmDialog
        open={confirming === "delete"}
        onClose={() => setConfirming(null)}
        onConfirm={() => remove.mutate({ name: source.name })}
        pending={remove.isPending}
        error={remove.isError ? errorText(remove.error) : null}
        title={`Delete ${source.name}?`}
        confirmLabel="Delete"
        tone="danger"
        description={
          <p>
            The source, its runs and its review items are removed. The servers it registered stay in the catalog, no longer linked to it. The audit log keeps a
            record.
          </p>
        }
      />
    </div>
  );
}
