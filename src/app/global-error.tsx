"use client";

import { ErrorScreen } from "@/components/ui/error-screen";
import "./globals.css";

/** Replaces the root layout when even that failed to render. */
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body className="bg-slate-50 text-slate-900 antialiased">
        <title>Something went wrong · OpenCrane</title>
        <ErrorScreen title="Something went wrong" retry={retry}>
          The console could not be shown. Try again; if it keeps failing, the server log has the details.
        </ErrorScreen>
      </body>
    </html>
  );
}
