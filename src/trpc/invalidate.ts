"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { useTRPC } from "./react";

/** After any catalog change: lists, stats, detail pages, the dashboard and the audit log all refetch. */
export function useInvalidateCatalog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.catalog.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.dashboard.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.audit.pathKey() }),
      ]),
    [queryClient, trpc],
  );
}

/** After a source, run or review change: sources, review queues, and everything a registration touches. */
export function useInvalidateSources() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidateCatalog = useInvalidateCatalog();
  return useCallback(
    () => Promise.all([queryClient.invalidateQueries({ queryKey: trpc.sources.pathKey() }), invalidateCatalog()]),
    [queryClient, trpc, invalidateCatalog],
  );
}
