import { LinkButton } from "@/components/ui/button";

export default function SourceNotFound() {
  return (
    <div className="rounded-lg bg-white px-6 py-14 text-center shadow-xs ring-1 ring-slate-200">
      <p className="text-sm font-semibold text-indigo-700">404</p>
      <h1 className="mt-1 text-xl font-semibold text-slate-900">No such source or run</h1>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
        It may have been deleted, or the link has a typo: source names are lowercase letters, digits and dashes.
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <LinkButton href="/sources" variant="primary">
          Back to the sources
        </LinkButton>
      </div>
    </div>
  );
}
