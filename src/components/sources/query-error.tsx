import Link from "next/link";
import { domainErrorOf } from "@/lib/domain-error";

/** A query that failed: what was not found or why it could not load, and a way back. */
export function QueryError({ error, what, back = { href: "/sources", label: "Back to the sources" } }: { error: unknown; what: string; back?: { href: string; label: string } }) {
  const info = domainErrorOf(error);
  return (
    <div role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
      {info.code === "NOT_FOUND" ? `${what} does not exist (any more).` : `Could not load ${what}: ${info.message}`}{" "}
      <Link href={back.href} className="font-medium underline">
        {back.label}
      </Link>
    </div>
  );
}

export function Loading() {
  return (
    <p className="text-sm text-slate-500" role="status">
      Loading…
    </p>
  );
}
