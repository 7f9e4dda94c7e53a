"use client";

import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { ConfirmDialog } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf } from "@/lib/domain-error";

/** Asks before revoking the token `name`; once revoked, reloads the list it came from (`listKey`), says so and closes. */
export function RevokeTokenDialog({
  name,
  title,
  description,
  revoke,
  listKey,
  onClose,
}: {
  name: string;
  title: string;
  description: React.ReactNode;
  revoke: () => Promise<unknown>;
  listKey: QueryKey;
  onClose: () => void;
}) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const revoking = useMutation({
    mutationFn: revoke,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: listKey });
      toast(`Revoked token ${name}.`);
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      onConfirm={() => revoking.mutate()}
      pending={revoking.isPending}
      error={revoking.isError ? domainErrorOf(revoking.error).message : null}
      title={title}
      confirmLabel="Revoke"
      tone="danger"
      description={description}
    />
  );
}
