"use client";

import { useEffect } from "react";
import { Button } from "@/components/ui/button";

/** The sign-in page could not be shown: usually the control plane is still opening its database. */
export default function AuthError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div role="alert" className="rounded-xl bg-white px-6 py-10 text-center shadow-sm ring-1 ring-slate-200">
      <h1 className="text-lg font-semibold text-slate-900">Sign-in is not available yet</h1>
      <p className="mx-auto mt-2 max-w-sm text-sm text-slate-600">
        If the control plane has just started, it may still be opening its database: try again in a few seconds. If it keeps failing, the server log has the
        details.
      </p>
      <Button variant="primary" className="mt-6" onClick={() => retry()}>
        Try again
      </Button>
    </div>
  );
}
