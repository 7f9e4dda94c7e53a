"use client";

import { useEffect, useRef } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, FormDialogFooter } from "@/components/ui/dialog";
import { FormAlert } from "@/components/ui/states";
import { ImpactPreviewView } from "./impact-preview";
import type { PreviewedChange } from "./use-previewed-change";

/**
 * A form dialog whose submit previews the change; the confirm step shows who gains and who loses
 * access, and only then saves.
 */
export function PreviewedChangeDialog({
  title,
  description,
  formId,
  change: { impact, pending, error, back: onBack },
  formError,
  saveLabel,
  confirmNotes,
  onClose,
  onSave,
  children,
}: {
  title: string;
  description?: React.ReactNode;
  formId: string;
  /** The change's state (usePreviewedChange): its impact once previewed, and the save's error, shown in the confirm step. */
  change: Pick<PreviewedChange, "impact" | "pending" | "error" | "back">;
  /** An error of the form as a whole (not of one field), shown above the fields. */
  formError?: string | null;
  saveLabel: string;
  /** Shown under the impact in the confirm step, e.g. servers the rule cannot grant. */
  confirmNotes?: React.ReactNode;
  onClose: () => void;
  onSave: () => void;
  children: React.ReactNode;
}) {
  const confirming = impact !== null;
  const saveRef = useRef<HTMLButtonElement>(null);
  const stepRef = useRef<HTMLDivElement>(null);
  const firstStep = useRef(true);

  // The step's controls replace the other's, so focus would fall to the page: put it where the next action is.
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    if (confirming) saveRef.current?.focus();
    else stepRef.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, [confirming]);
  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={confirming ? `${title}: confirm` : title}
      description={confirming ? "Check who gains and who loses access, then save." : description}
      footer={
        confirming ? (
          <>
            <Button onClick={onBack}>Back</Button>
            <Button ref={saveRef} variant="primary" onClick={onSave} disabled={pending}>
              {pending ? "Saving…" : saveLabel}
            </Button>
          </>
        ) : (
          <FormDialogFooter formId={formId} label="Preview impact" pendingLabel="Checking…" pending={pending} onCancel={onClose} />
        )
      }
    >
      <div ref={stepRef}>
        {confirming ? (
          <>
            <ImpactPreviewView impact={impact} />
            {confirmNotes}
            <FormAlert message={error} className="mt-4" />
          </>
        ) : (
          <>
            <FormAlert message={formError} className="mt-4" />
            {children}
          </>
        )}
      </div>
    </Dialog>
  );
}
