"use client";

import "./globals.css";

/** Replaces the root layout when even that failed to render. */
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body className="bg-slate-50 text-slate-900 antialiased">
        <title>Something went wrong · OpenCrane</title>
        <main role="alert" className="mx-auto mt-24 max-w-md px-6 text-center">
          <p className="text-sm font-semibold text-indigo-700">OpenCrane</p>
          <h1 className="mt-2 text-xl font-semibold">Something went wrong</h1>
          <p className="mt-2 text-sm text-slate-600">The console could not be shown. Try again; if it keeps failing, the server log has the details.</p>
          <button
            type="button"
            onClick={() => retry()}
            className="mt-6 rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
          >
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
