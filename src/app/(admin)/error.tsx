"use client";

import { Button, LinkButton } from "@/components/ui/button";
import { useErrorDigest } from "@/components/ui/error-screen";

/** Anything a page could not render: say so plainly and offer a retry. */
export default function AdminError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = useErrorDigest(error);
  return (
    <div role="alert" className="rounded-lg bg-white px-6 py-14 text-center shadow-xs ring-1 ring-slate-200">
      <h1 className="text-xl font-semibold text-slate-900">Something went wrong</h1>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
        This page could not be shown. If the control plane has just started, it may still be opening its database: try again in a few seconds. If it keeps
        failing, the server log has the details.
      </p>
      {digest && <p className="mt-2 font-mono text-xs text-slate-400">Reference: {digest}</p>}
      <div className="mt-6 flex justify-center gap-3">
        <Button variant="primary" onClick={() => retry()}>
          Try again
        </Button>
        <LinkButton href="/">Go to the dashboard</LinkButton>
      </div>
    </div>
  );
}
