"use client";

import { useEffect, useState } from "react";
import type { ImpactPreview } from "@/server/policy/diff";
import { ConfirmDialog } from "@/components/ui/dialog";
import { domainErrorOf } from "@/lib/domain-error";
import { ImpactPreviewView } from "./impact-preview";

/**
 * Confirms one action on many selected things: it first asks for the whole batch's dry run and
 * shows its one impact preview (or why the batch would be refused: nothing is changed then), and
 * confirming applies the batch in one transaction.
 */
export function BatchDialog({
  title,
  description,
  confirmLabel,
  tone = "primary",
  run,
  onClose,
  onDone,
  children,
}: {
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  tone?: "primary" | "danger";
  /** The batch: with dryRun its impact preview, without it the change. */
  run: (dryRun: boolean) => Promise<unknown>;
  onClose: () => void;
  onDone: () => void;
  /** More to say or ask under the preview (a reason, say): read by `run` when the batch is confirmed. */
  children?: React.ReactNode;
}) {
  const [preview, setPreview] = useState<{ impact: ImpactPreview } | { refusal: string } | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [runOnce] = useState(() => run);

  useEffect(() => {
    let current = true;
    runOnce(true).then(
      (outcome) => current && setPreview({ impact: (outcome as { impact: ImpactPreview }).impact }),
      (failure: unknown) => current && setPreview({ refusal: domainErrorOf(failure).message }),
    );
    return () => {
      current = false;
    };
  }, [runOnce]);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await run(false);
      onDone();
    } catch (failure) {
      setError(domainErrorOf(failure).message);
    } finally {
      setPending(false);
    }
  }

  const refused = preview !== null && "refusal" in preview;
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      onConfirm={() => void confirm()}
      title={title}
      description={description}
      confirmLabel={confirmLabel}
      tone={tone}
      pending={pending}
      disabled={preview === null || refused}
      error={error}
    >
      {preview === null ? (
        <p className="mt-4 text-sm text-slate-500">Checking the whole batch and who gains or loses access…</p>
      ) : "refusal" in preview ? (
        <p role="alert" className="mt-4 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
          This batch cannot be applied, so nothing would change: {preview.refusal}
        </p>
      ) : (
        <ImpactPreviewView impact={preview.impact} />
      )}
      {children}
    </ConfirmDialog>
  );
}
