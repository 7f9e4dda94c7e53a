"use client";

import { useEffect, useState } from "react";
import { ConfirmDialog } from "@/components/ui/dialog";
import { ImpactPreviewView } from "./impact-preview";
import { usePreviewedChange } from "./use-previewed-change";

/** Asks before deleting a tenant, group or rule, showing the access the deletion takes away. */
export function DeleteWithImpactDialog({
  title,
  description,
  run,
  onDeleted,
  onClose,
}: {
  title: string;
  description: React.ReactNode;
  run: (dryRun: boolean) => Promise<unknown>;
  onDeleted: () => void;
  onClose: () => void;
}) {
  const change = usePreviewedChange<null>((_input, dryRun) => run(dryRun));
  const [previewError, setPreviewError] = useState<string | null>(null);

  useEffect(() => {
    change.preview(null, "").then((refusal) => {
      const fieldMessages = Object.values(refusal?.fieldErrors ?? {}).map((messages) => messages[0]);
      setPreviewError(refusal && (fieldMessages.length === 0 ? refusal.message : fieldMessages.join(" ")));
    });
    // Previewed once, when the dialog opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <ConfirmDialog
      open
      onClose={onClose}
      onConfirm={async () => {
        if (await change.save()) onDeleted();
      }}
      title={title}
      description={description}
      confirmLabel="Delete"
      tone="danger"
      pending={change.pending || (!change.impact && !previewError)}
      error={previewError ?? change.error}
    >
      {change.impact ? <ImpactPreviewView impact={change.impact} /> : !previewError && <p className="mt-4 text-sm text-slate-500">Checking the impact…</p>}
    </ConfirmDialog>
  );
}
