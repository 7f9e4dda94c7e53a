"use client";

import { ErrorScreen, useErrorDigest } from "@/components/ui/error-screen";

/** A page or the console's layout could not render: usually the control plane is still starting. */
export default function RootError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = useErrorDigest(error);
  return (
    <ErrorScreen title="The console is not available yet" digest={digest} retry={retry}>
      If the control plane has just started, it may still be opening its database: try again in a few seconds. If it keeps failing, the server log has the
      details.
    </ErrorScreen>
  );
}
