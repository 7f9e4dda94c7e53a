"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ImpactPreview } from "@/server/policy/diff";
import { domainErrorOf, type DomainErrorInfo } from "@/lib/domain-error";
import { withoutPrefix } from "@/lib/form";
import { useTRPC } from "@/trpc/react";

/** Everything a policy change can alter: tenants, groups, rules, the matrix and explanations. */
export function useInvalidatePolicy() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      [trpc.tenants.pathKey(), trpc.groups.pathKey(), trpc.grants.pathKey(), trpc.policy.pathKey()].map((queryKey) =>
        queryClient.invalidateQueries({ queryKey }),
      ),
    );
}

/** The server's refusal of a preview, its field errors keyed by the path in the form's own input ("servers", "subject.name"). */
export type Refusal = Pick<DomainErrorInfo, "message" | "fieldErrors" | "formErrors">;

/**
 * A change that can alter access, in two steps: preview (the server's dry run: same validation,
 * nothing written) then save. A refused preview comes back as field errors for the form; a
 * refused save keeps its error for the confirm step to show.
 */
export function usePreviewedChange<Input>(run: (input: Input, dryRun: boolean) => Promise<unknown>) {
  const invalidate = useInvalidatePolicy();
  const [staged, setStaged] = useState<{ input: Input; impact: ImpactPreview; result: unknown } | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  /** `inputKey` is where the procedure nests the form's input ("grant", "patch"): field errors come back without it. */
  async function preview(input: Input, inputKey: string): Promise<Refusal | null> {
    setPending(true);
    setError(null);
    try {
      const outcome = (await run(input, true)) as { impact: ImpactPreview; result: unknown };
      setStaged({ input, impact: outcome.impact, result: outcome.result });
      return null;
    } catch (e) {
      const info = domainErrorOf(e);
      return { message: info.message, fieldErrors: withoutPrefix(info.fieldErrors, inputKey), formErrors: info.formErrors };
    } finally {
      setPending(false);
    }
  }

  async function save(): Promise<boolean> {
    if (!staged) return false;
    setPending(true);
    setError(null);
    try {
      await run(staged.input, false);
      await invalidate();
      setStaged(null);
      return true;
    } catch (e) {
      setError(domainErrorOf(e).message);
      return false;
    } finally {
      setPending(false);
    }
  }

  function back() {
    setStaged(null);
    setError(null);
  }

  return { impact: staged?.impact ?? null, previewResult: staged?.result, pending, error, preview, save, back };
}

export type PreviewedChange = ReturnType<typeof usePreviewedChange>;
