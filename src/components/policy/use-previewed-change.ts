"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ImpactPreview } from "@/server/policy/diff";
import { domainErrorOf } from "@/lib/domain-error";
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

/**
 * A change that can alter access, in two steps: preview (the server's dry run: same validation,
 * nothing written) then save. `preview` rethrows the dry run's error so the form can put field
 * errors next to their fields; `save` keeps its error for the confirm step to show.
 */
export function usePreviewedChange<Input>(run: (input: Input, dryRun: boolean) => Promise<unknown>) {
  const invalidate = useInvalidatePolicy();
  const [staged, setStaged] = useState<{ input: Input; impact: ImpactPreview; result: unknown } | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function preview(input: Input) {
    setPending(true);
    setError(null);
    try {
      const outcome = (await run(input, true)) as { impact: ImpactPreview; result: unknown };
      setStaged({ input, impact: outcome.impact, result: outcome.result });
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
