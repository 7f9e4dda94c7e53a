"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect } from "react";
import { domainErrorOf } from "@/lib/domain-error";
import { useTRPC } from "@/trpc/react";
import { ImpactPreviewView } from "./impact-preview";

/** Who gains or loses a server if it is published or disabled: the dry run, shown in the confirm dialog. */
export function ServerStatusImpact({ name, to }: { name: string; to: "active" | "disabled" }) {
  const trpc = useTRPC();
  const preview = useMutation(trpc.policy.previewServerStatus.mutationOptions());
  const { mutate } = preview;

  useEffect(() => {
    mutate({ name, to });
  }, [mutate, name, to]);

  if (preview.isPending || preview.isIdle) return <p className="mt-4 text-sm text-slate-500">Checking who gains or loses access…</p>;
  if (preview.isError) {
    // The confirm step itself reports why the change is refused; here only the preview is missing.
    return <p className="mt-4 text-sm text-slate-500">No impact preview: {domainErrorOf(preview.error).message}</p>;
  }
  return preview.data.dryRun ? <ImpactPreviewView impact={preview.data.impact} /> : null;
}
