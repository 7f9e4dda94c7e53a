"use client";

import { useEffect } from "react";

/** A page or the console's layout could not render: usually the control plane is still starting. */
export default function RootError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <main role="alert" className="mx-auto mt-24 max-w-md px-6 text-center">
      <p className="text-sm font-semibold text-indigo-700">OpenCrane</p>
      <h1 className="mt-2 text-xl font-semibold text-slate-900">The console is not available yet</h1>
      <p className="mt-2 text-sm text-slate-600">
        If the control plane has just started, it may still be opening its database: try again in a few seconds. If it keeps failing, the server log has the
        details.
      </p>
      {digest && <p className="mt-2 font-mono text-xs text-slate-400">Reference: {digest}</p>}
      <button
        type="button"
        onClick={() => retry()}
        className="mt-6 rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
      >
        Try again
      </button>
    </main>
  );
}
