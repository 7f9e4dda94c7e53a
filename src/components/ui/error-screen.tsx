import { useEffect, type ReactNode } from "react";

/** Logs a render error to the console and returns its digest, which matches the server log line (production hides server error messages). */
export function useErrorDigest(error: unknown): string | undefined {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
}

/** A whole-screen error with a retry, for when not even the console's layout could render. */
export function ErrorScreen({ title, digest, retry, children }: { title: string; digest?: string; retry: () => void; children: ReactNode }) {
  return (
    <main role="alert" className="mx-auto mt-24 max-w-md px-6 text-center">
      <p className="text-sm font-semibold text-indigo-700">OpenCrane</p>
      <h1 className="mt-2 text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mt-2 text-sm text-slate-600">{children}</p>
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
