"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { DISABLEABLE_FROM, PUBLISHABLE_FROM, type McpServer } from "@/server/catalog/model";
import { ServerStatusImpact } from "@/components/policy/server-status-impact";
import { useCan } from "@/components/shell/session";
import { Button, LinkButton } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf, staleVersionOf } from "@/lib/domain-error";
import { exactTime } from "@/lib/time";
import { useInvalidateCatalog } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";

type Action = "publish" | "disable" | "delete";

function errorText(error: unknown): string {
  const info = domainErrorOf(error);
  const stale = staleVersionOf(info);
  if (stale) {
    return `${stale.updatedBy} changed this server at ${exactTime(stale.updatedAt)} (now version ${stale.currentVersion}). The page now shows their version: review it and try again.`;
  }
  return info.formErrors[0] ?? info.message;
}

/** Edit, publish, disable and delete, each behind a dialog that says what will happen: for editors and admins. */
export function ServerActions(props: { server: McpServer; publishBlocker: string | null }) {
  return useCan("editor") ? <EditorActions {...props} /> : null;
}

function EditorActions({ server, publishBlocker }: { server: McpServer; publishBlocker: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const invalidate = useInvalidateCatalog();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Action | null>(null);

  const onError = () => void invalidate();
  const publish = useMutation(
    trpc.catalog.publish.mutationOptions({
      onSuccess: async (updated) => {
        setOpen(null);
        await invalidate();
        toast(`${server.status === "degraded" ? "Restored" : "Published"} ${updated.result.displayName}. Obot will offer it on its next sync.`);
      },
      onError,
    }),
  );
  const disable = useMutation(
    trpc.catalog.disable.mutationOptions({
      onSuccess: async (updated) => {
        setOpen(null);
        await invalidate();
        toast(`Disabled ${updated.result.displayName}.`);
      },
      onError,
    }),
  );
  const remove = useMutation(
    trpc.catalog.delete.mutationOptions({
      onSuccess: async (deleted) => {
        setOpen(null);
        router.push("/servers");
        // The server is gone: drop its page's data rather than refetch it into a 404.
        queryClient.removeQueries({ queryKey: trpc.catalog.get.queryKey({ name: deleted.name }) });
        await invalidate();
        toast(`Deleted ${deleted.displayName}.`);
      },
      onError,
    }),
  );

  const openDialog = (action: Action) => {
    publish.reset();
    disable.reset();
    remove.reset();
    setOpen(action);
  };
  const input = { name: server.name, version: server.version };
  const statusChange = { name: server.name, statusChange: { version: server.version } };
  const canPublish = PUBLISHABLE_FROM.includes(server.status);
  // A draft was never published: deleting it is the way out, "disable" would only confuse.
  const canDisable = DISABLEABLE_FROM.includes(server.status) && server.status !== "draft";
  // A degraded server was published and left the feeds when a check failed: publishing it again restores it.
  const publishVerb = server.status === "degraded" ? "Restore" : "Publish";
  const canDelete = server.status !== "active";

  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap justify-end gap-2">
        <LinkButton href={`/servers/${server.name}/edit`}>Edit</LinkButton>
        {canDelete && (
          <Button variant="quiet-danger" onClick={() => openDialog("delete")}>
            Delete
          </Button>
        )}
        {canDisable && <Button onClick={() => openDialog("disable")}>Disable</Button>}
        {canPublish && (
          <Button
            variant="primary"
            disabled={publishBlocker !== null}
            aria-describedby={publishBlocker ? "publish-blocker" : undefined}
            onClick={() => openDialog("publish")}
          >
            {publishVerb}
          </Button>
        )}
      </div>
      {canPublish && publishBlocker && (
        <p id="publish-blocker" className="max-w-md text-right text-xs text-amber-800">
          Cannot {publishVerb.toLowerCase()} yet: {publishBlocker}
        </p>
      )}

      <ConfirmDialog
        open={open === "publish"}
        onClose={() => setOpen(null)}
        onConfirm={() => publish.mutate(statusChange)}
        pending={publish.isPending}
        error={publish.isError ? errorText(publish.error) : null}
        title={`${publishVerb} ${server.displayName}?`}
        confirmLabel={publishVerb}
        description={
          <>
            {server.status === "degraded" && (
              <p>
                It left the feeds when it became degraded{server.statusReason ? ` (${server.statusReason})` : ""}. Restoring checks it afresh and publishes it
                again.
              </p>
            )}
            <p>
              The server becomes active: it is added to the Obot catalog feed, and Obot will offer it on its next sync (hourly, at start, or when its catalog is
              refreshed).
            </p>
            <p>
              Obot will list it as <strong>{server.displayName}</strong>. Tenants can use it once a grant allows them.
            </p>
          </>
        }
      >
        {open === "publish" && <ServerStatusImpact name={server.name} to="active" />}
      </ConfirmDialog>
      <ConfirmDialog
        open={open === "disable"}
        onClose={() => setOpen(null)}
        onConfirm={() => disable.mutate(statusChange)}
        pending={disable.isPending}
        error={disable.isError ? errorText(disable.error) : null}
        title={`Disable ${server.displayName}?`}
        confirmLabel="Disable"
        tone="danger"
        description={
          server.status === "active" ? (
            <p>
              It will be removed from Obot&apos;s catalog and every tenant&apos;s contract. On its next sync Obot deletes the entry and shuts down servers
              deployed from it. You can publish it again later.
            </p>
          ) : (
            <p>
              It is not published now; disabling marks it as not to be published, and it stays out of Obot&apos;s catalog and every tenant&apos;s contract until
              someone publishes it.
            </p>
          )
        }
      >
        {open === "disable" && server.status === "active" && <ServerStatusImpact name={server.name} to="disabled" />}
      </ConfirmDialog>
      <ConfirmDialog
        open={open === "delete"}
        onClose={() => setOpen(null)}
        onConfirm={() => remove.mutate(input)}
        pending={remove.isPending}
        error={remove.isError ? errorText(remove.error) : null}
        title={`Delete ${server.displayName}?`}
        confirmLabel="Delete"
        tone="danger"
        description={
          <p>
            The server <code className="font-mono">{server.name}</code> is removed from the catalog for good. It is not published, so Obot and the tenants do
            not see it now. The audit log keeps a record.
          </p>
        }
      />
    </div>
  );
}
